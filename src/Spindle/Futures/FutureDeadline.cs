using System.Diagnostics;

namespace Spindle;

/// <summary>A point in time a wait must end by, computed once so that a timeout spans a whole operation.</summary>
internal readonly struct FutureDeadline
{
    private readonly long _end; // Stopwatch ticks; long.MaxValue means "never"

    private FutureDeadline(long end) => _end = end;

    /// <summary>A deadline that never passes.</summary>
    public static FutureDeadline Never => new(long.MaxValue);

    /// <summary>Starts a deadline <paramref name="timeout"/> from now (null or <see cref="Timeout.InfiniteTimeSpan"/>: never).</summary>
    public static FutureDeadline Start(TimeSpan? timeout, string paramName = "timeout")
    {
        if (Validate(timeout, paramName) is not { } t) return Never;
        var ticks = (long)Math.Min(t.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 2.0);
        return new FutureDeadline(Stopwatch.GetTimestamp() + ticks);
    }

    /// <summary>Checks a timeout argument; returns null for "forever".</summary>
    public static TimeSpan? Validate(TimeSpan? timeout, string paramName = "timeout")
    {
        if (timeout is not { } t || t == Timeout.InfiniteTimeSpan) return null;
        if (t < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(paramName, t, "The timeout must be non-negative, null or Timeout.InfiniteTimeSpan.");
        return t;
    }

    public bool IsNever => _end == long.MaxValue;

    public bool HasPassed => !IsNever && Stopwatch.GetTimestamp() >= _end;

    /// <summary>Time left (zero once passed), or null when the deadline never passes.</summary>
    public TimeSpan? Remaining => IsNever ? null : Stopwatch.GetElapsedTime(0, Math.Max(0, _end - Stopwatch.GetTimestamp()));

    /// <summary>Time left for APIs that take <see cref="Timeout.InfiniteTimeSpan"/> for "forever".</summary>
    public TimeSpan RemainingOrInfinite => Remaining ?? Timeout.InfiniteTimeSpan;

    /// <summary>Milliseconds left for <see cref="Monitor.Wait(object, int)"/>: rounded up so a wait never ends early; −1 when never.</summary>
    public int RemainingMilliseconds
    {
        get
        {
            if (IsNever) return Timeout.Infinite;
            var left = _end - Stopwatch.GetTimestamp();
            if (left <= 0) return 0;
            return (int)Math.Min(int.MaxValue - 1, (left * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency);
        }
    }
}
