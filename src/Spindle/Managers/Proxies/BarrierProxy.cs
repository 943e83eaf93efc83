using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>A proxy to a barrier held by the manager (<see cref="Manager.Barrier"/>). Python: <c>BarrierProxy</c>.</summary>
public sealed class BarrierProxy : ManagerProxy, IBarrier, IShareable<BarrierProxy>
{
    internal BarrierProxy(ProxyCore core) : base(core) { }

    /// <summary>How many parties must arrive. Python: <c>parties</c>.</summary>
    public int Parties => State().Parties;

    /// <summary>How many parties are waiting now. Python: <c>n_waiting</c>.</summary>
    public int Waiting => State().Waiting;

    /// <summary>Whether the barrier is broken. Python: <c>broken</c>.</summary>
    public bool IsBroken => State().Broken;

    /// <summary>Waits on the server for all parties. Python: <c>wait(timeout=None)</c>.</summary>
    /// <returns>The arrival index, 0 … Parties−1.</returns>
    /// <exception cref="BrokenBarrierException">The barrier broke (timeout, abort or reset) while waiting.</exception>
    public int Wait(TimeSpan? timeout = null) =>
        Core.Call((byte)BarrierMethod.Wait, timeout, static (w, t) => w.Timeout(t), static (ref WireReader r) => r.Int32());

    /// <summary>Awaitable twin of <see cref="Wait"/>; cancellation breaks the barrier, as a timeout does.</summary>
    public ValueTask<int> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Deadline.Validate(timeout);
        return new(Core.CallAsync((byte)BarrierMethod.Wait, timeout, static (w, t) => w.Timeout(t), static (ref WireReader r) => r.Int32(), cancellationToken));
    }

    /// <summary>Breaks the barrier. Python: <c>abort()</c>.</summary>
    public void Abort() => Core.Call((byte)BarrierMethod.Abort);

    /// <summary>Returns the barrier to its initial state. Python: <c>reset()</c>.</summary>
    public void Reset() => Core.Call((byte)BarrierMethod.Reset);

    /// <summary>Rebuilds a proxy in the receiving process (it borrows the barrier).</summary>
    public static BarrierProxy Import(ShareableHandle handle) => new(ProxyCore.Import(handle, BuiltinTypes.Barrier));

    /// <inheritdoc />
    public override string ToString()
    {
        var (parties, waiting, broken) = State();
        return $"<BarrierProxy parties={parties} waiting={waiting}{(broken ? " broken" : "")}>";
    }

    private (int Parties, int Waiting, bool Broken) State() =>
        Core.Call((byte)BarrierMethod.State, static (ref WireReader r) => (r.Int32(), r.Int32(), r.Bool()));
}
