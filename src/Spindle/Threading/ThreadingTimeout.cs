namespace Spindle.Threading;

/// <summary>The project's timeout convention (null = forever, zero = don't wait), checked and converted once.</summary>
internal static class ThreadingTimeout
{
    /// <summary>
    /// Returns the timeout as a .NET wait argument: <see cref="Timeout.InfiniteTimeSpan"/> for null.
    /// Throws for a negative timeout other than <see cref="Timeout.InfiniteTimeSpan"/>.
    /// </summary>
    internal static TimeSpan Validate(TimeSpan? timeout, string paramName = "timeout")
    {
        if (timeout is not { } value) return Timeout.InfiniteTimeSpan;
        if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(paramName, value, "A timeout must be non-negative, null or Timeout.InfiniteTimeSpan.");
        return value;
    }
}
