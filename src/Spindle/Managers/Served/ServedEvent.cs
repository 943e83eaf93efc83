using Spindle.Threading;

namespace Spindle.Managers;

/// <summary>The methods of a served event. Python: <c>EventProxy</c>'s <c>is_set</c>, <c>set</c>, <c>clear</c>, <c>wait</c>.</summary>
internal enum EventMethod : byte
{
    /// <summary>→ [set: bool].</summary>
    IsSet = 1,

    /// <summary>Nothing → nothing.</summary>
    Set = 2,

    /// <summary>Nothing → nothing.</summary>
    Clear = 3,

    /// <summary>[timeout] → [set: bool].</summary>
    Wait = 4,
}

/// <summary>An event held by the manager. Python: <c>threading.Event</c> behind an <c>EventProxy</c>.</summary>
internal sealed class ServedEvent : Served
{
    private readonly ThreadEvent _event = new();

    internal override ValueTask Invoke(ServerCall call)
    {
        var args = call.Reader();
        switch ((EventMethod)call.Method)
        {
            case EventMethod.IsSet:
                args.End();
                call.Result.Bool(_event.IsSet);
                return default;
            case EventMethod.Set:
                args.End();
                _event.Set();
                return default;
            case EventMethod.Clear:
                args.End();
                _event.Clear();
                return default;
            case EventMethod.Wait:
            {
                var timeout = args.Timeout();
                args.End();
                if (_event.IsSet || timeout == TimeSpan.Zero)
                {
                    call.Result.Bool(_event.IsSet);
                    return default;
                }
                return WaitAsync(call, timeout);
            }
            default:
                throw UnknownMethod(call, "an event");
        }
    }

    private async ValueTask WaitAsync(ServerCall call, TimeSpan? timeout) =>
        call.Result.Bool(await _event.WaitAsync(timeout, call.Token).ConfigureAwait(false));
}
