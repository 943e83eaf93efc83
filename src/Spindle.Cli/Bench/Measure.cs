using System.Diagnostics;

namespace Spindle.Cli.Bench;

/// <summary>How the suites sample: the median of several runs, as the shared Python peers report theirs.</summary>
internal static class Measure
{
    /// <summary>The median of <paramref name="runs"/> values of <paramref name="sample"/>, after <paramref name="warmUps"/> unrecorded ones.</summary>
    public static double Median(Func<double> sample, int runs, int warmUps = 0)
    {
        for (var i = 0; i < warmUps; i++) sample();
        var values = new double[runs];
        for (var i = 0; i < runs; i++) values[i] = sample();
        Array.Sort(values);
        return values[runs / 2];
    }

    /// <summary>The wall time of one call of <paramref name="run"/>.</summary>
    public static TimeSpan Time(Action run)
    {
        var clock = Stopwatch.StartNew();
        run();
        return clock.Elapsed;
    }
}
