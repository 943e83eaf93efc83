namespace Spindle.Coroutines;

/// <summary>
/// Something a coroutine can wait on with <see cref="Hub.Wait{T}(IEnumerable{T}, TimeSpan?, int?)"/> and
/// <see cref="Hub.IWait{T}(IEnumerable{T}, TimeSpan?, int?)"/>: a <see cref="HubGreenlet"/>, a <see cref="HubEvent"/>
/// or a <see cref="HubAsyncResult{T}"/>. Python: the objects <c>gevent.wait</c> and <c>gevent.iwait</c> accept
/// (anything with <c>rawlink</c>).
/// </summary>
/// <remarks>Only Spindle's hub primitives implement it: how they report readiness is internal.</remarks>
public interface IHubWaitable
{
    /// <summary>Whether it is ready: finished, set, or holding a value or an exception. Python: <c>ready()</c>.</summary>
    bool IsReady { get; }

    /// <summary>The exception it ended with, if any (what <c>joinall(raise_error=True)</c> raises).</summary>
    internal Exception? ReadyException { get; }

    /// <summary>Tells <paramref name="observer"/> once, in the hub, when it becomes ready. Python: <c>rawlink</c>.</summary>
    internal void AddReadyObserver(IReadyObserver observer);

    /// <summary>Forgets <paramref name="observer"/>; nothing if it was told already. Python: <c>unlink</c>.</summary>
    internal void RemoveReadyObserver(IReadyObserver observer);
}

/// <summary>Told when an <see cref="IHubWaitable"/> becomes ready.</summary>
internal interface IReadyObserver
{
    /// <summary><paramref name="source"/> became ready.</summary>
    void OnReady(IHubWaitable source);
}

/// <summary>The observers of an event or an async result: told once, then forgotten, as gevent's links are.</summary>
internal struct ReadyObservers
{
    private List<IReadyObserver>? _observers;

    public void Add(IReadyObserver observer) => (_observers ??= []).Add(observer);

    public readonly void Remove(IReadyObserver observer) => _observers?.Remove(observer);

    public void NotifyAll(IHubWaitable source)
    {
        if (_observers is not { Count: > 0 } observers) return;
        _observers = null;
        foreach (var observer in observers) observer.OnReady(source);
    }
}
