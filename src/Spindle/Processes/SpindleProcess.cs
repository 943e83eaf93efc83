using System.Globalization;
using System.Runtime.CompilerServices;

namespace Spindle.Processes;

/// <summary>
/// A delegate run in a child process — a new .NET runtime that loads this app and runs only the target, never
/// <c>Main</c> (Python's <c>spawn</c> start method). Python: <c>multiprocessing.Process</c>.
/// Create it from a target (<see cref="SpindleProcess(Action, string?, bool)"/>, <see cref="Create{T1}"/>…), or
/// derive from it and override <see cref="Run"/>; the derived instance then crosses to the child, so its public
/// state must be transferable.
/// </summary>
public class SpindleProcess : IDisposable
{
    private static int s_counter;

    // Parent-side state lives outside the object: a derived instance crosses to the child whole, and only its
    // public state may cross, so the base class keeps no field but those behind its public settable properties.
    private static readonly ConditionalWeakTable<SpindleProcess, State> s_states = [];

    private string _name;
    private bool _daemon;

    /// <summary>A process that will run <paramref name="target"/>. Python: <c>Process(target=f, name=..., daemon=...)</c>.</summary>
    /// <param name="target">Static method or lambda whose captures can cross a process boundary.</param>
    /// <param name="name">Python: <c>name</c>; default <c>Process-N</c>, or <c>Process-M:N</c> in a child named <c>Process-M</c>, as Python's.</param>
    /// <param name="daemon">Python: <c>daemon</c>; a daemon child dies with its parent and cannot have children.</param>
    public SpindleProcess(Action target, string? name = null, bool daemon = false)
        : this((Delegate)target, [], name, daemon)
    {
        ArgumentNullException.ThrowIfNull(target);
    }

    /// <summary>For a derived class that overrides <see cref="Run"/>. Python: subclassing <c>Process</c>.</summary>
    /// <param name="name">Python: <c>name</c>; default <c>Process-N</c>, or <c>Process-M:N</c> in a child named <c>Process-M</c>, as Python's.</param>
    /// <param name="daemon">Python: <c>daemon</c>.</param>
    protected SpindleProcess(string? name = null, bool daemon = false)
        : this(null, [], name, daemon)
    {
    }

    private SpindleProcess(Delegate? target, object?[] args, string? name, bool daemon)
    {
        s_states.Add(this, new State { Target = target, Args = args });
        _name = name ?? DefaultName(Interlocked.Increment(ref s_counter));
        _daemon = daemon;
    }

    // Python names a child from its identity: Process-1, then Process-1:1 for the first child of that child. A child that
    // kept its default name extends it the same way; one given another name starts again at Process-N.
    private static string DefaultName(int number)
    {
        var current = ProcessIdentity.Name;
        return current.StartsWith("Process-", StringComparison.Ordinal)
            ? string.Create(CultureInfo.InvariantCulture, $"{current}:{number}")
            : string.Create(CultureInfo.InvariantCulture, $"Process-{number}");
    }

