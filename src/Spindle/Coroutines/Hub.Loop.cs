using System.Diagnostics;
using Spindle.Selectors;

namespace Spindle.Coroutines;

// The event loop: a ready queue, timers and IO readiness from the epoll selector, and work posted by other threads.
public sealed partial class Hub
{
    private readonly Queue<ReadyItem> _ready = new();
    private readonly TimerHeap _timers = new();
    private readonly EpollSelector _selector = new(edgeTriggered: true);
    private int _batch;            // ready items left before the loop looks at IO and timers again
    private int _awaiting;         // greenlets inside an await of a .NET task
    private int _ioWaiters;        // greenlets parked on a socket
    private int _wakeRequested;    // set by posters; the hub clears it before it sleeps
    private volatile bool _sleeping;

    /// <summary>Whether the loop is asleep in epoll_wait (for the watchdog: not user code).</summary>
    internal bool IsSleeping => _sleeping;

    /// <summary>Runs the loop until a greenlet is ready to run, then hands it to the trampoline.</summary>
    internal override void Resume()
    {
        var error = InError;
        (InValue, InError) = (null, null);
        Status = GreenletStatus.Running;
        SynchronizationContext.SetSynchronizationContext(null);
        if (error is not null)
        {
            Status = GreenletStatus.Suspended;
            Owner.Transfer(Owner.Main, null, error);
            return;
        }
        while (true)
        {
            if (_batch == 0)
            {
                if (!Poll(wait: _ready.Count == 0))
                {
                    Status = GreenletStatus.Suspended;
                    Owner.Transfer(Owner.Main, null, new LoopExitException());
                    return;
                }
                _batch = _ready.Count;
                continue;
            }
            _batch--;
            if (Dispatch(_ready.Dequeue()))
            {
                Status = GreenletStatus.Suspended;
                return;
            }
        }
    }

    /// <summary>Schedules a greenlet whose wait <paramref name="seq"/> is still open, delivering a value or an exception.</summary>
    /// <returns>Whether this call woke it (false: someone else did, or the wait is over).</returns>
    internal bool Wake(Greenlet g, int seq, object? value = null, Exception? error = null)
    {
        if (!g.ClaimWait(seq, value, error)) return false;
        _ready.Enqueue(new ReadyItem(g, seq, null, null));
        return true;
    }

    /// <summary>Schedules a greenlet that was never started. Python: <c>Greenlet.start()</c>.</summary>
    internal void ScheduleStart(Greenlet g) => _ready.Enqueue(new ReadyItem(g, 0, null, null));

    /// <summary>Runs <paramref name="callback"/> in the hub soon (hub thread only). Python: <c>loop.run_callback</c>.</summary>
    internal void Schedule(SendOrPostCallback callback, object? state) => _ready.Enqueue(new ReadyItem(null, 0, callback, state));

    /// <summary>Adds a timer that wakes <paramref name="target"/> at <paramref name="deadline"/> (Stopwatch ticks).</summary>
    internal void AddTimer(long deadline, object target, int seq) => _timers.Add(deadline, target, seq);

    /// <summary>A timed wait ended before its timer fired.</summary>
    internal void TimerAbandoned() => _timers.Live--;

