using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Spindle.Native;

namespace Spindle.Coroutines;

/// <summary>
/// The event loop of one thread, and gevent's module functions. Python: <c>gevent.hub.Hub</c> (<c>gevent.get_hub()</c>),
/// <c>gevent.spawn</c>, <c>gevent.sleep</c>, <c>gevent.joinall</c>, <c>gevent.killall</c>, <c>gevent.wait</c>, <c>gevent.iwait</c>.
/// </summary>
/// <remarks>
/// <para>
/// Each thread has its hub, created on first use: a greenlet that runs Spindle's <see cref="Selectors.EpollSelector"/>
/// (edge-triggered), a heap of timers and a ready queue. A coroutine that would block (sleep, a socket not ready, a
/// wait on an event, a lock, a queue, a join) registers what should wake it and switches to the hub, which runs whatever
/// is ready meanwhile. Everything happens on the hub's thread: coroutines need no locks between them.
/// </para>
/// <para>
/// As in gevent, the thread's ordinary (main) code blocks by running the hub: <see cref="Sleep"/>,
/// <see cref="HubGreenlet.Join"/>, <see cref="JoinAll"/> called there run the loop until they can return. Inside a
/// coroutine, await the <c>…Async</c> twins instead. No monkey patching: coroutines use <see cref="HubSocket"/> and the
/// hub's primitives, and may await any .NET task (they resume on the hub thread when it completes).
/// </para>
/// </remarks>
public sealed partial class Hub : Greenlet, IDisposable
{
    private static Action<object, Exception> s_errorHandler = DefaultErrorHandler;
    private HubWatchdog? _watchdog;

    internal Hub(GreenletThread owner) : base(owner, owner.Main) => NativeThreadId = Libc.GetTid();

    /// <summary>The value a wait receives when its timer fired.</summary>
    internal static object TimedOut { get; } = new();

    /// <summary>The calling thread's hub, created on first use (<see cref="Greenlet.Current"/> is the running greenlet). Python: <c>gevent.get_hub()</c>.</summary>
    public static new Hub Current => GreenletThread.Current.EnsureHub();

