using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Spindle;

/// <summary>
/// The outcome of work that runs elsewhere — on a thread, in a process, on a hub or on a broker
/// (Python: <c>concurrent.futures.Future</c>). This non-generic base is what <see cref="Futures.Wait"/> and
/// <see cref="Futures.AsCompleted"/> work on; <see cref="Future{T}"/> adds the typed result.
/// </summary>
/// <remarks>
/// A future costs no kernel object and no lock object until somebody waits on it synchronously: state changes
/// are compare-and-swap, listeners live in a list allocated on first registration, and a Monitor gate is
/// allocated only by the first blocking waiter. Executors create millions of these.
/// </remarks>
public abstract class Future
{
    private const int PendingState = 0;
    private const int RunningState = 1;
    private const int CancelledState = 2;
    private const int FinishedState = 3;
    private const int CompletingState = 4; // a result is being stored; not yet visible as finished

    private static readonly object CompletedMarker = new();
    private const int WaitSpins = 20; // SpinWait yields after ~10; the rest lets a worker on our core finish

    private int _state;
    private object? _listeners; // null, a List<object> of listeners and callbacks, or CompletedMarker
    private object? _gate;      // Monitor for blocking waiters, allocated by the first of them
    private ExceptionDispatchInfo? _error;

    private protected Future() { }

    /// <summary>
    /// Raised when a done-callback (of a future, or of a pool's <c>ApplyAsync</c>/<c>MapAsync</c>) throws. The other
    /// callbacks still run. When nobody subscribes, a one-line message goes to <see cref="Console.Error"/>
    /// (Python logs <c>"exception calling callback for …"</c>).
    /// </summary>
    public static event EventHandler<FutureCallbackFailedEventArgs>? CallbackFailed;

    /// <summary>The current state. Python: the future's <c>_state</c>.</summary>
    public FutureState State => Volatile.Read(ref _state) switch
    {
        PendingState => FutureState.Pending,
        CancelledState => FutureState.Cancelled,
        FinishedState => FutureState.Finished,
        _ => FutureState.Running,
    };

    /// <summary>Whether the work is running now. Python: <c>Future.running()</c>.</summary>
    public bool IsRunning => State == FutureState.Running;

    /// <summary>Whether the future was cancelled. Python: <c>Future.cancelled()</c>.</summary>
    public bool IsCancelled => Volatile.Read(ref _state) == CancelledState;

    /// <summary>Whether the future finished or was cancelled. Python: <c>Future.done()</c>.</summary>
    public bool IsDone => Volatile.Read(ref _state) is FinishedState or CancelledState;

    /// <summary>Finished by raising (not cancelled).</summary>
    internal bool IsFaulted => Volatile.Read(ref _state) == FinishedState && _error is not null;

