namespace Spindle.Cli.Bench;

/// <summary>
/// A set of figures that <c>spindle bench NAME</c> measures: its name, a one-line title, and the code that measures
/// Spindle and (with <c>--vs-python</c>) the Python peer in the same run.
/// </summary>
internal sealed record BenchSuite(string Name, string Title, Func<BenchContext, IReadOnlyList<BenchRow>> Run);
