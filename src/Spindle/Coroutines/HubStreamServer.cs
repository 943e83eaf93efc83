using System.Net;
using System.Net.Sockets;

namespace Spindle.Coroutines;

/// <summary>
/// A TCP server on the hub: an accept loop that spawns one coroutine per connection running the handler, and closes the
/// connection when the handler returns. Python: <c>gevent.server.StreamServer(listener, handle)</c>.
/// </summary>
/// <remarks>
/// A handler that fails is reported through <see cref="Hub.ErrorHandler"/> and only its connection is closed; the server
/// goes on. With a connection limit, accepting pauses while that many handlers run (gevent's <c>spawn=Pool(n)</c>).
/// </remarks>
public sealed class HubStreamServer : IDisposable
{
    private readonly HubSocket _listener;
    private readonly Func<HubSocket, Task> _handle;
    private readonly HubGroup _handlers;
    private HubGreenlet? _acceptLoop;
    private bool _closed;

    /// <summary>Listens on <paramref name="address"/> (port 0 picks a free one) and serves with <paramref name="handle"/>.
    /// Python: <c>StreamServer(('127.0.0.1', port), handle, backlog=None, spawn='default')</c>.</summary>
    /// <param name="address">Where to listen.</param>
    /// <param name="handle">The handler, run in a coroutine per connection.</param>
    /// <param name="backlog">The listen backlog.</param>
    /// <param name="maxConnections">At most this many handlers at once (null: no limit).</param>
    public HubStreamServer(EndPoint address, Func<HubSocket, Task> handle, int backlog = 1024, int? maxConnections = null)
        : this(Listen(address, backlog), handle, maxConnections) { }

    /// <summary>Serves on a socket that already listens (it is taken over and closed with the server, unless
    /// <paramref name="leaveOpen"/>). Python: <c>StreamServer(listener_socket, handle)</c>.</summary>
    public HubStreamServer(Socket listener, Func<HubSocket, Task> handle, int? maxConnections = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(handle);
        if (maxConnections < 1) throw new ArgumentOutOfRangeException(nameof(maxConnections), maxConnections, "A server must allow at least one connection, or null for no limit.");
        _listener = new HubSocket(listener, leaveOpen);
        _handle = handle;
        _handlers = maxConnections is { } max ? new HubPool(max) : new HubGroup();
    }

    /// <summary>The address it listens on. Python: <c>server.address</c>.</summary>
    public EndPoint LocalEndPoint => _listener.LocalEndPoint!;

    /// <summary>Whether the accept loop runs. Python: <c>server.started</c>.</summary>
    public bool IsStarted => _acceptLoop is { IsDead: false };

    /// <summary>
    /// Whether the listening socket was closed (by <see cref="Close"/>, <see cref="Stop"/>, <see cref="Dispose"/> or a
    /// cancelled <see cref="ServeForeverAsync"/>); a closed server never accepts again. Python: <c>server.closed</c>.
    /// False from construction: the socket listens from then (gevent's server made from an address creates its
    /// socket at <c>start()</c>, and says closed until then).
    /// </summary>
    public bool IsClosed => _closed;

    /// <summary>How many connections are being handled now.</summary>
    public int ConnectionCount => _handlers.Count;

    /// <summary>Starts accepting on the calling thread's hub, in a coroutine. Python: <c>server.start()</c>.</summary>
    /// <exception cref="InvalidOperationException">Already started, or stopped.</exception>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (_acceptLoop is not null) throw new InvalidOperationException("The server is already started.");
        _acceptLoop = Hub.Spawn(AcceptLoopAsync);
        _acceptLoop.Name = $"accept {LocalEndPoint}";
    }

    /// <summary>Starts (if needed) and serves until stopped. Main code only. Python: <c>server.serve_forever()</c>.</summary>
    public void ServeForever() => MainGreenlet.Run("HubStreamServer.ServeForever", () => ServeForeverAsync());

    /// <summary>Serves until stopped or until <paramref name="cancellationToken"/> is cancelled (from any thread), which stops it.</summary>
    public async ValueTask ServeForeverAsync(CancellationToken cancellationToken = default)
    {
        if (_acceptLoop is null) Start();
        var hub = Hub.Current;
        // The token may fire on any thread: the close goes through the hub's thread.
        using var registration = cancellationToken.UnsafeRegister(static s =>
        {
            var (owner, server) = ((Hub, HubStreamServer))s!;
            if (!owner.IsDead) owner.Post(server.Close);
        }, (hub, this));
        await _acceptLoop!.JoinAsync(cancellationToken: CancellationToken.None).ConfigureAwait(true);
        await _handlers.JoinAsync(cancellationToken: CancellationToken.None).ConfigureAwait(true);
    }

    /// <summary>
    /// Stops accepting, then gives the running handlers up to <paramref name="timeout"/> to finish and kills the rest.
    /// Main code only. Python: <c>server.stop(timeout=None)</c>.
    /// </summary>
    public void Stop(TimeSpan? timeout = null) => MainGreenlet.Run("HubStreamServer.Stop", () => StopAsync(timeout));

    /// <summary>Awaitable twin of <see cref="Stop"/>.</summary>
    public async ValueTask StopAsync(TimeSpan? timeout = null)
    {
        Close();
        if (!await _handlers.JoinAsync(timeout ?? TimeSpan.FromSeconds(1)).ConfigureAwait(true)) await _handlers.KillAsync().ConfigureAwait(true);
    }

    /// <summary>Stops accepting and closes the listening socket (or only stops watching it, when left open); running
    /// handlers go on. Python: <c>server.close()</c>.</summary>
    public void Close()
    {
        if (_closed) return;
        _closed = true;
        _listener.Dispose(); // the accept loop's wait ends with ObjectDisposedException
    }

    /// <summary>Closes the listening socket and kills the handlers without waiting.</summary>
    public void Dispose()
    {
        Close();
        foreach (var handler in _handlers.Greenlets) handler.Kill(block: false);
    }

    private static Socket Listen(EndPoint address, int backlog)
    {
        ArgumentNullException.ThrowIfNull(address);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(address);
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_closed)
        {
            HubSocket connection;
            try
            {
                connection = await _listener.AcceptAsync().ConfigureAwait(true);
            }
            catch (ObjectDisposedException) when (_closed)
            {
                return;
            }
            connection.Socket.NoDelay = true;
            var handler = _handlers is HubPool pool
                ? await pool.SpawnAsync(() => HandleAsync(connection)).ConfigureAwait(true)
                : _handlers.Spawn(() => HandleAsync(connection));
            handler.Name = $"connection {connection.RemoteEndPoint}";
        }
    }

    private async Task HandleAsync(HubSocket connection)
    {
        using (connection) await _handle(connection).ConfigureAwait(true);
    }
}
