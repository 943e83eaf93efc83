namespace Spindle.Coroutines;

/// <summary>
/// One wait for many greenlets (<see cref="Hub.JoinAll"/>): linked to each, it wakes the waiter when the last one
/// finishes, or at the first failure when errors are raised. Python: <c>gevent.joinall</c> over <c>gevent.iwait</c>.
/// </summary>
internal sealed class JoinAllWaiter(List<HubGreenlet> greenlets, bool raiseError) : IGreenletObserver
{
    private Hub? _hub;
    private Greenlet? _waiter;
    private int _seq;
    private int _remaining;

    /// <summary>The greenlets that finished, in the order they did.</summary>
    public List<HubGreenlet> Done { get; } = [];

    public async ValueTask WaitAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        foreach (var g in greenlets)
        {
            if (g.IsDead) Done.Add(g);
        }
        if (raiseError) ThrowFirstFailure(Done);
        if (Done.Count == greenlets.Count) return;
        cancellationToken.ThrowIfCancellationRequested();
        _hub = Hub.ForWait("Hub.JoinAllAsync", out var self);
        _waiter = self;
        _seq = self.BeginWait();
        foreach (var g in greenlets)
        {
            if (g.IsDead) continue;
            _remaining++;
            g.AddLink(this);
        }
        try
        {
            await _hub.Park(self, _seq, timeout, cancellationToken);
        }
        finally
        {
            foreach (var g in greenlets)
            {
                if (!g.IsDead) g.RemoveLink(this);
            }
        }
    }

    public void OnDone(HubGreenlet greenlet)
    {
        Done.Add(greenlet);
        if (raiseError && greenlet.Exception is { } failure) _hub!.Wake(_waiter!, _seq, null, failure);
        else if (--_remaining == 0) _hub!.Wake(_waiter!, _seq);
    }

    private static void ThrowFirstFailure(List<HubGreenlet> done)
    {
        foreach (var g in done)
        {
            if (g.Exception is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }
}
