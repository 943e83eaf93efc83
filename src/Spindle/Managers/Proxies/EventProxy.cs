using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>A proxy to an event held by the manager (<see cref="Manager.Event"/>). Python: <c>EventProxy</c>.</summary>
public sealed class EventProxy : ManagerProxy, IEvent, IShareable<EventProxy>
{
    internal EventProxy(ProxyCore core) : base(core) { }

    /// <summary>Whether the flag is set. Python: <c>is_set()</c>.</summary>
    public bool IsSet => Core.Call((byte)EventMethod.IsSet, static (ref WireReader r) => r.Bool());

    /// <summary>Sets the flag and wakes every waiter. Python: <c>set()</c>.</summary>
    public void Set() => Core.Call((byte)EventMethod.Set);

    /// <summary>Clears the flag. Python: <c>clear()</c>.</summary>
    public void Clear() => Core.Call((byte)EventMethod.Clear);

    /// <summary>Waits on the server until the flag is set or the timeout elapses. Python: <c>wait(timeout=None)</c>.</summary>
    /// <returns>The flag: false only when the timeout elapsed.</returns>
    public bool Wait(TimeSpan? timeout = null) =>
        Core.Call((byte)EventMethod.Wait, timeout, static (w, t) => w.Timeout(t), static (ref WireReader r) => r.Bool());

    /// <summary>Awaitable twin of <see cref="Wait"/>; cancellation stops the wait on the server.</summary>
    public ValueTask<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Deadline.Validate(timeout);
        return new(Core.CallAsync((byte)EventMethod.Wait, timeout, static (w, t) => w.Timeout(t), static (ref WireReader r) => r.Bool(), cancellationToken));
    }

    /// <summary>Rebuilds a proxy in the receiving process (it borrows the event).</summary>
    public static EventProxy Import(ShareableHandle handle) => new(ProxyCore.Import(handle, BuiltinTypes.Event));

    /// <inheritdoc />
    public override string ToString() => $"<EventProxy at {Core.Address}>";
}
