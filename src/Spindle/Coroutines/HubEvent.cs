namespace Spindle.Coroutines;

/// <summary>
/// A flag coroutines wait on: <see cref="Set"/> wakes every waiter. Python: <c>gevent.event.Event</c>. Like every hub
/// primitive it belongs to one hub thread and needs no lock; reach it from other threads through <see cref="Hub.Post"/>.
/// </summary>
public sealed class HubEvent : IEvent, IHubWaitable
{
    private readonly WaiterQueue _waiters = new();
    private ReadyObservers _observers;
    private HubLinks<HubEvent>? _links;

    /// <summary>Creates a cleared (or set) event. Python: <c>Event()</c>.</summary>
    public HubEvent(bool isSet = false) => IsSet = isSet;

    /// <summary>Whether the flag is set. Python: <c>is_set()</c>.</summary>
    public bool IsSet { get; private set; }

    /// <summary>Sets the flag and wakes every waiter (they run once the caller yields). Python: <c>set()</c>.</summary>
    public void Set()
    {
        IsSet = true;
        if (_waiters.Count > 0) _waiters.WakeAll(Hub.Current, true);
        _observers.NotifyAll(this);
        _links?.Notify();
    }

    /// <summary>Clears the flag. Python: <c>clear()</c>.</summary>
    public void Clear() => IsSet = false;

    /// <summary>Waits until set (main code; coroutines await <see cref="WaitAsync"/>). Python: <c>wait(timeout=None)</c>.</summary>
    /// <returns>false only when the timeout passed.</returns>
    public bool Wait(TimeSpan? timeout = null) => MainGreenlet.Run("HubEvent.Wait", () => WaitAsync(timeout));

    /// <summary>Awaitable twin of <see cref="Wait"/>.</summary>
    public async ValueTask<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (IsSet) return true;
        if (Deadline.Validate(timeout) == TimeSpan.Zero) return false;
        return await _waiters.WaitAsync("HubEvent.WaitAsync", timeout, cancellationToken);
    }

    /// <summary>
    /// Calls <paramref name="callback"/> with this object in the hub once set (soon, if already), one link at a time
    /// in the order linked; each link is called once. A callback that throws is reported through
    /// <see cref="Hub.ErrorHandler"/> and the next still runs. Python: <c>Event.rawlink(callback)</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null (Python: <c>TypeError</c>).</exception>
    public void RawLink(Action<HubEvent> callback) => (_links ??= new(this)).Add(callback, IsSet);

    /// <summary>
    /// Removes a link of <paramref name="callback"/>; one not yet called is then not called, even when an earlier
    /// link's callback unlinks it. Nothing if it is not linked. Python: <c>Event.unlink(callback)</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    public void Unlink(Action<HubEvent> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _links?.Remove(callback);
    }

    bool IHubWaitable.IsReady => IsSet;

    Exception? IHubWaitable.ReadyException => null;

    void IHubWaitable.AddReadyObserver(IReadyObserver observer) => _observers.Add(observer);

    void IHubWaitable.RemoveReadyObserver(IReadyObserver observer) => _observers.Remove(observer);

    /// <summary>Python's repr.</summary>
    public override string ToString() => IsSet ? "<HubEvent set>" : $"<HubEvent unset waiters={_waiters.Count}>";
}
