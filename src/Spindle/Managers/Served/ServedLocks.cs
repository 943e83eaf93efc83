using Spindle.Threading;

namespace Spindle.Managers;

/// <summary>The methods of a served lock or semaphore. Python: <c>AcquirerProxy</c>'s <c>acquire</c>, <c>release</c>.</summary>
internal enum LockMethod : byte
{
    /// <summary>[timeout] → [acquired: bool].</summary>
    Acquire = 1,

    /// <summary>[count: i32] → nothing.</summary>
    Release = 2,

    /// <summary>→ [value: i32] (semaphores).</summary>
    Value = 3,
}

/// <summary>
/// A lock, re-entrant lock, semaphore or bounded semaphore held by the manager. Python: <c>threading.Lock</c>,
/// <c>RLock</c>, <c>Semaphore</c>, <c>BoundedSemaphore</c> behind an <c>AcquirerProxy</c>.
/// </summary>
internal sealed class ServedLock(ILock held) : Served
{
    /// <summary>The lock itself (a condition made over it uses it).</summary>
    internal ILock Lock { get; } = held;

    internal override ValueTask Invoke(ServerCall call)
    {
        var args = call.Reader();
        switch ((LockMethod)call.Method)
        {
            case LockMethod.Acquire:
            {
                var timeout = args.Timeout();
                args.End();
                return Acquire(Lock, call, timeout);
            }
            case LockMethod.Release:
            {
                var count = args.Count();
                args.End();
                if (Lock is ISemaphore semaphore) semaphore.Release(count);
                else if (count == 1) Lock.Release();
                else throw new ArgumentOutOfRangeException($"A lock is released once at a time, not {count} times.", (Exception?)null);
                return default;
            }
            case LockMethod.Value when Lock is ISemaphore semaphore:
                args.End();
                call.Result.Int32(semaphore.Value);
                return default;
            default:
                throw UnknownMethod(call, "a lock");
        }
    }

    /// <summary>Acquires at once when the lock is free (no await, no allocation), else waits as a cancellable call.</summary>
    internal static ValueTask Acquire(ILock target, ServerCall call, TimeSpan? timeout)
    {
        if (target.Acquire(TimeSpan.Zero))
        {
            call.Result.Bool(true);
            return default;
        }
        if (timeout == TimeSpan.Zero)
        {
            call.Result.Bool(false);
            return default;
        }
        return AcquireAsync(target, call, timeout);
    }

    private static async ValueTask AcquireAsync(ILock target, ServerCall call, TimeSpan? timeout)
    {
        var acquired = await target.AcquireAsync(timeout, call.Token).ConfigureAwait(false);
        if (acquired) call.OnUndelivered(target.Release);
        call.Result.Bool(acquired);
    }
}

/// <summary>The methods of a served condition (besides those of its lock). Python: <c>ConditionProxy</c>.</summary>
internal enum ConditionMethod : byte
{
    /// <summary>[timeout] → [acquired: bool].</summary>
    Acquire = 1,

    /// <summary>Nothing → nothing.</summary>
    Release = 2,

    /// <summary>[timeout] → [notified: bool].</summary>
    Wait = 3,

    /// <summary>[count: i32] → nothing.</summary>
    Notify = 4,
}

/// <summary>A condition variable held by the manager. Python: <c>threading.Condition</c> behind a <c>ConditionProxy</c>.</summary>
internal sealed class ServedCondition(ILock? held) : Served
{
    private readonly ThreadCondition _condition = new(held ?? new CallerRLock());

    internal override ValueTask Invoke(ServerCall call)
    {
        var args = call.Reader();
        switch ((ConditionMethod)call.Method)
        {
            case ConditionMethod.Acquire:
            {
                var timeout = args.Timeout();
                args.End();
                return ServedLock.Acquire(_condition, call, timeout);
            }
            case ConditionMethod.Release:
                args.End();
                _condition.Release();
                return default;
            case ConditionMethod.Wait:
            {
                var timeout = args.Timeout();
                args.End();
                return WaitAsync(call, timeout);
            }
            case ConditionMethod.Notify:
            {
                var count = args.Count();
                args.End();
                _condition.Notify(count);
                return default;
            }
            default:
                throw UnknownMethod(call, "a condition");
        }
    }

    private async ValueTask WaitAsync(ServerCall call, TimeSpan? timeout) =>
        call.Result.Bool(await _condition.WaitAsync(timeout, call.Token).ConfigureAwait(false));
}
