using System.Diagnostics;

namespace Spindle.Threading.Queues;

/// <summary>A validated queue timeout: null or <see cref="Timeout.InfiniteTimeSpan"/> is forever, zero is "don't wait".</summary>
internal readonly struct QueueTimeout
{
    private readonly long _milliseconds; // −1: forever

    private QueueTimeout(long milliseconds) => _milliseconds = milliseconds;

    public bool IsZero => _milliseconds == 0;

    /// <summary>Validates <paramref name="timeout"/> as Python does (a negative timeout is a ValueError there).</summary>
    public static QueueTimeout From(TimeSpan? timeout, string paramName)
    {
        if (timeout is not { } span || span == Timeout.InfiniteTimeSpan) return new(-1);
        if (span < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(paramName, span, "The timeout must be non-negative, or Timeout.InfiniteTimeSpan.");
        // Round up so that a sub-millisecond timeout still waits rather than degrading to "no wait".
        return new((long)Math.Ceiling(span.TotalMilliseconds));
    }

    /// <summary>Starts the clock; called only once a wait is really needed, so the fast path never reads it.</summary>
    public QueueDeadline Start()
    {
        var now = Stopwatch.GetTimestamp();
        var ticksPerMillisecond = Stopwatch.Frequency / 1000;
        // A timeout of centuries (TimeSpan.MaxValue) would overflow the tick count: it is as good as forever.
        return new(_milliseconds < 0 || _milliseconds > (long.MaxValue - now) / ticksPerMillisecond
            ? long.MaxValue
            : now + _milliseconds * ticksPerMillisecond);
    }
}

/// <summary>
/// The moment a wait gives up, in <see cref="Stopwatch"/> ticks (<see cref="long.MaxValue"/>: never). Not
/// <see cref="Environment.TickCount64"/>, which is coarse on Linux and would end waits a few milliseconds early.
/// </summary>
internal readonly struct QueueDeadline(long endTicks)
{
    public bool IsInfinite => endTicks == long.MaxValue;

    /// <summary>Milliseconds left, clamped for the BCL's int-based waits: −1 forever, 0 expired.</summary>
    public int RemainingMilliseconds()
    {
        if (IsInfinite) return Timeout.Infinite;
        var left = endTicks - Stopwatch.GetTimestamp();
        if (left <= 0) return 0;
        var ticksPerMillisecond = Stopwatch.Frequency / 1000;
        // Round up: waking a little late is harmless, waking early would report a timeout too soon.
        return (int)Math.Min((left + ticksPerMillisecond - 1) / ticksPerMillisecond, int.MaxValue);
    }

    public TimeSpan RemainingTimeSpan()
    {
        var ms = RemainingMilliseconds();
        return ms < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(ms);
    }
}
