namespace Spindle.Threading;

/// <summary>
/// A semaphore that refuses to be released above its initial value, which catches a release without a matching
/// acquire (Python: <c>threading.BoundedSemaphore(value=1)</c>).
/// </summary>
public sealed class ThreadBoundedSemaphore : ThreadSemaphore
{
    /// <summary>Creates a bounded semaphore whose counter starts, and may never rise above, <paramref name="value"/>. Python: <c>threading.BoundedSemaphore(value=1)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public ThreadBoundedSemaphore(int value = 1) : base(value, bounded: true) { }
}
