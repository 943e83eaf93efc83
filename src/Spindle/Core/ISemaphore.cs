namespace Spindle;

/// <summary>
/// A counting semaphore (Python: <c>threading.Semaphore</c>, <c>multiprocessing.Semaphore</c>,
/// <c>gevent.lock.Semaphore</c>). Bounded variants refuse a release above the initial value.
/// </summary>
public interface ISemaphore : ILock
{
    /// <summary>The current counter. Python: <c>multiprocessing.Semaphore.get_value()</c>.</summary>
    int Value { get; }

    /// <summary>Releases <paramref name="count"/> times at once. Python: <c>release(n)</c>.</summary>
    void Release(int count);
}
