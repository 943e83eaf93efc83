using System.Globalization;
using Spindle.Native;

namespace Spindle.Threading;

/// <summary>
/// A thread of control, as Python's <c>threading.Thread</c>: give it a target (with typed arguments), or derive from it
/// and override <see cref="Run"/>; then <see cref="Start"/> and <see cref="Join(TimeSpan?)"/>.
/// Python: <c>threading.Thread(group=None, target=None, name=None, args=(), kwargs={}, *, daemon=None)</c>.
/// </summary>
/// <remarks>
/// Runs on a dedicated <see cref="Thread"/>; <see cref="IsDaemon"/> maps to <see cref="Thread.IsBackground"/>, so a
/// daemon thread does not keep the process alive, as in Python. An exception escaping the target does not crash the
/// process: it goes to <see cref="ExceptHook"/> (Python: <c>threading.excepthook</c>) and the thread ends normally.
/// </remarks>
public class SpindleThread
{
    private const int New = 0, Started = 1, Finished = 2;

    private static int s_nameCounter;   // Python's _counter: "Thread-N" numbers, process-wide
    private static int s_dummyCounter;  // Python's "Dummy-N" numbers
    private static volatile Action<Exception, SpindleThread> s_exceptHook = DefaultExceptHook;

    [ThreadStatic] private static SpindleThread? t_current;

    private readonly Action? _target;
    private readonly ThreadKind _kind;
    private readonly Lock _gate = new(); // makes Start and the IsDaemon/Name writes one decision each
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string _name;
    private bool _daemon;
    private Thread? _thread;
    private volatile int _state;
    private int _ident;
    private volatile int _nativeId;

