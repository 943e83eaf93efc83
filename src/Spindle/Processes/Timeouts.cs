namespace Spindle.Processes;

/// <summary>Checks the <c>TimeSpan?</c> timeouts of the public API (null = forever).</summary>
internal static class Timeouts
{
    internal static TimeSpan ToWait(TimeSpan? timeout)
    {
        if (timeout is not { } value) return Timeout.InfiniteTimeSpan;
        if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), value, "The timeout must be non-negative, Timeout.InfiniteTimeSpan or null.");
        return value;
    }
}
