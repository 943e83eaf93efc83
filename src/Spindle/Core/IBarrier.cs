namespace Spindle;

/// <summary>
/// A barrier for a fixed number of parties (Python: <c>threading.Barrier</c>, <c>multiprocessing.Barrier</c>).
/// A timeout, an abort or a failing action breaks it: every waiter then gets <see cref="BrokenBarrierException"/>.
/// </summary>
public interface IBarrier
{
    /// <summary>How many parties must arrive. Python: <c>parties</c>.</summary>
    int Parties { get; }

    /// <summary>How many parties are waiting now. Python: <c>n_waiting</c>.</summary>
    int Waiting { get; }

    /// <summary>Whether the barrier is broken. Python: <c>broken</c>.</summary>
    bool IsBroken { get; }

    /// <summary>Waits for all parties. Python: <c>wait(timeout=None)</c>.</summary>
    /// <returns>The arrival index, 0 … Parties−1, different for each party.</returns>
    /// <exception cref="BrokenBarrierException">The barrier broke (timeout, abort or reset) while waiting.</exception>
    int Wait(TimeSpan? timeout = null);

    /// <summary>Awaitable twin of <see cref="Wait"/>.</summary>
    ValueTask<int> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Breaks the barrier: current and future waiters fail. Python: <c>abort()</c>.</summary>
    void Abort();

    /// <summary>Returns the barrier to its initial state; current waiters fail. Python: <c>reset()</c>.</summary>
    void Reset();
}