    /// <summary>A process that will run <paramref name="target"/>(<paramref name="arg1"/>). Python: <c>Process(target=f, args=(a,))</c>.</summary>
    /// <typeparam name="T1">Type of the argument; it must be transferable.</typeparam>
    /// <param name="target">The method to run in the child.</param>
    /// <param name="arg1">First argument.</param>
    /// <param name="name">Python: <c>name</c>.</param>
    /// <param name="daemon">Python: <c>daemon</c>.</param>
    /// <returns>The process, not started.</returns>
    public static SpindleProcess Create<T1>(Action<T1> target, T1 arg1, string? name = null, bool daemon = false)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new SpindleProcess(target, [arg1], name, daemon);
    }

    /// <summary>A process that will run <paramref name="target"/>(<paramref name="arg1"/>, <paramref name="arg2"/>). Python: <c>Process(target=f, args=(a, b))</c>.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <param name="target">The method to run in the child.</param>
    /// <param name="arg1">First argument.</param>
    /// <param name="arg2">Second argument.</param>
    /// <param name="name">Python: <c>name</c>.</param>
    /// <param name="daemon">Python: <c>daemon</c>.</param>
    /// <returns>The process, not started.</returns>
    public static SpindleProcess Create<T1, T2>(Action<T1, T2> target, T1 arg1, T2 arg2, string? name = null, bool daemon = false)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new SpindleProcess(target, [arg1, arg2], name, daemon);
    }

    /// <summary>A process that will run <paramref name="target"/> with three arguments. Python: <c>Process(target=f, args=(a, b, c))</c>.</summary>
    /// <typeparam name="T1">Type of the first argument.</typeparam>
    /// <typeparam name="T2">Type of the second argument.</typeparam>
    /// <typeparam name="T3">Type of the third argument.</typeparam>
    /// <param name="target">The method to run in the child.</param>
    /// <param name="arg1">First argument.</param>
    /// <param name="arg2">Second argument.</param>
    /// <param name="arg3">Third argument.</param>
    /// <param name="name">Python: <c>name</c>.</param>
    /// <param name="daemon">Python: <c>daemon</c>.</param>
    /// <returns>The process, not started.</returns>
    public static SpindleProcess Create<T1, T2, T3>(Action<T1, T2, T3> target, T1 arg1, T2 arg2, T3 arg3, string? name = null, bool daemon = false)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new SpindleProcess(target, [arg1, arg2, arg3], name, daemon);
    }

    /// <summary>
    /// Number of idle children kept booted so that <see cref="Start"/> of a short target skips the runtime's
    /// start-up (≈ 1 ms instead of ≈ 40 ms); refilled in the background. 0 (the default) keeps none. A spare is
    /// used only if this process's environment and working directory are still those it was started with;
    /// otherwise it is discarded and the child is started cold, so spares never change what a child sees.
    /// (Beyond Python: <c>multiprocessing</c> has no equivalent.)
    /// </summary>
    /// <exception cref="InvalidOperationException">Set above 0 in a daemon child, which cannot have children.</exception>
    public static int WarmSpares
    {
        get => SparePool.Target;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            if (value > 0) Processes.EnsureCanStartChildren();
            SparePool.Target = value;
        }
    }

    /// <summary>
    /// Blocks until <see cref="WarmSpares"/> spares have booted and wait for a target, so that the next starts are warm
    /// (e.g. before a burst of short processes). (Beyond Python.)
    /// </summary>
    /// <param name="timeout">How long to wait; null waits as long as it takes.</param>
    /// <returns>True when the spares are ready; false on timeout, or if they could not be spawned (out of processes or
    /// descriptors: a cold start then reports the error).</returns>
    public static bool WaitForWarmSpares(TimeSpan? timeout = null) =>
        SparePool.WaitReadyAsync(Timeouts.ToWait(timeout), CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Awaitable twin of <see cref="WaitForWarmSpares"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task<bool> WaitForWarmSparesAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        SparePool.WaitReadyAsync(Timeouts.ToWait(timeout), cancellationToken);

    /// <summary>The process's name; only a label. Python: <c>Process.name</c>.</summary>
    public string Name
    {
        get => _name;
        set => _name = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Whether the child is a daemon: it is killed when this process exits (even by SIGKILL) and cannot start children. Settable only before <see cref="Start"/>. Python: <c>Process.daemon</c>.</summary>
    public bool Daemon
    {
        get => _daemon;
        set
        {
            lock (S.Gate)
            {
                if (S.Child is not null) throw new InvalidOperationException("process has already started");
                _daemon = value;
            }
        }
    }

    /// <summary>
    /// The key the child starts with as its own <see cref="Processes.AuthKey"/>: by default this process's key;
    /// settable before <see cref="Start"/>. Managers started in the child use it by default.
    /// The getter returns a copy. Python: <c>Process.authkey</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set after <see cref="Start"/>.</exception>
    public byte[] AuthKey
    {
        get => [.. S.AuthKey ??= ProcessIdentity.AuthKey];
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Length == 0) throw new ArgumentException("An authkey must not be empty.", nameof(value));
            lock (S.Gate)
            {
                if (S.Child is not null) throw new InvalidOperationException("process has already started");
                S.AuthKey = [.. value];
            }
        }
    }

    /// <summary>The child's pid; null before <see cref="Start"/>. Python: <c>Process.pid</c>.</summary>
    public int? Pid => S.IsCurrent ? Environment.ProcessId : S.Child?.Pid;

    /// <summary>Same as <see cref="Pid"/>. Python: <c>Process.ident</c>.</summary>
    public int? Ident => Pid;

    /// <summary>
    /// A descriptor that becomes readable when the child ends, for <see cref="Ipc.Connection.Wait"/>, a selector or
    /// poll(2). Python: <c>Process.sentinel</c>. It belongs to this process object: it stays open (and readable once
    /// the child has ended) until <see cref="Close"/>, which closes it, so do not close it yourself. Every read of the
    /// property returns the same number. It is a dup of the child's pidfd, so a reused pid never makes it ready.
    /// </summary>
    /// <exception cref="InvalidOperationException">The process was not started (Python: <c>ValueError: process not started</c>), or this is the child's own process object.</exception>
    /// <exception cref="ObjectDisposedException">The process object is closed.</exception>
    public int Sentinel
    {
        get
        {
            lock (S.Gate)
            {
                var child = StartedChild("get the sentinel of");
                S.Sentinel ??= new Ipc.FdHandle(child.OpenSentinel());
                return (int)S.Sentinel.DangerousGetHandle();
            }
        }
    }

    /// <summary>Null while not started or running; 0 on success; 1 when the target threw; N for <c>Environment.Exit(N)</c>; −N when killed by signal N. Python: <c>Process.exitcode</c>.</summary>
    public int? ExitCode
    {
        get
        {
            ThrowIfClosed();
            return S.Child is { Completion.IsCompleted: true } child ? child.ExitCode : null;
        }
    }

    /// <summary>What the target threw in the child (type name, message, remote stack trace), once the process has ended; else null. Beyond Python.</summary>
    public RemoteException? Exception
    {
        get
        {
            if (S.Child is not { Completion.IsCompleted: true, Failure: { } failure }) return null;
            return S.Exception ??= new RemoteException(failure.TypeName, failure.Message, failure.StackTrace, failure.Details);
        }
    }

    /// <summary>Whether the child has started and not yet exited. Python: <c>Process.is_alive()</c>.</summary>
    public bool IsAlive
    {
        get
        {
            ThrowIfClosed();
            return S.IsCurrent || (S.Child is { } child && !child.Completion.IsCompleted && child.IsRunning);
        }
    }

    /// <summary>Starts the child. Python: <c>Process.start()</c>.</summary>
    /// <exception cref="InvalidOperationException">Started twice, called in a daemon child, or the process is closed.</exception>
    /// <exception cref="Spindle.Serialization.NotTransferableException">The target, a captured variable, an argument or (for a derived class) the instance's state cannot cross to a child; the message names it and its type. Nothing is started.</exception>
    public void Start()
    {
        lock (S.Gate)
        {
            ThrowIfClosed();
            if (S.Child is not null) throw new InvalidOperationException("cannot start a process twice");
            if (S.IsCurrent) throw new InvalidOperationException("can only start a process object created by current process");
            Processes.EnsureCanStartChildren();
            var (target, descriptors) = S.Target is null ? TargetPayload.Encode(new Action(RunInChild), []) : TargetPayload.Encode(S.Target, S.Args);
            var message = new StartMessage(_name, _daemon, Environment.ProcessId, ProcessIdentity.Name, S.AuthKey ?? ProcessIdentity.AuthKey, target, descriptors);
            var child = SparePool.TryTake(message) ?? LiveChild.Spawn();
            // A cold child that died before reading its start frame reports its exit status like any other.
            child.TrySendStart(message);
            S.Child = child;
            ChildRegistry.Add(this);
        }
    }

    /// <summary>Runs the target in the calling process; in the child, Spindle calls it. Override to define the child's work. Python: <c>Process.run()</c>.</summary>
    protected virtual void Run() => S.Target?.DynamicInvoke(S.Args);

    /// <summary>Waits for the child to exit. Python: <c>Process.join(timeout)</c>.</summary>
    /// <param name="timeout">Null waits forever; <see cref="TimeSpan.Zero"/> only checks.</param>
    /// <returns>Whether the child has exited.</returns>
    /// <exception cref="InvalidOperationException">The process was not started, or is closed.</exception>
    public bool Join(TimeSpan? timeout = null)
    {
        var completion = StartedChild("join").Completion;
        if (!completion.Wait(Timeouts.ToWait(timeout))) return false;
        ChildRegistry.Remove(this);
        return true;
    }

    /// <summary>Waits asynchronously for the child to exit. Python: <c>Process.join()</c> (awaitable twin).</summary>
    /// <param name="cancellationToken">Cancels the wait, not the child.</param>
    /// <returns>A task that finishes when the child has exited.</returns>
    public Task JoinAsync(CancellationToken cancellationToken = default) => JoinAsync(null, cancellationToken);

    /// <summary>Waits asynchronously for the child to exit, at most <paramref name="timeout"/>. Python: <c>Process.join(timeout)</c> (awaitable twin).</summary>
    /// <param name="timeout">Null waits forever.</param>
    /// <param name="cancellationToken">Cancels the wait, not the child.</param>
    /// <returns>Whether the child has exited.</returns>
    public Task<bool> JoinAsync(TimeSpan? timeout, CancellationToken cancellationToken = default)
    {
        // Misuse is reported at the call, not through the task.
        var completion = StartedChild("join").Completion;
        return JoinCoreAsync(completion, Timeouts.ToWait(timeout), cancellationToken);
    }

    private async Task<bool> JoinCoreAsync(Task completion, TimeSpan wait, CancellationToken cancellationToken)
    {
        try
        {
            await completion.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }
        ChildRegistry.Remove(this);
        return true;
    }

    /// <summary>Sends SIGTERM to the child; nothing if it has already exited. Python: <c>Process.terminate()</c>.</summary>
    /// <exception cref="InvalidOperationException">The process was not started, or is closed.</exception>
    public void Terminate() => StartedChild("terminate").Signal(Native.Libc.SIGTERM);

    /// <summary>Sends SIGKILL to the child; nothing if it has already exited. Python: <c>Process.kill()</c>.</summary>
    /// <exception cref="InvalidOperationException">The process was not started, or is closed.</exception>
    public void Kill() => StartedChild("kill").Signal(Native.Libc.SIGKILL);

    /// <summary>Releases the process object; later calls on it throw <see cref="ObjectDisposedException"/>. Python: <c>Process.close()</c>.</summary>
    /// <exception cref="InvalidOperationException">The child is still running.</exception>
    public void Close()
    {
        lock (S.Gate)
        {
            if (S.Closed) return;
            if (S.Child is { Completion.IsCompleted: false })
                throw new InvalidOperationException("Cannot close a process while it is still running. You should first call join() or terminate().");
            ChildRegistry.Remove(this);
            S.Sentinel?.Dispose();
            S.Closed = true;
        }
    }

    /// <summary>Same as <see cref="Close"/>. Python: <c>Process.close()</c>.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the process object (see <see cref="Close"/>).</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing) Close();
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var state = S.Closed ? "closed" : S.Child is null ? "initial" : ExitCode is { } code ? $"stopped exitcode={code}" : "started";
        return $"<{GetType().Name} name='{_name}' pid={Pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "None"} {state}{(_daemon ? " daemon" : "")}>";
    }

    /// <summary>Whether the child has finished (for the exit handler).</summary>
    internal bool HasFinished => S.Child is { Completion.IsCompleted: true };

    private LiveChild StartedChild(string operation)
    {
        ThrowIfClosed();
        if (S.IsCurrent) throw new InvalidOperationException($"can only {operation} a child process");
        return S.Child ?? throw new InvalidOperationException($"can only {operation} a started process");
    }

    private State S => s_states.GetValue(this, static _ => new State());

    /// <summary>Runs in the child on the decoded instance of a derived class.</summary>
    private void RunInChild()
    {
        S.IsCurrent = true;
        Run();
    }

    private void ThrowIfClosed() => ObjectDisposedException.ThrowIf(S.Closed, this);

    private sealed class State
    {
        public Lock Gate { get; } = new();
        public Delegate? Target { get; init; }
        public object?[] Args { get; init; } = [];
        public LiveChild? Child { get; set; }
        public RemoteException? Exception { get; set; }
        public bool Closed { get; set; }
        public bool IsCurrent { get; set; }
        public Ipc.FdHandle? Sentinel { get; set; } // opened on first use; a SafeHandle, so an unclosed object's is finalized
        public byte[]? AuthKey { get; set; } // null: the creating process's key at Start
    }
}
