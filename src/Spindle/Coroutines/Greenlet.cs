using System.Globalization;
using System.Runtime.ExceptionServices;

namespace Spindle.Coroutines;

/// <summary>
/// A coroutine with explicit switching, all on the thread that created it. Python: <c>greenlet.greenlet</c>.
/// </summary>
/// <remarks>
/// <para>
/// A greenlet runs an async function. Inside it, <c>await other.SwitchAsync(value)</c> hands control (and a value) to
/// another greenlet and returns whatever is later switched back; the thread's ordinary code (its <em>main</em> greenlet,
/// <see cref="Greenlet.Current"/> outside any greenlet) calls the synchronous <see cref="Switch"/>. The first switch into a
/// greenlet starts its function with the value as argument; when the function returns, its parent receives the result
/// (an exception escaping it is raised in the parent instead). Switching into a dead greenlet goes to its parent.
/// </para>
/// <para>
/// Python's greenlets have their own C stacks; .NET's coroutines are async methods, so a greenlet can only switch where
/// it can <c>await</c>. Switches never deepen the stack and never leave the thread (see <see cref="SwitchAsync"/>).
/// Awaiting an ordinary .NET task inside a greenlet works: the greenlet resumes on its own thread when the task completes
/// (meanwhile the thread's <see cref="Hub"/> runs other greenlets).
/// </para>
/// </remarks>
public class Greenlet
{
    private static int s_counter;
    private readonly Delegate? _run;
    private readonly int _number;
    private Greenlet? _parent;

    /// <summary>Creates a greenlet whose function takes the value of the first switch and returns a result.
    /// Python: <c>greenlet(run, parent=None)</c>.</summary>
    /// <param name="run">The function; it runs at the first switch into the greenlet.</param>
    /// <param name="parent">Where control goes when it finishes; the current greenlet by default.</param>
    /// <exception cref="ArgumentException"><paramref name="parent"/> belongs to another thread.</exception>
    public Greenlet(Func<object?, Task<object?>> run, Greenlet? parent = null) : this((Delegate)NotNull(run), parent) { }

    /// <summary>Creates a greenlet whose function takes the value of the first switch and returns nothing (its parent
    /// receives null). Python: <c>greenlet(run)</c>.</summary>
    /// <inheritdoc cref="Greenlet(Func{object?, Task{object?}}, Greenlet?)"/>
    public Greenlet(Func<object?, Task> run, Greenlet? parent = null) : this((Delegate)NotNull(run), parent) { }

    /// <summary>Creates a greenlet whose function ignores the value of the first switch. Python: <c>greenlet(run)</c>.</summary>
    /// <inheritdoc cref="Greenlet(Func{object?, Task{object?}}, Greenlet?)"/>
    public Greenlet(Func<Task<object?>> run, Greenlet? parent = null) : this((Delegate)NotNull(run), parent) { }

    /// <summary>Creates a greenlet whose function takes and returns nothing. Python: <c>greenlet(run)</c>.</summary>
    /// <inheritdoc cref="Greenlet(Func{object?, Task{object?}}, Greenlet?)"/>
    public Greenlet(Func<Task> run, Greenlet? parent = null) : this((Delegate)NotNull(run), parent) { }

    /// <summary>For subclasses that override <see cref="RunAsync"/> (Python: subclassing <c>greenlet</c> and defining <c>run</c>).</summary>
    /// <inheritdoc cref="Greenlet(Func{object?, Task{object?}}, Greenlet?)"/>
    protected Greenlet(Greenlet? parent = null) : this((Delegate?)null, parent) { }

    private Greenlet(Delegate? run, Greenlet? parent)
    {
        Owner = GreenletThread.Current;
        if (parent is not null) CheckParent(parent);
        _parent = parent ?? Owner.Running;
        _run = run;
        _number = Interlocked.Increment(ref s_counter);
        Context = new GreenletContext(this);
    }

    // The main greenlet of a thread.
    internal Greenlet(GreenletThread owner)
    {
        Owner = owner;
        IsMain = true;
        Status = GreenletStatus.Running;
        Context = null;
    }

