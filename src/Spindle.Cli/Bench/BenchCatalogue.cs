namespace Spindle.Cli.Bench;

/// <summary>Every suite of <c>spindle bench</c>, in the order a plain <c>spindle bench</c> runs them: one entry per area file.</summary>
internal static class BenchCatalogue
{
    /// <summary>All suites.</summary>
    public static IReadOnlyList<BenchSuite> All { get; } =
    [
        ProcessStartBench.Suite,
        IpcBench.Suite,
        PoolBench.Suite,
        EfficiencyBench.Suite,
        ManagerBench.Suite,
        CoroutineBench.Suite,
        EchoBench.Suite,
        SelectorsBench.Suite,
        BrokerBench.Suite,
    ];

    /// <summary>The suite called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static BenchSuite? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}
