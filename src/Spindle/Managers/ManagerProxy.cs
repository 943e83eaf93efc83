using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>
/// A reference to an object held by a <see cref="Manager"/>'s server process: each call runs there. A proxy travels to
/// child processes (and to pool tasks) by reference and keeps working there. Python: <c>BaseProxy</c>.
/// </summary>
/// <remarks>
/// Calls from one thread go through that thread's own connection to the manager (Python: a thread-local connection
/// per proxy address), so a lock acquired through a proxy is owned by the thread that acquired it.
/// The proxy a manager method returns owns the object: <see cref="Dispose"/> releases it on the server (Python: the
/// proxy's <c>decref</c> when it is garbage-collected); undisposed, the object lives until the manager shuts down.
/// Copies in other processes borrow it, as Python's proxies inherited by a child do.
/// </remarks>
public abstract class ManagerProxy : IShareable, IDisposable
{
    private protected ManagerProxy(ProxyCore core) => Core = core;

    private protected ProxyCore Core { get; }

    /// <summary>The object's id on its manager's server.</summary>
    internal long Id => Core.Id;

    /// <summary>The address of the manager whose server holds the object. Python: <c>proxy._token.address</c>.</summary>
    public ManagerAddress ManagerAddress => Core.Address;

    /// <summary>Releases the object on the server if this proxy owns it (the one the manager returned); later calls through this proxy throw <see cref="ObjectDisposedException"/>. Python: dropping the last reference to a proxy (its <c>decref</c>).</summary>
    public void Dispose()
    {
        Core.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Describes the proxy for another process (by reference). Python: <c>BaseProxy.__reduce__</c>.</summary>
    public ShareableHandle Export() => Core.Export();
}