    /// <summary>
    /// Creates a thread that runs <paramref name="target"/>.
    /// Python: <c>threading.Thread(target=target, name=name, daemon=daemon)</c>.
    /// </summary>
    /// <param name="target">What <see cref="Run"/> calls.</param>
    /// <param name="name">The thread's name; null gives Python's default <c>Thread-N</c>.</param>
    /// <param name="daemon">Whether it is a daemon; null inherits it from the creating thread (see <see cref="IsDaemon"/>).</param>
    public SpindleThread(Action target, string? name = null, bool? daemon = null) : this(name, daemon)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = target;
    }

    /// <summary>
    /// Creates a thread without a target, for a derived class that overrides <see cref="Run"/>.
    /// Python: <c>class MyThread(threading.Thread)</c> calling <c>super().__init__(name=name, daemon=daemon)</c>.
    /// </summary>
    /// <param name="name">The thread's name; null gives Python's default <c>Thread-N</c>.</param>
    /// <param name="daemon">Whether it is a daemon; null inherits it from the creating thread (see <see cref="IsDaemon"/>).</param>
    protected SpindleThread(string? name = null, bool? daemon = null)
    {
        _kind = ThreadKind.Spindle;
        _name = name ?? string.Create(CultureInfo.InvariantCulture, $"Thread-{Interlocked.Increment(ref s_nameCounter)}");
        _daemon = daemon ?? InheritedDaemon();
    }

    // The main thread and threads Spindle did not start ("dummies") are represented, never started, by Spindle.
    private SpindleThread(ThreadKind kind, string name, bool daemon, int ident, int nativeId)
    {
        _kind = kind;
        _name = name;
        _daemon = daemon;
        _ident = ident;
        _nativeId = nativeId;
        _state = Started;
    }

    /// <summary>
    /// Creates a thread that runs <paramref name="target"/>(<paramref name="arg1"/>).
    /// Python: <c>threading.Thread(target=target, args=(arg1,), name=name, daemon=daemon)</c>.
    /// </summary>
    public static SpindleThread Create<T1>(Action<T1> target, T1 arg1, string? name = null, bool? daemon = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new SpindleThread(() => target(arg1), name, daemon);
    }

    /// <summary>
    /// Creates a thread that runs <paramref name="target"/>(<paramref name="arg1"/>, <paramref name="arg2"/>).
    /// Python: <c>threading.Thread(target=target, args=(arg1, arg2), name=name, daemon=daemon)</c>.
    /// </summary>
    public static SpindleThread Create<T1, T2>(Action<T1, T2> target, T1 arg1, T2 arg2, string? name = null, bool? daemon = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new SpindleThread(() => target(arg1, arg2), name, daemon);
    }

    /// <summary>
    /// Receives every exception that escapes a thread's <see cref="Run"/>, with the thread. The default,
    /// <see cref="DefaultExceptHook"/>, prints it to stderr. Python: <c>threading.excepthook</c>.
    /// </summary>
    public static Action<Exception, SpindleThread> ExceptHook
    {
        get => s_exceptHook;
        set => s_exceptHook = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// Prints "Exception in thread NAME:" and the exception to stderr. Python: <c>threading.__excepthook__</c>.
    /// </summary>
    public static void DefaultExceptHook(Exception exception, SpindleThread thread)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(thread);
        // One write, so that reports from several threads do not interleave line by line.
        Console.Error.Write($"Exception in thread {thread.Name}:{Environment.NewLine}{exception}{Environment.NewLine}");
    }

    /// <summary>The thread's name, for identification only; settable at any time. Python: <c>name</c>.</summary>
    public string Name
    {
        get => _name;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            lock (_gate)
            {
                _name = value;
                if (_thread is { } thread) thread.Name = value; // shows in debuggers and /proc/PID/task/TID/comm
            }
        }
    }

    /// <summary>
    /// Whether this is a daemon thread, which does not keep the process alive (<see cref="Thread.IsBackground"/>).
    /// Settable only before <see cref="Start"/>. Python: <c>daemon</c>.
    /// </summary>
    /// <remarks>
    /// The default comes from the creating thread as in Python: a thread created by a daemon <see cref="SpindleThread"/> is a
    /// daemon, one created by a non-daemon one or by the main thread is not. Unlike Python, a thread created from a thread
    /// Spindle did not start (a thread-pool thread, where an <c>async Main</c> resumes after its first <c>await</c>) is not a
    /// daemon either: .NET's own default for a new thread, and the one that does not silently lose work at exit.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The thread has been started.</exception>
    public bool IsDaemon
    {
        get => _daemon;
        set
        {
            lock (_gate)
            {
                if (_state != New) throw new InvalidOperationException("cannot set daemon status of active thread");
                _daemon = value;
            }
        }
    }

    /// <summary>
    /// Whether the thread is alive: from <see cref="Start"/> until its <see cref="Run"/> ends. Always true for the main
    /// thread and dummy threads. Python: <c>is_alive()</c>.
    /// </summary>
    public bool IsAlive => _state == Started;

    /// <summary>
    /// The thread identifier (the managed thread id), or null before <see cref="Start"/>; kept after the thread ends and
    /// may be reused by a later thread. Python: <c>ident</c>.
    /// </summary>
    public int? Ident => _state == New ? null : Volatile.Read(ref _ident);

    /// <summary>
    /// The kernel's id for the thread (Linux <c>gettid</c>), or null before <see cref="Start"/>. The main thread's is the
    /// process id. Python: <c>native_id</c>.
    /// </summary>
    public int? NativeId
    {
        get
        {
            if (_state == New) return null;
            var id = _nativeId;
            // Start does not wait for the new thread to run (Python's does); the id is known from its first instruction.
            var spin = new SpinWait();
            while (id == 0 && _state == Started)
            {
                spin.SpinOnce();
                id = _nativeId;
            }
            return id == 0 ? null : id;
        }
    }

    internal bool IsForeign => _kind != ThreadKind.Spindle;

    /// <summary>
    /// Starts the thread: <see cref="Run"/> is called on a new thread. Python: <c>start()</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The thread was already started.</exception>
    public void Start()
    {
        Thread thread;
        lock (_gate)
        {
            if (_state != New) throw new InvalidOperationException("threads can only be started once");
            // Named by the thread itself (Bootstrap): a Name given before Thread.Start cost ~0.5 ms per start here.
            thread = new Thread(Bootstrap, Threads.StackSize) { IsBackground = _daemon };
            _thread = thread;
            Volatile.Write(ref _ident, thread.ManagedThreadId);
            _state = Started;
        }
        // Registered before it can run, so that it is unregistered after: Enumerate agrees with IsAlive.
        Threads.Register(this);
        try
        {
            thread.Start();
        }
        catch
        {
            Finish();
            throw;
        }
    }

    /// <summary>
    /// The thread's activity; the default calls the target given to the constructor. Override it in a derived class.
    /// Python: <c>run()</c>.
    /// </summary>
    protected virtual void Run() => _target?.Invoke();

    /// <summary>
    /// Waits until the thread ends or the timeout elapses (null: forever; <see cref="TimeSpan.Zero"/>: don't wait).
    /// Python: <c>join(timeout=None)</c>, which returns None; this returns whether the thread has ended.
    /// </summary>
    /// <returns>true if the thread has ended; false if the timeout elapsed first.</returns>
    /// <exception cref="InvalidOperationException">The thread is not started, is the calling thread, or is the main or a dummy thread.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The timeout is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>).</exception>
    public bool Join(TimeSpan? timeout = null)
    {
        var wait = Deadline.Validate(timeout) ?? Timeout.InfiniteTimeSpan;
        EnsureJoinable();
        if (_done.Task.IsCompleted) return true;
        // Thread.Join blocks without spinning (Task.Wait spins first, stealing the CPU the ending thread needs on a busy
        // machine: start+join measured ~5x slower) and returns once the OS thread is gone, after Run and its bookkeeping.
        return wait != TimeSpan.Zero && _thread!.Join(wait);
    }

    /// <summary>Awaitable twin of <see cref="Join(TimeSpan?)"/>, without a timeout. Python has none.</summary>
    /// <returns>true when the thread has ended.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    public ValueTask<bool> JoinAsync(CancellationToken cancellationToken) => JoinAsync(null, cancellationToken);

    /// <summary>Awaitable twin of <see cref="Join(TimeSpan?)"/>. Python has none.</summary>
    /// <returns>true if the thread has ended; false if the timeout elapsed first.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    public ValueTask<bool> JoinAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var wait = Deadline.Validate(timeout) ?? Timeout.InfiniteTimeSpan;
        EnsureJoinable();
        var done = _done.Task;
        if (done.IsCompleted) return new(true);
        if (wait == TimeSpan.Zero) return new(false);
        return new(WaitAsync(done, wait, cancellationToken));

        static async Task<bool> WaitAsync(Task done, TimeSpan wait, CancellationToken cancellationToken)
        {
            try
            {
                await done.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (TimeoutException)
            {
                return done.IsCompleted;
            }
        }
    }

    /// <summary>A description in the style of Python's <c>repr(thread)</c>: name, state, daemon and ident.</summary>
    public override string ToString()
    {
        var state = _state switch { New => "initial", Started => "started", _ => "stopped" };
        var daemon = _daemon ? " daemon" : "";
        var ident = _state == New ? "" : string.Create(CultureInfo.InvariantCulture, $" {_ident}");
        return $"{GetType().Name}({_name}, {state}{daemon}{ident})";
    }

    /// <summary>The calling thread's object: its own, the main thread's, or a dummy made once per foreign thread.</summary>
    internal static SpindleThread GetCurrent()
    {
        if (t_current is { } current) return current;
        current = Libc.GetTid() == Environment.ProcessId
            ? Threads.Main
            : new SpindleThread(ThreadKind.Dummy,
                string.Create(CultureInfo.InvariantCulture, $"Dummy-{Interlocked.Increment(ref s_dummyCounter)}"),
                daemon: true, Environment.CurrentManagedThreadId, Libc.GetTid());
        t_current = current;
        return current;
    }

    /// <summary>The object for the main thread (the one whose kernel id is the process id). Python: <c>_MainThread</c>.</summary>
    internal static SpindleThread CreateMain()
    {
        // CoreCLR gives the thread that starts the runtime managed id 1; read it directly when we are on it.
        var ident = Libc.GetTid() == Environment.ProcessId ? Environment.CurrentManagedThreadId : 1;
        return new SpindleThread(ThreadKind.Main, "MainThread", daemon: false, ident, Environment.ProcessId);
    }

    private static bool InheritedDaemon() => t_current is { _kind: ThreadKind.Spindle } creator && creator._daemon;

    private void EnsureJoinable()
    {
        switch (_kind)
        {
            case ThreadKind.Dummy: throw new InvalidOperationException("cannot join a dummy thread");
            case ThreadKind.Main when t_current != this:
                throw new InvalidOperationException("cannot join the main thread: it ends with the process");
        }
        if (_state == New) throw new InvalidOperationException("cannot join thread before it is started");
        if (t_current == this) throw new InvalidOperationException("cannot join current thread");
    }

    private void Bootstrap()
    {
        t_current = this;
        _nativeId = Libc.GetTid();
        lock (_gate) Thread.CurrentThread.Name = _name; // under the lock: a concurrent rename is not lost
        try
        {
            Run();
        }
#pragma warning disable CA1031 // Python's contract: any exception of the target goes to the hook, the process lives on.
        catch (Exception exception)
        {
            ReportException(exception);
        }
#pragma warning restore CA1031
        finally
        {
            Finish();
        }
    }

    private void ReportException(Exception exception)
    {
        try
        {
            s_exceptHook(exception, this);
        }
#pragma warning disable CA1031 // a failing hook must not crash the process either; Python reports it the same way.
        catch (Exception hookException)
        {
            Console.Error.Write($"Exception in threading.excepthook:{Environment.NewLine}{hookException}{Environment.NewLine}");
        }
#pragma warning restore CA1031
    }

    private void Finish()
    {
        Threads.Unregister(this);
        _state = Finished;
        _done.TrySetResult();
    }

    private enum ThreadKind
    {
        Spindle,
        Main,
        Dummy,
    }
}
