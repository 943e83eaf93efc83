namespace Spindle.Cli.Bench;

/// <summary>The summary every suite reports of its runs, as the peers do: the median.</summary>
internal static class BenchStatistics
{
    /// <summary>The median of an odd count of runs; of an even count, the upper of the two middle values.</summary>
    /// <exception cref="ArgumentException">No value.</exception>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) throw new ArgumentException("A median needs at least one value.", nameof(values));
        return sorted[sorted.Count / 2];
    }
}
