using System.Diagnostics;

namespace Spindle.Cli.Bench;

/// <summary>How the suites sample: the median of several runs, as the shared Python peers report theirs.</summary>
internal static class Measure
{
    /// <summary>The median of <paramref name="runs"/> values of <paramref name="sample"/>, after <paramref name="warmUps"/> unrecorded ones.</summary>
    public static double Median(Func<double> sample, int runs, int warmUps = 0)
    {
        for (var i = 0; i < warmUps; i++) sample();
        return Median(Enumerable.Range(0, runs).Select(_ => sample()));
    }

    /// <summary>The median of values already sampled; of an even count, the upper of the two middle values.</summary>
    /// <exception cref="ArgumentException">No value.</exception>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) throw new ArgumentException("A median needs at least one value.", nameof(values));
        return sorted[sorted.Count / 2];
    }

    /// <summary>The wall time of one call of <paramref name="run"/>.</summary>
    public static TimeSpan Time(Action run)
    {
        var clock = Stopwatch.StartNew();
        run();
        return clock.Elapsed;
    }
}
