using System.Diagnostics;

namespace Spindle.Threading;

/// <summary>
/// A validated timeout turned into a deadline, so that a wait made of several steps (wake, retry, wait again)
/// honours the caller's overall timeout, as Python's <c>Condition.wait_for</c> and <c>Lock.acquire</c> do.
/// </summary>
internal readonly struct SyncTimeout
{
    private readonly long _deadline; // Stopwatch timestamp; long.MaxValue = never

    private SyncTimeout(long deadline) => _deadline = deadline;

    /// <summary>Never expires.</summary>
    public static SyncTimeout Infinite => new(long.MaxValue);

    /// <summary>
    /// Validates <paramref name="timeout"/> (null or <see cref="Timeout.InfiniteTimeSpan"/>: forever; negative otherwise, or
    /// beyond what the runtime can wait: <see cref="ArgumentOutOfRangeException"/>) and starts the clock.
    /// </summary>
    public static SyncTimeout Start(TimeSpan? timeout, string paramName = "timeout")
    {
        Validate(timeout, paramName);
        if (timeout is not { } t || t == Timeout.InfiniteTimeSpan) return Infinite;
        return new(Stopwatch.GetTimestamp() + (long)(t.TotalSeconds * Stopwatch.Frequency));
    }

    /// <summary>Throws for a timeout that is negative (other than infinite) or too large to wait for.</summary>
    public static void Validate(TimeSpan? timeout, string paramName = "timeout")
    {
        if (timeout is not { } t || t == Timeout.InfiniteTimeSpan) return;
        if (t < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(paramName, t, "The timeout must be non-negative, or null / Timeout.InfiniteTimeSpan to wait forever.");
        if (t.TotalMilliseconds > int.MaxValue - 1)
            throw new ArgumentOutOfRangeException(paramName, t, "The timeout is too large (Python: OverflowError, timeout value is too large).");
    }

    /// <summary>Whether the timeout is infinite.</summary>
    public bool IsInfinite => _deadline == long.MaxValue;

    /// <summary>Whether the deadline has passed (never for an infinite timeout).</summary>
    public bool HasExpired => !IsInfinite && Stopwatch.GetTimestamp() >= _deadline;

    /// <summary>Milliseconds left, rounded up so a short wait never turns into no wait; −1 when infinite, 0 when expired.</summary>
    public int RemainingMilliseconds
    {
        get
        {
            if (IsInfinite) return Timeout.Infinite;
            long ticks = _deadline - Stopwatch.GetTimestamp();
            if (ticks <= 0) return 0;
            return (int)Math.Min(int.MaxValue - 1, (ticks * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency);
        }
    }

    /// <summary>Time left; <see cref="Timeout.InfiniteTimeSpan"/> when infinite, zero when expired.</summary>
    public TimeSpan Remaining
    {
        get
        {
            int ms = RemainingMilliseconds;
            return ms == Timeout.Infinite ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(ms);
        }
    }
}
