namespace Spindle;

/// <summary>
/// A flag that threads, processes or coroutines wait on (Python: <c>threading.Event</c>,
/// <c>multiprocessing.Event</c>, <c>gevent.event.Event</c>).
/// </summary>
public interface IEvent
{
    /// <summary>Whether the flag is set. Python: <c>is_set()</c>.</summary>
    bool IsSet { get; }

    /// <summary>Sets the flag and wakes every waiter. Python: <c>set()</c>.</summary>
    void Set();

    /// <summary>Clears the flag. Python: <c>clear()</c>.</summary>
    void Clear();

    /// <summary>Waits until the flag is set or the timeout elapses. Python: <c>wait(timeout=None)</c>.</summary>
    /// <returns>The flag's value on return: false only when the timeout elapsed.</returns>
    bool Wait(TimeSpan? timeout = null);

    /// <summary>Awaitable twin of <see cref="Wait"/>.</summary>
    ValueTask<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default);
}
