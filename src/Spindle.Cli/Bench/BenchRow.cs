namespace Spindle.Cli.Bench;

/// <summary>
/// One figure of a suite: Spindle's value beside the Python peer's, measured in the same run, and the goal the issue
/// sets. <see cref="Ratio"/> is always "how many times better Spindle is" (above 1 = Spindle wins), whichever way the
/// unit points.
/// </summary>
/// <param name="Figure">What was measured, in words.</param>
/// <param name="Spindle">Spindle's value.</param>
/// <param name="Python">The peer's value from the same run; null when it was not run or has no counterpart.</param>
/// <param name="Unit">The unit of both values (items/s, ms, µs/call…).</param>
/// <param name="HigherIsBetter">True for rates, false for times.</param>
/// <param name="Goal">The goal, in words (e.g. "≥ 10×"); empty when there is none.</param>
internal sealed record BenchRow(string Figure, double Spindle, double? Python, string Unit, bool HigherIsBetter, string Goal = "")
{
    /// <summary>How many times better Spindle is than the peer, or null without a peer value.</summary>
    public double? Ratio => Python is > 0 and var peer && Spindle > 0
        ? HigherIsBetter ? Spindle / peer : peer / Spindle
        : null;
}
