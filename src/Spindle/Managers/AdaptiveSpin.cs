using System.Diagnostics;

namespace Spindle.Managers;

/// <summary>
/// How long a manager connection spins waiting for its peer before it blocks: a request/response that blocks costs a
/// sleep and a wake-up on each side (25–45 µs on a VM whose idle vCPUs halt), while a peer that answers within
/// microseconds is caught by the spin. The budget stays at its maximum while waits end within it, halves when they
/// do not, and comes back after a wait that blocked only briefly (a longer spin would have caught it).
/// </summary>
internal struct AdaptiveSpin
{
    private static readonly long s_max = Stopwatch.Frequency * 50 / 1_000_000; // 50 µs

    private long _shortfall; // how far below the maximum the budget is: 0 (the default) spins fully

    /// <summary>When a spin that starts at <paramref name="start"/> gives up.</summary>
    public readonly long EndOf(long start) => start + s_max - _shortfall;

    /// <summary>The peer answered during the spin.</summary>
    public void Caught() => _shortfall = 0;

    /// <summary>The spin gave up and the wait blocked; <paramref name="start"/> is when the spin began.</summary>
    public void Blocked(long start)
    {
        var budget = s_max - _shortfall;
        _shortfall = Stopwatch.GetTimestamp() - start < 4 * s_max ? 0 : s_max - budget / 2;
    }
}
