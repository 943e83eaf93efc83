using System.Runtime.ExceptionServices;

namespace Spindle.Coroutines;

/// <summary>
/// A value (or an exception) that will arrive later, for coroutines to wait on. Python: <c>gevent.event.AsyncResult</c>.
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
public sealed class HubAsyncResult<T> : IHubWaitable
{
    private readonly WaiterQueue _waiters = new();
    private ReadyObservers _observers;
    private HubLinks<HubAsyncResult<T>>? _links;
    private T? _value;

    /// <summary>Whether a value or an exception was set. Python: <c>ready()</c>.</summary>
    public bool IsReady { get; private set; }

    /// <summary>Whether a value was set. Python: <c>successful()</c>.</summary>
    public bool IsSuccessful => IsReady && Exception is null;

    /// <summary>The value, once set; default before. Python: <c>value</c>.</summary>
    public T? Value => _value;

    /// <summary>The exception, once set. Python: <c>exception</c>.</summary>
    public Exception? Exception { get; private set; }

    /// <summary>Stores the value and wakes every waiter. Python: <c>set(value)</c>.</summary>
    /// <exception cref="InvalidOperationException">Already set.</exception>
    public void Set(T value)
    {
        EnsureNotReady();
        _value = value;
        Complete();
    }

    /// <summary>Stores an exception that <see cref="Get"/> raises, and wakes every waiter. Python: <c>set_exception(exception)</c>.</summary>
    /// <exception cref="InvalidOperationException">Already set.</exception>
    public void SetException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        EnsureNotReady();
        Exception = exception;
        Complete();
    }

    /// <summary>Waits for the value and returns it, or raises the exception set. Python: <c>get(block=True, timeout=None)</c>.
    /// Main code only; coroutines await <see cref="GetAsync"/>.</summary>
    /// <exception cref="TimeoutException">Nothing arrived within <paramref name="timeout"/> (Python: <c>gevent.Timeout</c>).</exception>
    public T Get(TimeSpan? timeout = null) => MainGreenlet.Run("HubAsyncResult.Get", () => GetAsync(timeout));

    /// <summary>Awaitable twin of <see cref="Get"/>.</summary>
    public async ValueTask<T> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (!await WaitAsync(timeout, cancellationToken)) throw new TimeoutException($"No result within {timeout}.");
        return GetNoWait();
    }

    /// <summary>The value if ready. Python: <c>get_nowait()</c>.</summary>
    /// <exception cref="TimeoutException">Not ready (Python: <c>gevent.Timeout</c>).</exception>
    public T GetNoWait()
    {
        if (!IsReady) throw new TimeoutException("The result is not ready.");
        if (Exception is not null) ExceptionDispatchInfo.Throw(Exception);
        return _value!;
    }

    /// <summary>Waits until ready, without raising the exception. Python: <c>wait(timeout=None)</c>.</summary>
    /// <returns>Whether it is ready.</returns>
    public bool Wait(TimeSpan? timeout = null) => MainGreenlet.Run("HubAsyncResult.Wait", () => WaitAsync(timeout));

    /// <summary>Awaitable twin of <see cref="Wait"/>.</summary>
    public async ValueTask<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (IsReady) return true;
        if (Deadline.Validate(timeout) == TimeSpan.Zero) return false;
        return await _waiters.WaitAsync("HubAsyncResult.WaitAsync", timeout, cancellationToken);
    }

    /// <summary>
    /// Calls <paramref name="callback"/> with this object in the hub once a value or an exception is set (soon, if already), one link at a time
    /// in the order linked; each link is called once. A callback that throws is reported through
    /// <see cref="Hub.ErrorHandler"/> and the next still runs. Python: <c>AsyncResult.rawlink(callback)</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null (Python: <c>TypeError</c>).</exception>
    public void RawLink(Action<HubAsyncResult<T>> callback) => (_links ??= new(this)).Add(callback, IsReady);

    /// <summary>
    /// Removes a link of <paramref name="callback"/>; one not yet called is then not called, even when an earlier
    /// link's callback unlinks it. Nothing if it is not linked. Python: <c>AsyncResult.unlink(callback)</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    public void Unlink(Action<HubAsyncResult<T>> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _links?.Remove(callback);
    }

    Exception? IHubWaitable.ReadyException => Exception;

    void IHubWaitable.AddReadyObserver(IReadyObserver observer) => _observers.Add(observer);

    void IHubWaitable.RemoveReadyObserver(IReadyObserver observer) => _observers.Remove(observer);

    private void EnsureNotReady()
    {
        if (IsReady) throw new InvalidOperationException("The result was already set.");
    }

    private void Complete()
    {
        IsReady = true;
        if (_waiters.Count > 0) _waiters.WakeAll(Hub.Current, true);
        _observers.NotifyAll(this);
        _links?.Notify();
    }
}