    /// <summary>A greenlet started awaiting a .NET task; the loop stays alive for it.</summary>
    internal void OnAwaiting(Greenlet g)
    {
        _awaiting++;
        if (g.Body is { } body && !g.WatchingBody)
        {
            // If the body completes elsewhere (a ConfigureAwait(false) inside it), the hub still learns of it.
            g.WatchingBody = true;
            body.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => Owner.Post(g, s_bodyDone, g));
        }
    }

    /// <summary>Counts a parked IO waiter (keeps the loop alive).</summary>
    internal void IoWaitBegins() => _ioWaiters++;

    /// <summary>Uncounts a parked IO waiter.</summary>
    internal void IoWaitEnds() => _ioWaiters--;

    /// <summary>Starts watching a socket for both directions, edge-triggered: a watcher is registered once per socket.</summary>
    internal void Register(IoWatcher watcher) => _selector.Register(watcher.FileObject, SelectorEvents.Read | SelectorEvents.Write, watcher);

    /// <summary>Stops watching a socket (before it is closed).</summary>
    internal void Unregister(IoWatcher watcher)
    {
        if (!IsDead) _selector.Unregister(watcher.FileObject);
    }

    /// <summary>Wakes a loop asleep in epoll_wait because work was posted (any thread; free on the hub's own thread).</summary>
    internal void WakeFromAnyThread()
    {
        if (Thread.CurrentThread == Owner.Thread) return;
        if (Interlocked.Exchange(ref _wakeRequested, 1) == 0 && !IsDead)
        {
            try { _selector.Wake(); }
            catch (ObjectDisposedException) { /* the hub was destroyed meanwhile */ }
        }
    }

    private static readonly SendOrPostCallback s_bodyDone = static state =>
    {
        // Runs as the greenlet, which is in the Awaiting state: AfterRun sees the completed body and finishes it.
    };

    private bool Dispatch(in ReadyItem item)
    {
        var g = item.Greenlet;
        if (item.Callback is null)
        {
            if (g!.Status == GreenletStatus.Pending)
            {
                Owner.Transfer(g, null, null);
                return true;
            }
            if (g.WaitSeq != item.Seq || g.Waiting || g.Status != GreenletStatus.Suspended) return false; // stale
            Owner.TransferClaimed(g);
            return true;
        }
        if (g is { Status: GreenletStatus.Awaiting })
        {
            _awaiting--;
            g.Posted = new PostedWork(g, item.Callback, item.State);
            Owner.TransferClaimed(g);
            return true;
        }
        SynchronizationContext.SetSynchronizationContext(g?.Context);
        Owner.Resumes++;
        Owner.LastResumed = item.Callback;
        try
        {
            item.Callback(item.State);
        }
#pragma warning disable CA1031 // a callback's failure is reported; the loop goes on (gevent: hub.handle_error)
        catch (Exception e)
        {
            ReportError(item.Callback.Method, e);
        }
#pragma warning restore CA1031
        SynchronizationContext.SetSynchronizationContext(null);
        return Owner.HasTransfer;
    }

    // One look at the world: posted work, IO readiness, expired timers. Returns false when the loop would wait for
    // nothing that can ever happen (gevent's LoopExit).
    private bool Poll(bool wait)
    {
        DrainPosted();
        TimeSpan? timeout = TimeSpan.Zero;
        if (wait && _ready.Count == 0)
        {
            if (_timers.Count > 0)
            {
                var ticks = _timers.NextDeadline - Stopwatch.GetTimestamp();
                timeout = ticks <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)ticks / Stopwatch.Frequency);
            }
            else if (_ioWaiters == 0 && _awaiting == 0)
            {
                return false;
            }
            else
            {
                timeout = null;
            }
        }
        if (timeout != TimeSpan.Zero || _selector.Keys.Count > 0)
        {
            if (timeout != TimeSpan.Zero)
            {
                Interlocked.Exchange(ref _wakeRequested, 0);
                if (Owner.HasPosted) timeout = TimeSpan.Zero;
            }
            _sleeping = timeout != TimeSpan.Zero;
            ReadyList events;
            try { events = _selector.Select(timeout); }
            finally { _sleeping = false; }
            foreach (var (key, ready) in events) ((IoWatcher)key.Data!).OnReady(this, ready);
        }
        FireTimers();
        DrainPosted();
        return true;
    }

    private void FireTimers()
    {
        if (_timers.Count == 0) return;
        var now = Stopwatch.GetTimestamp();
        while (_timers.Count > 0 && _timers.NextDeadline <= now)
        {
            var (target, seq) = _timers.Pop();
            if (!TimerHeap.IsLive(target, seq)) continue;
            _timers.Live--;
            if (target is Greenlet g) Wake(g, seq, TimedOut);
            else ((ITimerTarget)target).Fire(this, seq);
        }
        _timers.CompactIfMostlyStale();
    }

    private void DrainPosted()
    {
        while (Owner.TryTakePosted(out var work)) _ready.Enqueue(new ReadyItem(work.Greenlet, 0, work.Callback, work.State));
    }

    private readonly record struct ReadyItem(Greenlet? Greenlet, int Seq, SendOrPostCallback? Callback, object? State);
}
