using System.Security.Authentication;
using Spindle.Managers;
using Spindle.Native;

namespace Spindle.Ipc;

/// <summary>
/// Accepts <see cref="Connection"/>s from <see cref="Client.Connect"/> on a Unix socket or a TCP address, with an
/// optional authkey: Python's HMAC challenge runs both ways before anything else is read. Python:
/// <c>multiprocessing.connection.Listener(address=None, family=None, backlog=1, authkey=None)</c>.
/// </summary>
/// <remarks>
/// The family is the address's (<see cref="ManagerAddress.Unix"/> or <see cref="ManagerAddress.Tcp(string, int)"/>). A
/// Unix socket file is removed when the listener is closed, as Python removes it.
/// </remarks>
public sealed class Listener : IDisposable
{
    private readonly FdHandle _handle;
    private readonly byte[]? _authKey;

    /// <summary>Binds and listens. Python: <c>Listener(address, family, backlog, authkey)</c>.</summary>
    /// <param name="address">Where to listen; null picks a fresh abstract Unix name (Python picks a temporary path). TCP port 0 picks a free port (see <see cref="Address"/>).</param>
    /// <param name="backlog">Connections the kernel queues before <see cref="Accept"/> (Python's default 1).</param>
    /// <param name="authKey">When given, each accepted connection must prove it holds this key (and is told this side does) before <see cref="Accept"/> returns it; null: no authentication, as Python's <c>authkey=None</c>.</param>
    /// <exception cref="IOException">The address is in use, or cannot be listened on.</exception>
    /// <exception cref="ArgumentException">An empty authkey.</exception>
    public Listener(ManagerAddress? address = null, int backlog = 1, byte[]? authKey = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(backlog);
        if (authKey is { Length: 0 }) throw new ArgumentException("An authkey must not be empty.", nameof(authKey));
        _authKey = authKey is null ? null : [.. authKey];
        var (fd, bound) = StreamSockets.Listen(address ?? ManagerAddress.CreateDefault(), backlog, "The listener");
        _handle = new FdHandle(fd);
        Address = bound;
    }

    /// <summary>The address listened on (with the port chosen for TCP port 0). Python: <c>Listener.address</c>.</summary>
    public ManagerAddress Address { get; }

    /// <summary>The TCP address of the last accepted peer; null before any, and for a Unix socket's (unnamed) peers. Python: <c>Listener.last_accepted</c>.</summary>
    public ManagerAddress? LastAccepted { get; private set; }

    /// <summary>
    /// Waits for a connection and returns it, authenticated when the listener has an authkey. Python: <c>Listener.accept()</c>.
    /// </summary>
    /// <exception cref="AuthenticationException">The peer does not hold the authkey (Python: <c>AuthenticationError</c>); its connection is closed.</exception>
    /// <exception cref="ObjectDisposedException">The listener is closed (also when closed during the wait).</exception>
    public Connection Accept() => Authentication.Authenticated(AcceptRaw(), _authKey, Authentication.AsServer);

    /// <summary>Awaitable twin of <see cref="Accept"/>: waits on a thread-pool thread and ends at once on cancellation. Python: <c>Listener.accept()</c>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before a connection came.</exception>
    public async Task<Connection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        await ReadableWait.WaitAsync(new SafeFdLease(_handle, nameof(Listener)), Deadline.Infinite, cancellationToken).ConfigureAwait(false);
        return await Task.Run(Accept, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Stops listening (a blocked <see cref="Accept"/> fails) and removes a Unix socket file. Python: <c>Listener.close()</c>.</summary>
    public void Close()
    {
        SafeFdLease lease;
        try
        {
            lease = new SafeFdLease(_handle, nameof(Listener));
        }
        catch (ObjectDisposedException)
        {
            return; // closed already
        }
        // shutdown wakes an accept blocked on another thread, which the deferred close of the handle would not.
        using (lease) Libc.Shutdown(lease.Fd, Libc.SHUT_RDWR);
        _handle.Dispose();
        if (Address is { IsTcp: false, Path: { } path } && !path.StartsWith('@')) Libc.Unlink(path);
    }

    /// <summary>Same as <see cref="Close"/>. Python: leaving <c>with Listener(...) as listener:</c>.</summary>
    public void Dispose() => Close();

    private unsafe Connection AcceptRaw()
    {
        var lease = new SafeFdLease(_handle, nameof(Listener));
        using (lease)
        {
            var sockaddr = stackalloc byte[Libc.SockAddrCapacity];
            while (true)
            {
                var length = Libc.SockAddrCapacity;
                var fd = Libc.Accept4(lease.Fd, sockaddr, &length, Libc.SOCK_CLOEXEC);
                if (fd >= 0)
                {
                    if (Address.IsTcp) Libc.EnableOption(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY);
                    LastAccepted = ManagerAddress.FromSockAddr(new ReadOnlySpan<byte>(sockaddr, length));
                    return new Connection(fd, readable: true, writable: true);
                }
                var errno = Libc.LastErrno;
                if (errno is Libc.EINTR or Libc.ECONNABORTED) continue;
                ObjectDisposedException.ThrowIf(_handle.IsClosed, this); // shut down by Close on another thread
                throw new IOException($"Accepting a connection at {Address} failed: {Libc.Describe(errno)}.");
            }
        }
    }
}

/// <summary>Connects to a <see cref="Listener"/>. Python: <c>multiprocessing.connection.Client</c>.</summary>
public static class Client
{
    /// <summary>
    /// Connects to <paramref name="address"/> and, with an authkey, runs the challenge both ways before returning.
    /// Python: <c>Client(address, family=None, authkey=None)</c> (the family is the address's).
    /// </summary>
    /// <param name="address">The listener's <see cref="Listener.Address"/>.</param>
    /// <param name="authKey">The listener's key; null when it has none.</param>
    /// <returns>A duplex connection to the accepted end.</returns>
    /// <exception cref="IOException">Nothing listens there (Python: <c>ConnectionRefusedError</c>/<c>FileNotFoundError</c>), or the connection failed.</exception>
    /// <exception cref="AuthenticationException">The listener refused the key, or does not hold it (Python: <c>AuthenticationError</c>).</exception>
    public static Connection Connect(ManagerAddress address, byte[]? authKey = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (authKey is { Length: 0 }) throw new ArgumentException("An authkey must not be empty.", nameof(authKey));
        var fd = StreamSockets.Connect(address, errno => new IOException(errno is Libc.ECONNREFUSED or Libc.ENOENT
            ? $"Cannot connect to {address}: no listener there."
            : $"Cannot connect to {address}: {Libc.Describe(errno)}."));
        return Authentication.Authenticated(new Connection(fd, readable: true, writable: true), authKey, Authentication.AsClient);
    }

    /// <summary>Awaitable twin of <see cref="Connect"/> (the connect and the handshake run on a thread-pool thread). Python: <c>Client(address, authkey=...)</c>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the connect started.</exception>
    public static Task<Connection> ConnectAsync(ManagerAddress address, byte[]? authKey = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Connect(address, authKey), cancellationToken);
}
