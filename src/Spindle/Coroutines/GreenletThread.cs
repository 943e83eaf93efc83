using System.Collections.Concurrent;

namespace Spindle.Coroutines;

/// <summary>Where a greenlet stands. The main greenlet is <see cref="Running"/> or <see cref="Suspended"/>, never the others.</summary>
internal enum GreenletStatus
{
    /// <summary>Created, never switched to.</summary>
    Pending,

    /// <summary>The thread's current greenlet.</summary>
    Running,

    /// <summary>Stopped at a switch (an <c>await</c> of <see cref="Greenlet.SwitchAsync"/> or a wait on the hub).</summary>
    Suspended,

    /// <summary>Stopped at an <c>await</c> of an ordinary .NET task: it resumes through its <see cref="GreenletContext"/>.</summary>
    Awaiting,

    /// <summary>Finished.</summary>
    Dead,
}

/// <summary>
/// The greenlets of one thread and the trampoline that runs them. A switch never calls the target from the switcher's
/// stack: the switcher's async method stores its continuation and returns, and the loop in <see cref="RunFromMain"/>
/// (on the main greenlet's stack, the only synchronous code of the thread) resumes the next greenlet. So switches never
/// deepen the stack and never leave the thread; the cost of one is a delegate call and a few field writes.
/// </summary>
internal sealed class GreenletThread
{
    [ThreadStatic] private static GreenletThread? t_current;

    private readonly ConcurrentQueue<PostedWork> _posted = new();
    private Greenlet? _next;
    private Hub? _hub;

    private GreenletThread()
    {
        Thread = Thread.CurrentThread;
        Main = new Greenlet(this);
        Running = Main;
    }

    /// <summary>The calling thread's state, created on first use.</summary>
    public static GreenletThread Current => t_current ??= new GreenletThread();

    /// <summary>The calling thread's state if it has used greenlets.</summary>
    public static GreenletThread? CurrentIfAny => t_current;

    /// <summary>The thread the greenlets belong to.</summary>
    public Thread Thread { get; }

    /// <summary>The thread's main greenlet: its ordinary synchronous code.</summary>
    public Greenlet Main { get; }

    /// <summary>The greenlet running now (<c>getcurrent()</c>).</summary>
    public Greenlet Running { get; private set; }

    /// <summary>Whether the main greenlet is inside <see cref="RunFromMain"/>.</summary>
    public bool InTrampoline { get; private set; }

    /// <summary>Whether a switch has been requested and not yet carried out.</summary>
    public bool HasTransfer => _next is not null;

    /// <summary>How many times the trampoline has handed control to a greenlet (read by the watchdog).</summary>
    public long Resumes;

    /// <summary>The continuation or function last handed control (read by the watchdog).</summary>
    public object? LastResumed { get; set; }

    /// <summary>The thread's hub, if it has one (read from any thread by posts).</summary>
    public Hub? Hub => Volatile.Read(ref _hub);

    /// <summary>The thread's hub, created on first use (on this thread only).</summary>
    public Hub EnsureHub()
    {
        if (_hub is { IsDead: false } hub) return hub;
        hub = new Hub(this);
        Volatile.Write(ref _hub, hub);
        return hub;
    }

    /// <summary>Forgets a destroyed hub, so that the next use creates a fresh one.</summary>
    public void ForgetHub(Hub hub) => Interlocked.CompareExchange(ref _hub, null, hub);

    /// <summary>Throws Python's <c>greenlet.error</c> when called from another thread than the owner's.</summary>
    public void CheckThread()
    {
        if (Thread.CurrentThread != Thread) ThrowWrongThread();
    }

    // Out of line, so that the check above inlines into every switch.
    private void ThrowWrongThread() =>
        throw new InvalidOperationException(Thread.IsAlive
            ? "cannot switch to a different thread"
            : "cannot switch to a different thread (which happens to have exited)");

    /// <summary>
    /// From the main greenlet: transfers control to <paramref name="target"/> and runs the trampoline until control
    /// comes back to the main greenlet, whose received value is returned (or exception thrown).
    /// </summary>
    public object? RunFromMain(Greenlet target, object? value, Exception? error)
    {
        Transfer(target, value, error);
        var saved = SynchronizationContext.Current;
        InTrampoline = true;
        Main.Status = GreenletStatus.Suspended;
        try
        {
            while (_next is { } g && g != Main)
            {
                _next = null;
                Running = g;
                Resumes++;
                g.Resume();
                if (_next is null) AfterRun(g);
            }
        }
        finally
        {
            _next = null;
            LastResumed = null; // what ran is over: the thread must not keep it (or what it captured) alive
            InTrampoline = false;
            Running = Main;
            Main.Status = GreenletStatus.Running;
            SynchronizationContext.SetSynchronizationContext(saved);
        }
        return Main.TakeInbox();
    }

