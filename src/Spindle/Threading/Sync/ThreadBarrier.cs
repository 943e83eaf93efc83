using System.Globalization;

namespace Spindle.Threading;

/// <summary>
/// A reusable barrier for a fixed number of threads (Python: <c>threading.Barrier(parties, action=None, timeout=None)</c>).
/// Each cycle releases everyone once <see cref="Parties"/> calls to <see cref="Wait"/> have arrived, after one of them
/// has run the action. A timeout, an <see cref="Abort"/>, a failing action or a cancelled async wait breaks it: every
/// waiter then gets <see cref="BrokenBarrierException"/>, until <see cref="Reset"/>.
/// </summary>
public sealed class ThreadBarrier : IBarrier
{
    private readonly Lock _gate = new();
    private readonly Action? _action;
    private readonly TimeSpan? _timeout;
    private Cycle _cycle = new(); // the cycle now filling
    private int _count;           // arrivals in the filling cycle
    private bool _broken;

    /// <summary>
    /// Creates a barrier for <paramref name="parties"/> threads; <paramref name="action"/>, if given, runs once per cycle
    /// on the last thread to arrive, before anyone is released; <paramref name="timeout"/> is the default for
    /// <see cref="Wait"/> (null: forever). Python: <c>threading.Barrier(parties, action=None, timeout=None)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parties"/> is less than 1, or the timeout is negative.</exception>
    public ThreadBarrier(int parties, Action? action = null, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parties, 1);
        Deadline.Validate(timeout);
        Parties = parties;
        _action = action;
        _timeout = timeout;
    }

    /// <summary>How many threads must arrive to release a cycle. Python: <c>parties</c>.</summary>
    public int Parties { get; }

    /// <summary>How many threads are waiting in the current cycle. Python: <c>n_waiting</c>.</summary>
    public int Waiting
    {
        get { lock (_gate) return _broken ? 0 : _count; }
    }

    /// <summary>Whether the barrier is broken. Python: <c>broken</c>.</summary>
    public bool IsBroken
    {
        get { lock (_gate) return _broken; }
    }

    /// <summary>
    /// Waits until <see cref="Parties"/> threads have called it, for at most <paramref name="timeout"/> (null: the
    /// barrier's default timeout). Python: <c>Barrier.wait(timeout=None)</c>.
    /// </summary>
    /// <returns>The arrival index: 0 for the first to arrive, <see cref="Parties"/>−1 for the last.</returns>
    /// <exception cref="BrokenBarrierException">The barrier is or became broken (timeout, abort, reset or failing action).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative timeout other than <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    /// <remarks>The last thread to arrive runs the action; if it throws, the barrier breaks and that thread gets the action's exception.</remarks>
    public int Wait(TimeSpan? timeout = null)
    {
        var deadline = Deadline.Start(timeout ?? _timeout);
        var (cycle, index) = Arrive();
        if (index == Parties - 1) return RunAction(cycle, index);
        if (!cycle.Task.Wait(deadline.RemainingMilliseconds))
        {
            GiveUp(cycle, "a wait timed out");
            cycle.Task.Wait(); // an action may still be running for a cycle that had filled; its outcome decides
        }
        return Outcome(cycle, index);
    }

    /// <summary>
    /// Awaitable twin of <see cref="Wait"/>. Cancelling a wait of a cycle that has not filled breaks the barrier, as a
    /// timeout does (the others could never pass): the cancelled caller gets <see cref="OperationCanceledException"/>,
    /// the others <see cref="BrokenBarrierException"/>. The action, if this call runs it, runs synchronously.
    /// </summary>
    public ValueTask<int> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout ?? _timeout);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<int>(cancellationToken);
        try
        {
            var (cycle, index) = Arrive();
            return index == Parties - 1 ? new ValueTask<int>(RunAction(cycle, index)) : WaitCycleAsync(cycle, index, deadline, cancellationToken);
        }
        catch (Exception e)
        {
            return ValueTask.FromException<int>(e); // a broken barrier or a failing action, reported through the task
        }
    }

    /// <summary>Breaks the barrier: current waiters and later calls get <see cref="BrokenBarrierException"/> until <see cref="Reset"/>. Python: <c>abort()</c>.</summary>
    public void Abort()
    {
        lock (_gate) BreakLocked(_cycle, "the barrier was aborted");
    }

    /// <summary>
    /// Returns the barrier to its empty, unbroken state; threads waiting now get <see cref="BrokenBarrierException"/>.
    /// Python: <c>reset()</c>.
    /// </summary>
    public void Reset()
    {
        lock (_gate)
        {
            _cycle.TrySetResult("the barrier was reset");
            _cycle = new Cycle();
            _count = 0;
            _broken = false;
        }
    }

    /// <summary>Python's repr, e.g. <c>&lt;ThreadBarrier waiters=1/3&gt;</c>.</summary>
    public override string ToString() => IsBroken
        ? "<ThreadBarrier broken>"
        : string.Create(CultureInfo.InvariantCulture, $"<ThreadBarrier waiters={Waiting}/{Parties}>");

    private (Cycle Cycle, int Index) Arrive()
    {
        lock (_gate)
        {
            if (_broken) throw new BrokenBarrierException("The barrier is broken; call Reset() to use it again.");
            var cycle = _cycle;
            int index = _count++;
            if (_count == Parties)
            {
                // The cycle has filled: later arrivals belong to the next one, while this one runs its action.
                _cycle = new Cycle();
                _count = 0;
            }
            return (cycle, index);
        }
    }

    private async ValueTask<int> WaitCycleAsync(Cycle cycle, int index, Deadline deadline, CancellationToken cancellationToken)
    {
        await ((Task)cycle.Task.WaitAsync(deadline.Remaining, cancellationToken)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!cycle.Task.IsCompleted)
        {
            bool cancelled = cancellationToken.IsCancellationRequested;
            GiveUp(cycle, cancelled ? "a waiting party was cancelled" : "a wait timed out");
            if (cancelled)
            {
                // Released before the cancellation could take effect: the caller passed.
                if (cycle.Task.IsCompleted && cycle.Task.Result is null) return index;
                throw new OperationCanceledException(cancellationToken);
            }
            await cycle.Task.ConfigureAwait(false);
        }
        return Outcome(cycle, index);
    }

    private int RunAction(Cycle cycle, int index)
    {
        try
        {
            _action?.Invoke();
        }
        catch (Exception e)
        {
            lock (_gate) BreakLocked(cycle, $"the barrier's action threw {e.GetType().Name}: {e.Message}");
            throw;
        }
        cycle.TrySetResult(null);
        return index;
    }

    /// <summary>A waiter leaves early: if its cycle is still filling, nobody can pass it any more, so the barrier breaks.</summary>
    private void GiveUp(Cycle cycle, string reason)
    {
        lock (_gate)
        {
            if (ReferenceEquals(cycle, _cycle)) BreakLocked(cycle, reason);
        }
    }

    private void BreakLocked(Cycle cycle, string reason)
    {
        _broken = true;
        _count = 0;
        cycle.TrySetResult(reason);
        _cycle.TrySetResult(reason); // also fails early arrivals of the next cycle when a filled cycle's action throws
    }

    private static int Outcome(Cycle cycle, int index) => cycle.Task.Result is { } reason
        ? throw new BrokenBarrierException($"The barrier is broken: {reason}.")
        : index;

    /// <summary>One cycle's outcome: null when it released its parties, otherwise why it broke.</summary>
    private sealed class Cycle() : TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
}
