using System.Diagnostics;

namespace Spindle.Ipc;

/// <summary>
/// How long a streaming side (a pipe's reader, a queue ring's reader or writer) polls for its peer before it sleeps,
/// learnt from what happened. A sleep and wake-up costs ≈ 35–45 µs on this VM while a busy peer answers within a few
/// microseconds, so spinning up to <see cref="Longest"/> pays — on a quiet machine. After a spin that gave up, a sleep
/// that ended soon (sooner than the longest spin) means spinning longer would have met the peer: the spin grows. A
/// long sleep — an idle peer, or a machine too busy for spinning to pay, where the spinner takes the CPU its peer
/// needs — halves it.
/// </summary>
internal sealed class AdaptiveSpin
{
    /// <summary>The longest spin: about what a sleep and a wake-up cost here.</summary>
    public static readonly long Longest = Stopwatch.Frequency / 20_000; // 50 µs

    private static readonly long Step = Stopwatch.Frequency / 1_000_000; // 1 µs

    private long _budget = Longest;

    /// <summary>Stopwatch ticks to spin now.</summary>
    public long Budget => Volatile.Read(ref _budget);

    /// <summary>Learns from the sleep of <paramref name="slept"/> ticks that followed a spin that gave up.</summary>
    public void AfterSleep(long slept)
    {
        var budget = Volatile.Read(ref _budget);
        Volatile.Write(ref _budget, slept < Longest ? Math.Min(Longest, budget * 2 + Step) : budget / 2);
    }
}