    /// <summary>
    /// Makes <paramref name="target"/> the next greenlet to run, receiving <paramref name="value"/> or
    /// <paramref name="error"/>. A dead target passes them on to its parent, as Python's does (a GreenletExit thrown
    /// into a dead greenlet becomes its return value on the way); a target waiting on the hub gives up its wait.
    /// </summary>
    public void Transfer(Greenlet target, object? value, Exception? error)
    {
        while (target.Status == GreenletStatus.Dead)
        {
            if (error is GreenletExitException exit) (value, error) = (exit, null);
            target = target.Parent!;
        }
        if (target.Status == GreenletStatus.Awaiting)
        {
            // Nothing can be delivered to a greenlet inside an await of a .NET task; the hub reports what was lost.
            Hub.ReportError(target, error ?? new InvalidOperationException(
                $"{target} was switched to while it awaits a .NET task; the value was dropped."));
            target = EnsureHub();
            (value, error) = (null, null);
        }
        target.CancelWait();
        target.InValue = value;
        target.InError = error;
        _next = target;
    }

    /// <summary>Makes a greenlet whose wait was claimed (its inbox already filled) the next to run.</summary>
    public void TransferClaimed(Greenlet target) => _next = target;

    /// <summary>The switching greenlet's side of an <c>await</c>: keep its continuation, then switch.</summary>
    public void Suspend(Greenlet self, Action continuation, Greenlet target, object? value, Exception? error)
    {
        if (!ReferenceEquals(self.Continuation, continuation)) self.Continuation = continuation;
        self.Status = GreenletStatus.Suspended;
        Transfer(target, value, error);
    }

    /// <summary>
    /// Checks that the running greenlet may switch away now and returns it: it must be a greenlet (not a hub callback),
    /// with no switch already pending. Delivers a kill that waited for the greenlet to come back from a .NET task.
    /// </summary>
    public Greenlet BeginYield(string operation)
    {
        CheckThread();
        var self = Running;
        if (self is Hub || _next is not null || self.PendingThrow is not null) ThrowCannotYield(self, operation);
        return self;
    }

    // The refusals of BeginYield, out of line so that its common path stays small enough to inline.
    private void ThrowCannotYield(Greenlet self, string operation)
    {
        if (self is Hub)
            throw new InvalidOperationException($"{operation} would block inside a hub callback (a link or a timer): spawn a greenlet to wait.");
        if (_next is not null)
            throw new InvalidOperationException(
                $"{operation}: {self} is already switching away. An async method started in a greenlet must be awaited before the greenlet does anything else; to run work concurrently, spawn it.");
        var pending = self.PendingThrow!;
        self.PendingThrow = null;
        throw pending;
    }

    /// <summary>Queues work posted to a greenlet's <see cref="GreenletContext"/>, from any thread, and wakes the hub.</summary>
    public void Post(Greenlet? greenlet, SendOrPostCallback callback, object? state)
    {
        _posted.Enqueue(new PostedWork(greenlet, callback, state));
        Hub?.WakeFromAnyThread();
    }

    /// <summary>Takes the next posted work item, if any.</summary>
    public bool TryTakePosted(out PostedWork work) => _posted.TryDequeue(out work);

    /// <summary>Whether posted work is waiting.</summary>
    public bool HasPosted => !_posted.IsEmpty;

    // The greenlet returned without switching: it finished, or it awaits a .NET task and the hub takes over meanwhile.
    private void AfterRun(Greenlet g)
    {
        var body = g.Body;
        if (body is null || body.IsCompleted)
        {
            Finish(g);
            return;
        }
        g.Status = GreenletStatus.Awaiting;
        var hub = EnsureHub();
        hub.OnAwaiting(g);
        Transfer(hub, null, null);
    }

    /// <summary>Ends a greenlet whose body completed and passes its result to its parent.</summary>
    public void Finish(Greenlet g)
    {
        g.Status = GreenletStatus.Dead;
        g.Continuation = null;
        LastResumed = null;
        g.Finished(g.Body!, out var value, out var error);
        Transfer(g.Parent!, value, error);
    }
}

/// <summary>A callback posted to a greenlet's synchronization context (or to the hub when <see cref="Greenlet"/> is null).</summary>
internal readonly record struct PostedWork(Greenlet? Greenlet, SendOrPostCallback Callback, object? State);