    /// <summary>
    /// Cancels the future if it has not started. Python: <c>Future.cancel()</c>.
    /// </summary>
    /// <returns>True if the future is cancelled (now or before); false if it is running or finished.</returns>
    public bool Cancel()
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state == CancelledState) return true;
            if (state != PendingState) return false;
            if (Interlocked.CompareExchange(ref _state, CancelledState, PendingState) == PendingState)
            {
                Complete();
                return true;
            }
        }
    }

    /// <summary>Cancels the future when <paramref name="token"/> fires while it is still pending (the registration ends with the future).</summary>
    internal void CancelWhen(CancellationToken token)
    {
        var registration = token.UnsafeRegister(static state => ((Future)state!).Cancel(), this);
        AddDoneCallback(_ => registration.Dispose());
    }

    /// <summary>
    /// Called by an executor before it runs the work: marks the future running, or reports that it was cancelled.
    /// Python: <c>Future.set_running_or_notify_cancel()</c>.
    /// </summary>
    /// <returns>True if the work should run; false if the future was cancelled (the work must not run).</returns>
    /// <exception cref="InvalidOperationException">The future is already running or finished.</exception>
    public bool SetRunningOrNotifyCancel()
    {
        var previous = Interlocked.CompareExchange(ref _state, RunningState, PendingState);
        return previous switch
        {
            PendingState => true,
            CancelledState => false,
            _ => throw new InvalidOperationException($"Future in unexpected state: {this}"),
        };
    }

    /// <summary>
    /// Completes the future with an exception, captured so that it is rethrown with its type and original stack
    /// trace. Python: <c>Future.set_exception(exception)</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The future is already finished or cancelled (Python: <c>InvalidStateError</c>).</exception>
    public void SetException(Exception exception)
    {
        if (!TrySetException(exception)) throw AlreadyDone();
    }

    /// <summary>Like <see cref="SetException"/>, but returns false instead of throwing when the future is already done.</summary>
    internal bool TrySetException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (!TryBeginCompletion()) return false;
        _error = ExceptionDispatchInfo.Capture(exception);
        EndCompletion();
        return true;
    }

    /// <summary>
    /// Waits for the future and returns the exception it raised, or null if it succeeded.
    /// Python: <c>Future.exception(timeout=None)</c>.
    /// </summary>
    /// <exception cref="TimeoutException">The future did not finish in time.</exception>
    /// <exception cref="FutureCancelledException">The future was cancelled.</exception>
    public Exception? Exception(TimeSpan? timeout = null)
    {
        WaitOrThrow(timeout);
        return _error?.SourceException;
    }

    /// <summary>
    /// Adds a callback run when the future finishes or is cancelled: at once on this thread if it already is,
    /// else on the completing thread, in registration order. A callback that throws is reported through
    /// <see cref="CallbackFailed"/> and does not stop the others. Python: <c>Future.add_done_callback(fn)</c>.
    /// </summary>
    public void AddDoneCallback(Action<Future> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        AddCallbackCore(callback);
    }

    /// <summary>Blocks until the future is done; false if the timeout elapsed first.</summary>
    internal bool WaitDone(TimeSpan? timeout)
    {
        if (IsDone) return true;
        var deadline = Deadline.Start(timeout);
        if (deadline.HasExpired) return IsDone;
        // Most waits are short (the work is already running): spin a little before paying for a Monitor wait.
        var spinner = default(SpinWait);
        for (var i = 0; i < WaitSpins; i++)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
            if (IsDone) return true;
        }
        var gate = Volatile.Read(ref _gate);
        if (gate is null)
        {
            // The CAS is a full fence: either Complete() sees the gate, or we see the finished state below.
            gate = Interlocked.CompareExchange(ref _gate, new object(), null) ?? _gate!;
        }
        lock (gate)
        {
            while (!IsDone)
            {
                var milliseconds = deadline.RemainingMilliseconds;
                if (milliseconds == 0) return false;
                Monitor.Wait(gate, milliseconds);
            }
        }
        return true;
    }

    /// <summary>Awaitable twin of <see cref="WaitDone"/>: completes with whether the future is done.</summary>
    internal async Task<bool> WaitDoneAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var deadline = Deadline.Start(timeout);
        if (IsDone) return true;
        var listener = new TaskListener();
        if (!TryAddListener(listener)) return true;
        try
        {
            await listener.Done.Task.WaitAsync(deadline.Remaining, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return IsDone;
        }
        finally
        {
            RemoveListener(listener); // a wait that gave up leaves nothing on the future
        }
    }

    /// <summary>
    /// Awaitable twin of <see cref="Exception(TimeSpan?)"/>. Python: <c>Future.exception(timeout)</c> awaited.
    /// </summary>
    /// <exception cref="TimeoutException">The future did not finish in time.</exception>
    /// <exception cref="FutureCancelledException">The future was cancelled.</exception>
    public async Task<Exception?> ExceptionAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (!await WaitDoneAsync(timeout, cancellationToken).ConfigureAwait(false))
            throw new TimeoutException($"The future did not finish within {timeout}.");
        if (IsCancelled) throw new FutureCancelledException();
        return _error?.SourceException;
    }

    private sealed class TaskListener : FutureListener
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal override void OnFutureDone(Future future) => Done.TrySetResult();
    }

    /// <summary>Waits, then throws what <c>result()</c>/<c>exception()</c> would throw for a timeout or a cancellation.</summary>
    private protected void WaitOrThrow(TimeSpan? timeout)
    {
        if (!WaitDone(timeout))
            throw new TimeoutException($"The future did not finish within {timeout}.");
        if (IsCancelled) throw new FutureCancelledException();
    }

    /// <summary>Rethrows the stored exception, keeping its type and original stack trace.</summary>
    private protected void ThrowIfFaulted() => _error?.Throw();

    /// <summary>The stored exception (null when it succeeded or is not done).</summary>
    internal Exception? StoredException => _error?.SourceException;

    /// <summary>Claims the right to complete the future; false if it is already finishing, finished or cancelled.</summary>
    private protected bool TryBeginCompletion()
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state is not (PendingState or RunningState)) return false;
            if (Interlocked.CompareExchange(ref _state, CompletingState, state) == state) return true;
        }
    }

    /// <summary>Publishes the stored outcome and notifies everyone.</summary>
    private protected void EndCompletion()
    {
        Volatile.Write(ref _state, FinishedState);
        Complete();
    }

    private protected InvalidOperationException AlreadyDone() => new($"The future is already done: {this}");

    private protected void AddCallbackCore(Delegate callback)
    {
        if (!TryAddListener(callback)) InvokeCallback(callback);
    }

    /// <summary>Registers a listener or callback; false if the future already completed (nothing was registered).</summary>
    internal bool TryAddListener(object item)
    {
        while (true)
        {
            var current = Volatile.Read(ref _listeners);
            if (current == CompletedMarker) return false;
            if (current is null)
            {
                if (Interlocked.CompareExchange(ref _listeners, new List<object>(2) { item }, null) is null) return true;
                continue;
            }
            var list = (List<object>)current;
            lock (list)
            {
                // Complete() swaps the list out before it reads it under this lock, so an item added while the list
                // is still installed is always seen.
                if (Volatile.Read(ref _listeners) != list) continue;
                list.Add(item);
                return true;
            }
        }
    }

    /// <summary>How many listeners and callbacks are registered (for tests: waits must not leave theirs behind).</summary>
    internal int ListenerCount
    {
        get
        {
            if (Volatile.Read(ref _listeners) is not List<object> list) return 0;
            lock (list) return list.Count;
        }
    }

    /// <summary>Removes a listener that no longer needs telling (a wait that ended).</summary>
    internal void RemoveListener(object item)
    {
        if (Volatile.Read(ref _listeners) is not List<object> list) return;
        lock (list)
        {
            if (Volatile.Read(ref _listeners) == list) list.Remove(item);
        }
    }

    private void Complete()
    {
        var registered = Interlocked.Exchange(ref _listeners, CompletedMarker);
        var gate = Volatile.Read(ref _gate);
        if (gate is not null)
        {
            lock (gate) Monitor.PulseAll(gate);
        }
        if (registered is not List<object> list) return;
        object[] items;
        lock (list) items = [.. list];
        // Waiters before callbacks, as Python notifies _waiters before _invoke_callbacks.
        foreach (var item in items)
        {
            if (item is FutureListener listener) listener.OnFutureDone(this);
        }
        foreach (var item in items)
        {
            if (item is Delegate callback) InvokeCallback(callback);
        }
    }

    private void InvokeCallback(Delegate callback)
    {
        try
        {
            if (callback is Action<Future> untyped) untyped(this);
            else InvokeTypedCallback(callback);
        }
#pragma warning disable CA1031 // Python's contract: a failing callback is logged, never fatal, never stops the others.
        catch (System.Exception ex)
#pragma warning restore CA1031
        {
            ReportCallbackFailure(this, ex);
        }
    }

    /// <summary>Runs a callback registered through the typed <c>AddDoneCallback</c> of the subclass.</summary>
    private protected abstract void InvokeTypedCallback(Delegate callback);

    /// <summary>Reports a callback that threw: <see cref="CallbackFailed"/>, or a line on stderr when nobody listens.</summary>
    internal static void ReportCallbackFailure(Future future, Exception exception)
    {
        var handler = CallbackFailed;
        if (handler is not null)
        {
            try
            {
                handler(null, new FutureCallbackFailedEventArgs(future, exception));
                return;
            }
#pragma warning disable CA1031 // a failing handler must not turn a reported error into a lost one
            catch (System.Exception handlerFailure)
#pragma warning restore CA1031
            {
                exception = new AggregateException(exception, handlerFailure);
            }
        }
        Console.Error.WriteLine($"exception calling callback for {future}: {exception.GetType().FullName}: {exception.Message}");
    }

    /// <summary>
    /// Describes the future as Python's repr does: <c>&lt;Future at 0x… state=finished returned int&gt;</c> — its identity,
    /// its state, and the type it returned or raised.
    /// </summary>
    public override string ToString()
    {
        var name = GetType().Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        var head = string.Create(CultureInfo.InvariantCulture, $"<{(tick >= 0 ? name[..tick] : name)} at 0x{RuntimeHelpers.GetHashCode(this):x}");
        var state = State;
        if (state != FutureState.Finished) return $"{head} state={state.ToString().ToLowerInvariant()}>";
        return _error is { } error
            ? $"{head} state=finished raised {error.SourceException.GetType().Name}>"
            : $"{head} state=finished returned {DescribeResult()}>";
    }

    /// <summary>The result's type name, for <see cref="ToString"/>.</summary>
    private protected abstract string DescribeResult();

    /// <summary>A type as C# spells it where it has a keyword (<c>int</c>, <c>string</c>), else its name.</summary>
    private protected static string DescribeType(Type type) => Type.GetTypeCode(type) switch
    {
        TypeCode.Boolean => "bool",
        TypeCode.Byte => "byte",
        TypeCode.SByte => "sbyte",
        TypeCode.Char => "char",
        TypeCode.Int16 => "short",
        TypeCode.UInt16 => "ushort",
        TypeCode.Int32 when !type.IsEnum => "int",
        TypeCode.UInt32 when !type.IsEnum => "uint",
        TypeCode.Int64 when !type.IsEnum => "long",
        TypeCode.UInt64 when !type.IsEnum => "ulong",
        TypeCode.Single => "float",
        TypeCode.Double => "double",
        TypeCode.Decimal => "decimal",
        TypeCode.String => "string",
        _ => type.Name,
    };
}
