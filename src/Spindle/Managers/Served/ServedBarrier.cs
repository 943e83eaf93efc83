using Spindle.Threading;

namespace Spindle.Managers;

/// <summary>The methods of a served barrier. Python: <c>BarrierProxy</c>'s <c>wait</c>, <c>abort</c>, <c>reset</c>, <c>parties</c>, <c>n_waiting</c>, <c>broken</c>.</summary>
internal enum BarrierMethod : byte
{
    /// <summary>[timeout] → [index: i32].</summary>
    Wait = 1,

    /// <summary>Nothing → nothing.</summary>
    Abort = 2,

    /// <summary>Nothing → nothing.</summary>
    Reset = 3,

    /// <summary>→ [parties: i32][waiting: i32][broken: bool].</summary>
    State = 4,
}

/// <summary>A barrier held by the manager. Python: <c>threading.Barrier</c> behind a <c>BarrierProxy</c>.</summary>
internal sealed class ServedBarrier(int parties, TimeSpan? timeout) : Served
{
    private readonly ThreadBarrier _barrier = new(parties, null, timeout);

    internal override ValueTask Invoke(ServerCall call)
    {
        var args = call.Reader();
        switch ((BarrierMethod)call.Method)
        {
            case BarrierMethod.Wait:
            {
                var timeout = args.Timeout();
                args.End();
                return WaitAsync(call, timeout);
            }
            case BarrierMethod.Abort:
                args.End();
                _barrier.Abort();
                return default;
            case BarrierMethod.Reset:
                args.End();
                _barrier.Reset();
                return default;
            case BarrierMethod.State:
                args.End();
                call.Result.Int32(_barrier.Parties);
                call.Result.Int32(_barrier.Waiting);
                call.Result.Bool(_barrier.IsBroken);
                return default;
            default:
                throw UnknownMethod(call, "a barrier");
        }
    }

    private async ValueTask WaitAsync(ServerCall call, TimeSpan? timeout) =>
        call.Result.Int32(await _barrier.WaitAsync(timeout, call.Token).ConfigureAwait(false));
}