    // The hub: a child of the main greenlet whose "body" is the event loop.
    private protected Greenlet(GreenletThread owner, Greenlet parent)
    {
        Owner = owner;
        _parent = parent;
        _number = Interlocked.Increment(ref s_counter);
        Status = GreenletStatus.Suspended;
        Context = null;
    }

    /// <summary>The running greenlet of the calling thread (its main greenlet outside any). Python: <c>greenlet.getcurrent()</c>.</summary>
    public static Greenlet Current => GreenletThread.Current.Running;

    /// <summary>
    /// Where control and the return value go when this greenlet finishes; null only for a main greenlet.
    /// Python: <c>greenlet.parent</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException">Setting null (Python: <c>TypeError</c>).</exception>
    /// <exception cref="ArgumentException">A parent of another thread, or a cycle (Python: <c>ValueError: cyclic parent chain</c>).</exception>
    /// <exception cref="InvalidOperationException">Setting the parent of a main greenlet.</exception>
    public Greenlet? Parent
    {
        get => _parent;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (IsMain) throw new InvalidOperationException("cannot set the parent of a main greenlet");
            CheckParent(value);
            _parent = value;
        }
    }

    /// <summary>Whether this is a thread's main greenlet (its ordinary code). Python: the <c>main</c> in its repr.</summary>
    public bool IsMain { get; }

    /// <summary>Whether the greenlet has finished. Python: <c>greenlet.dead</c>.</summary>
    public bool IsDead => Status == GreenletStatus.Dead;

    /// <summary>Whether the greenlet has started and not finished. Python: <c>bool(greenlet)</c>.</summary>
    public virtual bool IsActive => Status is not (GreenletStatus.Pending or GreenletStatus.Dead);

    internal GreenletThread Owner { get; }

    internal GreenletStatus Status { get; set; } = GreenletStatus.Pending;

    internal GreenletContext? Context { get; }

    /// <summary>Where a suspended greenlet goes on.</summary>
    internal Action? Continuation { get; set; }

    /// <summary>What the next resumption delivers.</summary>
    internal object? InValue { get; set; }

    /// <summary>The exception the next resumption raises.</summary>
    internal Exception? InError { get; set; }

    /// <summary>The task of the running function, once started.</summary>
    internal Task? Body { get; private set; }

    /// <summary>A kill or timeout that arrived while the greenlet awaited a .NET task: raised when it next yields.</summary>
    internal Exception? PendingThrow { get; set; }

    /// <summary>The posted continuation an awaiting greenlet resumes with.</summary>
    internal PostedWork Posted { get; set; }

    /// <summary>Whether the hub watches the body's task for a completion on another thread.</summary>
    internal bool WatchingBody { get; set; }

    /// <summary>The number of the greenlet's current wait on the hub; wakes carrying an older number are stale.</summary>
    internal int WaitSeq { get; private set; }

    /// <summary>Whether the greenlet waits on the hub and nobody has claimed the wake yet.</summary>
    internal bool Waiting { get; private set; }

    /// <summary>
    /// Switches to this greenlet, passing <paramref name="value"/>, and returns what is switched back to the caller.
    /// Only the thread's main greenlet (its synchronous code) can block like this; inside a greenlet, await
    /// <see cref="SwitchAsync"/>. Python: <c>greenlet.switch(*args)</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from another thread (Python's <c>greenlet.error</c>), or from
    /// inside a greenlet.</exception>
    public object? Switch(object? value = null) => SwitchFromMain(value, null, nameof(Switch));

    /// <summary>
    /// Switches to this greenlet, passing <paramref name="value"/>; the await returns what is later switched back.
    /// Python: <c>greenlet.switch(*args)</c>. The switch happens at the <c>await</c>: the awaiting async method keeps its
    /// place and returns to the thread's trampoline, which resumes this greenlet. From the main greenlet it runs the
    /// trampoline at once and completes synchronously.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from another thread, into a greenlet that is awaiting a .NET
    /// task, from a hub callback, or while the greenlet is already switching away.</exception>
    public GreenletSwitch SwitchAsync(object? value = null) => SwitchFromAnywhere(value, null, nameof(SwitchAsync));

    /// <summary>
    /// Raises <paramref name="exception"/> (<see cref="GreenletExitException"/> by default) inside this greenlet, where it
    /// is suspended, and returns what is switched back. A greenlet not yet started dies without running and its parent
    /// receives the exception. Only the main greenlet can block like this; inside a greenlet, await <see cref="ThrowAsync"/>.
    /// Python: <c>greenlet.throw(typ, val, tb)</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">As <see cref="Switch"/>.</exception>
    public object? Throw(Exception? exception = null) => SwitchFromMain(null, exception ?? new GreenletExitException(), nameof(Throw));

    /// <summary>Awaitable twin of <see cref="Throw"/>. Python: <c>greenlet.throw()</c>.</summary>
    /// <exception cref="InvalidOperationException">As <see cref="SwitchAsync"/>.</exception>
    public GreenletSwitch ThrowAsync(Exception? exception = null) =>
        SwitchFromAnywhere(null, exception ?? new GreenletExitException(), nameof(ThrowAsync));

    /// <summary>Python's repr, e.g. <c>&lt;Greenlet#3 suspended active started&gt;</c>.</summary>
    public override string ToString()
    {
        var state = Status switch
        {
            GreenletStatus.Pending => "pending",
            GreenletStatus.Dead => "dead",
            _ => (Owner.Running == this && Thread.CurrentThread == Owner.Thread ? "current" : "suspended") + " active started",
        };
        var name = IsMain ? "main" : DisplayName;
        return string.Create(CultureInfo.InvariantCulture, $"<{GetType().Name} {name} {state}{(IsMain ? " main" : "")}>");
    }

    /// <summary>A short name for messages: <c>#N</c> unless a subclass names itself.</summary>
    private protected virtual string DisplayName => string.Create(CultureInfo.InvariantCulture, $"#{_number}");

    /// <summary>The function the greenlet runs when none was given (Python: a subclass's <c>run</c>).</summary>
    /// <param name="argument">The value of the first switch.</param>
    /// <returns>The value the parent receives.</returns>
    /// <exception cref="InvalidOperationException">Not overridden (Python: <c>AttributeError: run</c>).</exception>
    protected virtual Task<object?> RunAsync(object? argument) =>
        throw new InvalidOperationException($"{this} has no run function: pass one to the constructor or override RunAsync.");

    /// <summary>Starts the greenlet's function with the value of the first switch.</summary>
    private protected virtual Task StartCore(object? argument) => _run switch
    {
        Func<object?, Task<object?>> run => run(argument),
        Func<Task<object?>> run => run(),
        Func<object?, Task> run => run(argument),
        Func<Task> run => run(),
        _ => RunAsync(argument),
    };

    /// <summary>What the parent receives when the body has completed: its result, or the exception it raised
    /// (a GreenletExit counts as a normal return of the exception object, as in Python).</summary>
    internal virtual void Finished(Task body, out object? value, out Exception? error)
    {
        value = null;
        error = null;
        try
        {
            if (body is Task<object?> typed) value = typed.GetAwaiter().GetResult();
            else body.GetAwaiter().GetResult();
        }
        catch (GreenletExitException exit)
        {
            value = exit;
        }
#pragma warning disable CA1031 // the exception goes on to the parent, as in Python
        catch (Exception e)
        {
            error = e;
        }
#pragma warning restore CA1031
    }

    /// <summary>Continues the greenlet: starts it, or resumes its switch or the .NET task it awaited.</summary>
    internal virtual void Resume()
    {
        SynchronizationContext.SetSynchronizationContext(Context);
        var status = Status;
        Status = GreenletStatus.Running;
        switch (status)
        {
            case GreenletStatus.Pending:
                Start();
                break;
            case GreenletStatus.Awaiting:
                var posted = Posted;
                Posted = default;
                Owner.LastResumed = posted.Callback;
                posted.Callback(posted.State);
                break;
            default:
                // Kept, not cleared: a greenlet suspends with the same continuation again and again, and a write saved
                // per switch is measurable; Finish clears it.
                var continuation = Continuation!;
                Owner.LastResumed = continuation;
                continuation();
                break;
        }
    }

    /// <summary>Takes what the last resumption delivered: returns the value or raises the exception.</summary>
    internal object? TakeInbox()
    {
        var (value, error) = (InValue, InError);
        (InValue, InError) = (null, null);
        if (error is not null) ExceptionDispatchInfo.Throw(error);
        return value;
    }

    /// <summary>Starts a wait on the hub; returns its number, which a wake must quote.</summary>
    internal int BeginWait()
    {
        Waiting = true;
        return ++WaitSeq;
    }

    /// <summary>Claims the wait numbered <paramref name="seq"/> for one waker: true once, false for everyone after.</summary>
    internal bool ClaimWait(int seq, object? value, Exception? error)
    {
        if (!Waiting || WaitSeq != seq) return false;
        Waiting = false;
        (InValue, InError) = (value, error);
        return true;
    }

    /// <summary>Ends the current wait for everyone (a direct switch or throw arrived instead).</summary>
    internal void CancelWait()
    {
        if (!Waiting) return;
        Waiting = false;
        WaitSeq++;
    }

    private void Start()
    {
        var (argument, error) = (InValue, InError);
        (InValue, InError) = (null, null);
        if (error is not null)
        {
            // Python: an exception thrown into a greenlet that never ran kills it before its first line.
            Body = Task.FromException(error);
            return;
        }
        Owner.LastResumed = _run;
        try
        {
            Body = StartCore(argument) ?? Task.FromException(new InvalidOperationException($"The function of {this} returned a null task."));
        }
#pragma warning disable CA1031 // a function that throws before returning its task fails the greenlet like one that throws inside it
        catch (Exception e)
        {
            Body = Task.FromException(e);
        }
#pragma warning restore CA1031
    }

    private object? SwitchFromMain(object? value, Exception? error, string operation)
    {
        var thread = GreenletThread.Current;
        Owner.CheckThread();
        if (thread.Running != thread.Main)
            throw new InvalidOperationException(
                $"{operation} would block the thread: only its main greenlet can call it. Inside a greenlet, use await {operation}Async(…).");
        if (this == thread.Main)
        {
            if (error is not null) ExceptionDispatchInfo.Throw(error);
            return value;
        }
        CheckNotAwaiting();
        return thread.RunFromMain(this, value, error);
    }

    // The thread is checked by SwitchFromMain or BeginYield, whichever runs: once per switch.
    private GreenletSwitch SwitchFromAnywhere(object? value, Exception? error, string operation)
    {
        var thread = Owner;
        if (thread.Running == thread.Main) return GreenletSwitch.Completed(SwitchFromMain(value, error, operation));
        var self = thread.BeginYield(operation);
        if (self == this)
        {
            if (error is not null) ExceptionDispatchInfo.Throw(error);
            return GreenletSwitch.Completed(value);
        }
        CheckNotAwaiting();
        return new GreenletSwitch(self, this, value, error);
    }

    private void CheckNotAwaiting()
    {
        if (Status == GreenletStatus.Awaiting) ThrowAwaiting();
    }

    private void ThrowAwaiting() =>
        throw new InvalidOperationException($"Cannot switch into {this}: it is awaiting a .NET task and resumes when that task completes.");

    private void CheckParent(Greenlet parent)
    {
        if (parent.Owner != Owner) throw new ArgumentException("parent cannot be on a different thread", nameof(parent));
        for (var p = parent; p is not null; p = p._parent)
        {
            if (p == this) throw new ArgumentException("cyclic parent chain", nameof(parent));
        }
    }

    private static T NotNull<T>(T run) where T : Delegate
    {
        ArgumentNullException.ThrowIfNull(run);
        return run;
    }
}
