using System.Runtime.ExceptionServices;

namespace Spindle.Coroutines;

/// <summary>
/// One wait for many objects (<see cref="Hub.JoinAll"/>, <see cref="Hub.Wait{T}(IEnumerable{T}, TimeSpan?, int?)"/>,
/// <see cref="Hub.IWait{T}(IEnumerable{T}, TimeSpan?, int?)"/>): observes each until disposed, keeps them in the order
/// they became ready (those ready at the start first, in the caller's order), and wakes the waiter only once enough
/// are, so joining ten thousand greenlets costs one wake. Python: <c>gevent.iwait</c>'s <c>_WaitIterator</c>.
/// </summary>
internal sealed class ReadyWaiter<T> : IReadyObserver, IDisposable where T : class, IHubWaitable
{
    private readonly List<T> _objects;
    private readonly Deadline _deadline;
    private readonly bool _raiseError;
    private Hub? _hub;
    private Greenlet? _waiter;
    private int _seq;
    private int _target;
    private bool _observing;

    public ReadyWaiter(IEnumerable<T> objects, TimeSpan? timeout, int? count, bool raiseError)
    {
        ArgumentNullException.ThrowIfNull(objects);
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The count must be non-negative, or null for all of them.");
        _objects = objects.ToList();
        foreach (var o in _objects)
        {
            if (o is null) throw new ArgumentException("The objects to wait on include null.", nameof(objects));
        }
        _deadline = Deadline.Start(timeout);
        _raiseError = raiseError;
        Limit = count is { } c ? Math.Min(c, _objects.Count) : _objects.Count;
    }

    /// <summary>How many the wait is for: <c>count</c>, at most all of them.</summary>
    public int Limit { get; }

    /// <summary>The objects ready so far, in the order they became ready.</summary>
    public List<T> Ready { get; } = [];

    /// <summary>
    /// Waits until <paramref name="target"/> objects are ready or the deadline passes; with errors raised, raises the
    /// first failure among the first <paramref name="target"/> ready.
    /// </summary>
    /// <returns>Whether <paramref name="target"/> are ready.</returns>
    public async ValueTask<bool> WaitForAsync(int target, string operation, CancellationToken cancellationToken)
    {
        Observe();
        if (Ready.Count < target && !_deadline.HasExpired)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var hub = Hub.ForWait(operation, out var self);
            (_hub, _waiter, _seq, _target) = (hub, self, self.BeginWait(), target);
            try
            {
                await hub.Park(self, _seq, _deadline.RemainingOrNull, cancellationToken);
            }
            finally
            {
                _waiter = null;
            }
        }
        if (_raiseError) ThrowFirstFailure(target);
        return Ready.Count >= target;
    }

    public void OnReady(IHubWaitable source)
    {
        Ready.Add((T)source);
        if (_waiter is null) return;
        if (Ready.Count >= _target || (_raiseError && source.ReadyException is not null)) _hub!.Wake(_waiter, _seq);
    }

    public void Dispose()
    {
        if (!_observing) return;
        _observing = false;
        foreach (var o in _objects)
        {
            // One that became ready has forgotten its observers already.
            if (!o.IsReady) o.RemoveReadyObserver(this);
        }
    }

    private void Observe()
    {
        if (_observing) return;
        _observing = true;
        foreach (var o in _objects)
        {
            if (o.IsReady) Ready.Add(o);
            else o.AddReadyObserver(this);
        }
    }

    private void ThrowFirstFailure(int target)
    {
        for (var i = 0; i < Math.Min(target, Ready.Count); i++)
        {
            if (Ready[i].ReadyException is { } failure) ExceptionDispatchInfo.Throw(failure);
        }
    }
}
