namespace Spindle.Threading;

/// <summary>
/// A flag that threads wait on (Python: <c>threading.Event</c>): <see cref="Set"/> wakes every waiter, and waits return
/// at once while the flag stays set, until <see cref="Clear"/>.
/// </summary>
/// <remarks>
/// Each "set period" is one task: waiters (sync or async) wait on the task current when they arrive, and
/// <see cref="Clear"/> swaps in a fresh one. So a <see cref="Set"/> immediately followed by <see cref="Clear"/> still
/// releases everyone who was waiting, as in Python.
/// </remarks>
public sealed class ThreadEvent : IEvent
{
    private TaskCompletionSource _flag = NewFlag();

    /// <summary>Creates a cleared event (or a set one). Python: <c>threading.Event()</c>.</summary>
    public ThreadEvent(bool isSet = false)
    {
        if (isSet) _flag.SetResult();
    }

    /// <summary>Whether the flag is set. Python: <c>is_set()</c>.</summary>
    public bool IsSet => Volatile.Read(ref _flag).Task.IsCompleted;

    /// <summary>Sets the flag and wakes every waiter. Python: <c>set()</c>.</summary>
    public void Set() => Volatile.Read(ref _flag).TrySetResult();

    /// <summary>Clears the flag; later waits block until the next <see cref="Set"/>. Python: <c>clear()</c>.</summary>
    public void Clear()
    {
        var current = Volatile.Read(ref _flag);
        // If the flag is not set there is nothing to do; if another Clear won the swap, the flag is clear already.
        if (current.Task.IsCompleted) Interlocked.CompareExchange(ref _flag, NewFlag(), current);
    }

    /// <summary>Waits until the flag is set or <paramref name="timeout"/> elapses (null: forever). Python: <c>wait(timeout=None)</c>.</summary>
    /// <returns>true if the flag was set (now or during the wait), false only when the timeout elapsed.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative timeout other than <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public bool Wait(TimeSpan? timeout = null)
    {
        var deadline = Deadline.Start(timeout);
        var flag = Volatile.Read(ref _flag).Task;
        return flag.IsCompleted || flag.Wait(deadline.RemainingMilliseconds);
    }

    /// <summary>Awaitable twin of <see cref="Wait"/>; throws <see cref="OperationCanceledException"/> if cancelled before the flag is set.</summary>
    public ValueTask<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout);
        var flag = Volatile.Read(ref _flag).Task;
        if (flag.IsCompleted) return new ValueTask<bool>(true);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        return timeout == TimeSpan.Zero ? new ValueTask<bool>(false) : WaitSlowAsync(flag, deadline, cancellationToken);
    }

    /// <summary>Python's repr, e.g. <c>&lt;ThreadEvent set&gt;</c>.</summary>
    public override string ToString() => IsSet ? "<ThreadEvent set>" : "<ThreadEvent unset>";

    private static TaskCompletionSource NewFlag() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static async ValueTask<bool> WaitSlowAsync(Task flag, Deadline deadline, CancellationToken cancellationToken)
    {
        await flag.WaitAsync(deadline.Remaining, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (flag.IsCompleted) return true;
        cancellationToken.ThrowIfCancellationRequested();
        return false;
    }
}
