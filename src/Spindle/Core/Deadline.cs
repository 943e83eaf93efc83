using System.Diagnostics;

namespace Spindle;

/// <summary>
/// The project's one timeout rule, and the point in time a wait must end by. A timeout is <c>TimeSpan?</c>: null or
/// <see cref="Timeout.InfiniteTimeSpan"/> waits forever, <see cref="TimeSpan.Zero"/> does not wait, any other negative
/// value is an <see cref="ArgumentOutOfRangeException"/> (Python: <c>ValueError</c>), and a timeout longer than the
/// longest single .NET wait (<see cref="int.MaxValue"/> ms, about 24.8 days; e.g. <see cref="TimeSpan.MaxValue"/>)
/// waits forever. The deadline is computed once, so a wait made of several
/// steps (wake, retry, wait again) honours the caller's whole timeout. Stopwatch ticks, not
/// <see cref="Environment.TickCount64"/>, which is coarse on Linux and would end waits a few milliseconds early.
/// </summary>
internal readonly struct Deadline
{
    private readonly long _end; // Stopwatch timestamp; long.MaxValue = never

    private Deadline(long end) => _end = end;

    /// <summary>Never expires.</summary>
    public static Deadline Infinite => new(long.MaxValue);

    /// <summary>Checks a timeout argument; returns null for "forever".</summary>
    public static TimeSpan? Validate(TimeSpan? timeout, string paramName = "timeout")
    {
        if (timeout is not { } t || t == Timeout.InfiniteTimeSpan) return null;
        if (t < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(paramName, t, "The timeout must be non-negative, or null / Timeout.InfiniteTimeSpan to wait forever.");
        return t;
    }

    /// <summary>Validates <paramref name="timeout"/> and starts the clock.</summary>
    public static Deadline Start(TimeSpan? timeout, string paramName = "timeout")
    {
        if (Validate(timeout, paramName) is not { } t || t.TotalMilliseconds >= int.MaxValue - 1) return Infinite;
        return new(Stopwatch.GetTimestamp() + (long)(t.TotalSeconds * Stopwatch.Frequency));
    }

    /// <summary>Whether the deadline never passes.</summary>
    public bool IsInfinite => _end == long.MaxValue;

    /// <summary>Whether the deadline has passed (never for an infinite one).</summary>
    public bool HasExpired => !IsInfinite && Stopwatch.GetTimestamp() >= _end;

    /// <summary>
    /// Milliseconds left for int-based waits (<see cref="Monitor.Wait(object, int)"/>, poll): −1 when infinite, 0 when
    /// expired, rounded up so a short wait never turns into no wait.
    /// </summary>
    public int RemainingMilliseconds
    {
        get
        {
            if (IsInfinite) return Timeout.Infinite;
            var left = _end - Stopwatch.GetTimestamp();
            if (left <= 0) return 0;
            return (int)((left * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency);
        }
    }

    /// <summary>Time left: <see cref="Timeout.InfiniteTimeSpan"/> when infinite, zero once expired.</summary>
    public TimeSpan Remaining
    {
        get
        {
            var ms = RemainingMilliseconds;
            return ms == Timeout.Infinite ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(ms);
        }
    }

    /// <summary>Time left, or null when infinite (for APIs that take <c>TimeSpan?</c>).</summary>
    public TimeSpan? RemainingOrNull => IsInfinite ? null : Remaining;
}
