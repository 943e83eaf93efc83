using System.Runtime.CompilerServices;

namespace Spindle;

/// <summary>
/// A future with a typed result (Python: <c>concurrent.futures.Future</c>). Executors create and complete it;
/// callers wait on it (<see cref="Result"/>), poll it (<see cref="Future.IsDone"/>), register callbacks, or await it.
/// </summary>
/// <typeparam name="T">The result type.</typeparam>
public class Future<T> : Future
{
    private T _result = default!;

    /// <summary>Creates a pending future. Python: <c>Future()</c> (normally only executors create futures).</summary>
    public Future() { }

    /// <summary>
    /// Waits for the future and returns its result. Python: <c>Future.result(timeout=None)</c>.
    /// </summary>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <exception cref="TimeoutException">The future did not finish in time (Python: <c>TimeoutError</c>).</exception>
    /// <exception cref="FutureCancelledException">The future was cancelled (Python: <c>CancelledError</c>).</exception>
    /// <remarks>If the work raised, that exception is rethrown with its own type and original stack trace.</remarks>
    public T Result(TimeSpan? timeout = null)
    {
        if (!IsDone) WaitOrThrow(timeout);
        else if (IsCancelled) throw new FutureCancelledException();
        ThrowIfFaulted();
        return _result;
    }

    /// <summary>
    /// Awaitable twin of <see cref="Result"/>, with a timeout and cancellation of the wait (not of the work).
    /// Python: <c>Future.result(timeout)</c> awaited.
    /// </summary>
    /// <exception cref="TimeoutException">The future did not finish in time.</exception>
    /// <exception cref="FutureCancelledException">The future was cancelled.</exception>
    public async Task<T> ResultAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (!await WaitDoneAsync(timeout, cancellationToken).ConfigureAwait(false))
            throw new TimeoutException($"The future did not finish within {timeout}.");
        return Result(TimeSpan.Zero);
    }

    /// <summary>Completes the future with a result. Python: <c>Future.set_result(result)</c>.</summary>
    /// <exception cref="InvalidOperationException">The future is already finished or cancelled (Python: <c>InvalidStateError</c>).</exception>
    public void SetResult(T result)
    {
        if (!TrySetResult(result)) throw AlreadyDone();
    }

    /// <summary>Like <see cref="SetResult"/>, but returns false instead of throwing when the future is already done.</summary>
    internal bool TrySetResult(T result)
    {
        if (!TryBeginCompletion()) return false;
        _result = result;
        EndCompletion();
        return true;
    }

    /// <summary>
    /// Adds a typed callback run when the future finishes or is cancelled (see <see cref="Future.AddDoneCallback(Action{Future})"/>).
    /// Python: <c>Future.add_done_callback(fn)</c>.
    /// </summary>
    public void AddDoneCallback(Action<Future<T>> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        AddCallbackCore(callback);
    }

    /// <summary>
    /// A task that completes with the future's outcome: its result, its exception (type and stack trace kept),
    /// or a <see cref="FutureCancelledException"/> if it was cancelled. Python: <c>asyncio.wrap_future(future)</c>.
    /// </summary>
    public Task<T> AsTask()
    {
        if (IsDone) return ToCompletedTask();
        var source = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        AddCallbackCore(new Action<Future<T>>(f => f.CompleteTask(source)));
        return source.Task;
    }

    /// <summary>Lets <c>await future</c> work: the same outcomes as <see cref="Result"/> (Python: <c>await asyncio.wrap_future(f)</c>).</summary>
    public TaskAwaiter<T> GetAwaiter() => AsTask().GetAwaiter();

    private Task<T> ToCompletedTask()
    {
        if (IsCancelled) return Task.FromException<T>(new FutureCancelledException());
        return StoredException is { } error ? Task.FromException<T>(error) : Task.FromResult(_result);
    }

    private void CompleteTask(TaskCompletionSource<T> source)
    {
        if (IsCancelled) source.TrySetException(new FutureCancelledException());
        else if (StoredException is { } error) source.TrySetException(error);
        else source.TrySetResult(_result);
    }

    private protected override void InvokeTypedCallback(Delegate callback) => ((Action<Future<T>>)callback)(this);

    private protected override string DescribeResult() => _result is null ? "null" : DescribeType(_result.GetType());
}