    /// <summary>
    /// Receives the exceptions that end coroutines and hub callbacks (the object is the greenlet or callback that failed);
    /// by default <see cref="DefaultErrorHandler"/>, which prints them. Python: <c>Hub.handle_error</c>/<c>print_exception</c>.
    /// </summary>
    public static Action<object, Exception> ErrorHandler
    {
        get => Volatile.Read(ref s_errorHandler);
        set => Volatile.Write(ref s_errorHandler, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>The kernel thread id of the hub's thread (for diagnostics).</summary>
    internal int NativeThreadId { get; }

    private protected override string DisplayName => "hub";

    /// <summary>Prints "<c>{what} failed with {exception}</c>" to stderr, as gevent prints a failed greenlet's traceback.</summary>
    public static void DefaultErrorHandler(object source, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(exception);
        Console.Error.Write($"{source} failed with {exception}{Environment.NewLine}");
    }

    /// <summary>Creates a coroutine running <paramref name="function"/> and schedules it on this thread's hub.
    /// Python: <c>gevent.spawn(function, *args)</c> (pass arguments by capture).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    public static HubGreenlet Spawn(Func<Task> function)
    {
        var g = new HubGreenlet(function);
        g.Start();
        return g;
    }

    /// <summary>Creates a coroutine returning a value and schedules it. Python: <c>gevent.spawn(function, *args)</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    public static HubGreenlet<T> Spawn<T>(Func<Task<T>> function)
    {
        var g = new HubGreenlet<T>(function);
        g.Start();
        return g;
    }

    /// <summary>Creates a coroutine that starts after <paramref name="delay"/>. Python: <c>gevent.spawn_later(seconds, function)</c>.</summary>
    public static HubGreenlet SpawnLater(TimeSpan delay, Func<Task> function)
    {
        var g = new HubGreenlet(function);
        g.StartLater(delay);
        return g;
    }

    /// <summary>
    /// Runs <paramref name="main"/> as a coroutine on this thread's hub and returns when it finishes, raising its exception.
    /// Python: <c>gevent.spawn(main).get()</c>. Call it from the thread's ordinary code.
    /// </summary>
    public static void Run(Func<Task> main) => Spawn(main).Get();

    /// <summary>Runs <paramref name="main"/> on this thread's hub and returns its result. Python: <c>gevent.spawn(main).get()</c>.</summary>
    public static T Run<T>(Func<Task<T>> main) => Spawn(main).Get()!;

    /// <summary>
    /// Blocks the thread's main code for <paramref name="duration"/> while the hub runs the coroutines. Inside a coroutine,
    /// use <see cref="SleepAsync"/>. A negative duration is <c>sleep(0)</c>, as in gevent. Python: <c>gevent.sleep(seconds)</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called inside a coroutine.</exception>
    public static void Sleep(TimeSpan duration)
    {
        RequireMain(nameof(Sleep));
        SleepAsync(duration).GetResult();
    }

    /// <summary>
    /// Suspends the calling coroutine for <paramref name="duration"/>; <see cref="TimeSpan.Zero"/> lets every other ready
    /// coroutine run first (Python: <c>gevent.sleep(0)</c>), and so does a negative duration, as in gevent.
    /// Python: <c>gevent.sleep(seconds)</c>.
    /// </summary>
    public static HubWait SleepAsync(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero) duration = TimeSpan.Zero;
        var hub = ForWait("Hub.SleepAsync", out var self);
        var seq = self.BeginWait();
        if (duration == TimeSpan.Zero)
        {
            hub.Wake(self, seq); // to the back of the ready queue
            return new HubWait(hub.Park(self, seq, null, default));
        }
        return new HubWait(hub.Park(self, seq, duration, default));
    }

    /// <summary>
    /// Waits until every greenlet of <paramref name="greenlets"/> has finished (or the first <paramref name="count"/>
    /// of them), or the timeout passes; returns those that finished, in the order they did (those finished already
    /// first). With <paramref name="raiseError"/>, the first failure among them is raised as soon as it is seen.
    /// Python: <c>gevent.joinall(greenlets, timeout=None, raise_error=False, count=None)</c>. Main code only;
    /// coroutines await <see cref="JoinAllAsync"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative <paramref name="count"/> or timeout.</exception>
    public static IReadOnlyList<HubGreenlet> JoinAll(
        IEnumerable<HubGreenlet> greenlets, TimeSpan? timeout = null, bool raiseError = false, int? count = null)
    {
        return MainGreenlet.Run(nameof(JoinAll), () => JoinAllAsync(greenlets, timeout, raiseError, count));
    }

    /// <summary>Awaitable twin of <see cref="JoinAll"/>.</summary>
    public static ValueTask<IReadOnlyList<HubGreenlet>> JoinAllAsync(
        IEnumerable<HubGreenlet> greenlets, TimeSpan? timeout = null, bool raiseError = false, int? count = null,
        CancellationToken cancellationToken = default)
    {
        return WaitReadyAsync(new ReadyWaiter<HubGreenlet>(greenlets, timeout, count, raiseError), "Hub.JoinAllAsync", cancellationToken);
    }

    /// <summary>
    /// Waits until every object of <paramref name="objects"/> is ready (or the first <paramref name="count"/> of
    /// them), or the timeout passes; returns the ready ones in the order they became ready (those ready already first),
    /// at most <paramref name="count"/>. Python: <c>gevent.wait(objects, timeout=None, count=None)</c>. Main code
    /// only; coroutines await <see cref="WaitAsync"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative <paramref name="count"/> or timeout.</exception>
    public static IReadOnlyList<T> Wait<T>(IEnumerable<T> objects, TimeSpan? timeout = null, int? count = null)
        where T : class, IHubWaitable
    {
        return MainGreenlet.Run("Hub.Wait", () => WaitAsync(objects, timeout, count));
    }

    /// <summary>Awaitable twin of <see cref="Wait{T}(IEnumerable{T}, TimeSpan?, int?)"/>.</summary>
    public static ValueTask<IReadOnlyList<T>> WaitAsync<T>(
        IEnumerable<T> objects, TimeSpan? timeout = null, int? count = null, CancellationToken cancellationToken = default)
        where T : class, IHubWaitable
    {
        return WaitReadyAsync(new ReadyWaiter<T>(objects, timeout, count, raiseError: false), "Hub.WaitAsync", cancellationToken);
    }

    /// <summary>
    /// Waits until the hub has nothing left to do: no coroutine ready or waiting on a timer, a socket or a .NET task.
    /// Python: <c>gevent.wait()</c> with no objects. Main code only. gevent's timeout of this form is not offered: the
    /// wait's own timer would keep the loop alive.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called inside a coroutine (itself part of the work) or a hub callback.</exception>
    public static void Wait()
    {
        var thread = GreenletThread.Current;
        if (thread.Running != thread.Main)
            throw new InvalidOperationException("Hub.Wait() waits until the hub runs out of work: only the thread's main code can, a coroutine or callback is part of that work.");
        var hub = ForWait("Hub.Wait", out var self);
        try
        {
            hub.Park(self, self.BeginWait(), null, default).GetResult();
        }
        catch (LoopExitException)
        {
            // The loop ran out of work: exactly what this waits for.
        }
    }

    /// <summary>
    /// Yields each object of <paramref name="objects"/> as it becomes ready (those ready already first, in their
    /// order), until <paramref name="count"/> have, all have, or the timeout (one for the whole iteration, counted from this call) passes.
    /// Each step blocks the main code while the hub runs. Python: <c>gevent.iwait(objects, timeout=None, count=None)</c>.
    /// Coroutines use <see cref="IWaitAsync"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative <paramref name="count"/> or timeout.</exception>
    public static IEnumerable<T> IWait<T>(IEnumerable<T> objects, TimeSpan? timeout = null, int? count = null)
        where T : class, IHubWaitable
    {
        var waiter = new ReadyWaiter<T>(objects, timeout, count, raiseError: false);
        return Iterate(waiter);

        static IEnumerable<T> Iterate(ReadyWaiter<T> waiter)
        {
            using (waiter)
            {
                for (var i = 1; i <= waiter.Limit; i++)
                {
                    if (!MainGreenlet.Run("Hub.IWait", () => waiter.WaitForAsync(i, "Hub.IWait", default))) yield break;
                    yield return waiter.Ready[i - 1];
                }
            }
        }
    }

    /// <summary>Awaitable twin of <see cref="IWait{T}(IEnumerable{T}, TimeSpan?, int?)"/>.</summary>
    public static IAsyncEnumerable<T> IWaitAsync<T>(
        IEnumerable<T> objects, TimeSpan? timeout = null, int? count = null, CancellationToken cancellationToken = default)
        where T : class, IHubWaitable
    {
        var waiter = new ReadyWaiter<T>(objects, timeout, count, raiseError: false);
        return Iterate(waiter, cancellationToken);

        static async IAsyncEnumerable<T> Iterate(ReadyWaiter<T> waiter, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            using (waiter)
            {
                for (var i = 1; i <= waiter.Limit; i++)
                {
                    if (!await waiter.WaitForAsync(i, "Hub.IWaitAsync", cancellationToken).ConfigureAwait(true)) yield break;
                    yield return waiter.Ready[i - 1];
                }
            }
        }
    }

    /// <summary>Kills every greenlet of <paramref name="greenlets"/>. Python: <c>gevent.killall(greenlets, exception, block, timeout)</c>.</summary>
    public static void KillAll(IEnumerable<HubGreenlet> greenlets, Exception? exception = null, bool block = true, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(greenlets);
        var all = greenlets.ToList();
        foreach (var g in all) g.Kill(exception, block: false);
        if (block) JoinAll(all, timeout);
    }

    /// <summary>Awaitable twin of <see cref="KillAll"/>.</summary>
    public static async ValueTask KillAllAsync(IEnumerable<HubGreenlet> greenlets, Exception? exception = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(greenlets);
        var all = greenlets.ToList();
        foreach (var g in all) g.Kill(exception, block: false);
        await JoinAllAsync(all, timeout).ConfigureAwait(true);
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the hub's thread, in the hub, soon. Safe from any thread (the way to reach
    /// coroutines from other threads). Python: <c>hub.loop.run_callback_threadsafe(callback)</c>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The hub was destroyed.</exception>
    public void Post(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ObjectDisposedException.ThrowIf(IsDead, this);
        Owner.Post(null, static a => ((Action)a!)(), action);
    }

    /// <summary>
    /// Destroys the hub: closes its selector. Coroutines still waiting on it never resume. The thread gets a new hub on
    /// its next use. Python: <c>hub.destroy()</c>.
    /// </summary>
    public void Dispose()
    {
        if (IsDead) return;
        Owner.CheckThread();
        if (Owner.Running == this) throw new InvalidOperationException("The hub cannot destroy itself from one of its callbacks.");
        Status = GreenletStatus.Dead;
        _watchdog?.Dispose();
        _selector.Dispose();
        Owner.ForgetHub(this);
    }

    /// <summary>
    /// Starts a <see cref="HubWatchdog"/> that calls <paramref name="report"/> (by default, writes to stderr) whenever code
    /// on this hub holds its thread longer than <paramref name="threshold"/>. Replaces a watchdog already running.
    /// Python: none (gevent's monitor thread, <c>max_blocking_time</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> is not positive.</exception>
    public HubWatchdog StartWatchdog(TimeSpan threshold, Action<HubBlockedReport>? report = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(threshold, TimeSpan.Zero);
        ObjectDisposedException.ThrowIf(IsDead, this);
        _watchdog?.Dispose();
        _watchdog = new HubWatchdog(this, threshold, report ?? HubWatchdog.WriteToStandardError);
        return _watchdog;
    }

    /// <summary>Python's repr, e.g. <c>&lt;Hub ready=0 timers=2 io=1 awaiting=0&gt;</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"<Hub ready={_ready.Count} timers={_timers.Live} io={_ioWaiters} awaiting={_awaiting}{(IsDead ? " destroyed" : "")}>");

    // The one body of JoinAll and Wait: all they wait for, then at most that many.
    private static async ValueTask<IReadOnlyList<T>> WaitReadyAsync<T>(ReadyWaiter<T> waiter, string operation, CancellationToken cancellationToken)
        where T : class, IHubWaitable
    {
        using (waiter)
        {
            await waiter.WaitForAsync(waiter.Limit, operation, cancellationToken).ConfigureAwait(true);
            return waiter.Ready.Count > waiter.Limit ? waiter.Ready.GetRange(0, waiter.Limit) : waiter.Ready;
        }
    }

    /// <summary>Reports a failure through <see cref="ErrorHandler"/>; a failing handler is written to stderr instead.</summary>
    internal static void ReportError(object source, Exception exception)
    {
        try
        {
            ErrorHandler(source, exception);
        }
#pragma warning disable CA1031 // the loop must survive its error handler
        catch (Exception handlerFailure)
        {
            DefaultErrorHandler(source, new AggregateException(exception, handlerFailure));
        }
#pragma warning restore CA1031
    }

    /// <summary>
    /// The hub of the calling thread and the greenlet that is about to wait on it (the main greenlet or a coroutine);
    /// refuses hub callbacks and greenlets already switching away.
    /// </summary>
    internal static Hub ForWait(string operation, out Greenlet self)
    {
        var thread = GreenletThread.Current;
        self = thread.Running == thread.Main ? thread.Main : thread.BeginYield(operation);
        return thread.EnsureHub();
    }

    /// <summary>Throws unless the caller is the thread's main code (the blocking, synchronous API).</summary>
    internal static void RequireMain(string operation)
    {
        var thread = GreenletThread.Current;
        if (thread.Running != thread.Main)
            throw new InvalidOperationException(thread.Running is Hub
                ? $"{operation} would block inside a hub callback (a link or a timer): spawn a greenlet to wait."
                : $"{operation} would block the hub: inside a coroutine, await {operation}Async(…).");
    }

    /// <summary>
    /// Parks <paramref name="self"/> (wait number <paramref name="seq"/>, already registered with its waker) until woken,
    /// until <paramref name="timeout"/> passes (the result is then <see cref="TimedOut"/>) or until
    /// <paramref name="cancellationToken"/> is cancelled (raises <see cref="OperationCanceledException"/>).
    /// </summary>
    internal HubPark Park(Greenlet self, int seq, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var timed = false;
        if (Deadline.Validate(timeout) is { } t)
        {
            var ticks = t.TotalSeconds * Stopwatch.Frequency;
            AddTimer(ticks >= long.MaxValue / 2 ? long.MaxValue : Stopwatch.GetTimestamp() + (long)ticks, self, seq);
            timed = true;
        }
        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static (s, token) => ((CancelledWait)s!).Post(token), new CancelledWait(this, self, seq))
            : default;
        if (!self.IsMain) return new HubPark(self, this, registration, timed);
        object? value;
        try
        {
            value = Owner.RunFromMain(this, null, null);
        }
        finally
        {
            registration.Dispose();
        }
        if (timed && value != TimedOut) TimerAbandoned();
        return HubPark.Completed(value);
    }

    /// <summary>
    /// Raises <paramref name="error"/> in <paramref name="target"/> from a hub callback: where it waits (its wait ends),
    /// or, if it is inside an await of a .NET task, as soon as it next yields.
    /// </summary>
    internal static void ThrowInto(Greenlet target, Exception error)
    {
        switch (target.Status)
        {
            case GreenletStatus.Dead:
                return;
            case GreenletStatus.Awaiting:
                target.PendingThrow = error;
                return;
            default:
                target.Owner.Transfer(target, null, error);
                return;
        }
    }

    // A cancellation token fired, on any thread: the wake goes through the hub's thread.
    private sealed class CancelledWait(Hub hub, Greenlet waiter, int seq)
    {
        public void Post(CancellationToken token)
        {
            if (hub.IsDead) return;
            hub.Owner.Post(null, static s =>
            {
                var (self, canceled) = ((CancelledWait, CancellationToken))s!;
                self.Wake(canceled);
            }, (this, token));
        }

        private void Wake(CancellationToken token) => hub.Wake(waiter, seq, null, new OperationCanceledException(token));
    }
}
