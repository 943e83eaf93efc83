using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Spindle.Cli.Echo;

/// <summary>
/// What every <see cref="EchoModel"/> serves through: the listening socket, the stop token, the echo itself (the seeds'
/// <c>conn.send(data.upper())</c>), the count of connections and bytes, and an optional log of the seed's server lines.
/// </summary>
/// <remarks>
/// Serve once, then dispose: <c>using var server = EchoServer.Listen(IPAddress.Loopback, 0); server.Serve(model, token);</c>.
/// Cancelling the token makes <see cref="Serve"/> return, every connection closed.
/// </remarks>
internal sealed class EchoServer : IDisposable
{
    /// <summary>The listen backlog, as the Python peer's server: room for every client of <c>spindle echo load</c>.</summary>
    public const int Backlog = 1024;

    /// <summary>The receive buffer of each model: what one recv may take.</summary>
    public const int BufferSize = 16 * 1024;

    private const int SolSocket = 1, SoReuseAddr = 2; // Linux's values

    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Action<string>? _log;
    private long _connections;
    private long _bytes;
    private int _served;

    private EchoServer(Socket listener, Action<string>? log)
    {
        Listener = listener;
        _log = log;
    }

    /// <summary>Binds and listens on <paramref name="address"/>:<paramref name="port"/> (0: any free port).</summary>
    /// <param name="address">Where to listen; the command's default is the loopback.</param>
    /// <param name="port">The port; 0 lets the kernel choose (see <see cref="EndPoint"/>).</param>
    /// <param name="log">Receives the seed's server lines (new connection, data received, connection closed); null for none.</param>
    /// <exception cref="SocketException">The address cannot be bound (in use, not local).</exception>
    public static EchoServer Listen(IPAddress address, int port, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // SO_REUSEADDR alone, as Python's servers set it (a restart need not wait for TIME_WAIT): .NET's ReuseAddress
            // also sets SO_REUSEPORT on Linux, which would let a second server share the port instead of being refused.
            listener.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            listener.Bind(new IPEndPoint(address, port));
            listener.Listen(Backlog);
            return new EchoServer(listener, log);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>The listening socket, blocking until a model says otherwise.</summary>
    public Socket Listener { get; }

    /// <summary>Where the server listens.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)Listener.LocalEndPoint!;

    /// <summary>Cancelled when the server stops: models return soon after.</summary>
    public CancellationToken Stopping => _stop.Token;

    /// <summary>
    /// How long a blocking send may wait for a client that does not read its echoes before that client is dropped, so that
    /// one such client cannot hold the blocking model (one client at a time) forever. Set it before <see cref="Serve"/>.
    /// </summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Connections accepted so far.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Bytes echoed so far.</summary>
    public long BytesEchoed => Interlocked.Read(ref _bytes);

    /// <summary>Runs <paramref name="model"/> on this thread until <paramref name="cancellationToken"/> is cancelled; then closes every connection.</summary>
    /// <exception cref="InvalidOperationException">Called twice: a server serves once.</exception>
    public void Serve(EchoModel model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Interlocked.Exchange(ref _served, 1) != 0) throw new InvalidOperationException("This echo server has already served; listen anew.");
        using var link = cancellationToken.UnsafeRegister(static s => ((EchoServer)s!).Stop(), this);
        try
        {
            model.Serve(this);
        }
        finally
        {
            Stop();
            foreach (var conn in _open.Keys) Closed(conn);
        }
    }

    /// <summary><see cref="Serve"/> on a new thread; the task ends when serving does (with its exception, if any).</summary>
    public Task ServeInBackground(EchoModel model, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Serve(model, cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>
    /// Accepts one connection and reports it <see cref="Opened"/>; null when none is waiting on a non-blocking listener, or
    /// once the server is stopping (the connection that woke the accept is then closed with the others).
    /// </summary>
    public Socket? Accept()
    {
        Socket conn;
        try
        {
            conn = Listener.Accept();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
        {
            return null;
        }
        Opened(conn);
        return Stopping.IsCancellationRequested ? null : conn;
    }

    /// <summary>Reports a new connection: TCP_NODELAY (a small echo must not wait for more data), counted, logged, closed at stop.</summary>
    public void Opened(Socket conn)
    {
        ArgumentNullException.ThrowIfNull(conn);
        _open.TryAdd(conn, 0);
        if (Stopping.IsCancellationRequested) return; // the server's own wake-up connection
        Interlocked.Increment(ref _connections);
        try
        {
            conn.NoDelay = true;
        }
        catch (SocketException)
        {
            // Already reset by the client: the model finds out on its first recv.
        }
        _log?.Invoke($"got new conn from {Peer(conn)}");
    }

    /// <summary>
    /// The echo: logs <paramref name="data"/> as received and upper-cases it in place, ASCII letters only, as Python's
    /// <c>bytes.upper()</c> (every other byte, garbage included, comes back as it was).
    /// </summary>
    public void Received(Socket conn, Span<byte> data)
    {
        if (_log is not null) _log($"recv data from [{Peer(conn)}]: [{Encoding.UTF8.GetString(data)}]");
        Interlocked.Add(ref _bytes, data.Length);
        foreach (ref var b in data)
        {
            if ((uint)(b - 'a') <= 'z' - 'a') b -= 'a' - 'A';
        }
    }

    /// <summary>Closes a connection (once, whoever asks first) and logs it.</summary>
    public void Closed(Socket conn)
    {
        ArgumentNullException.ThrowIfNull(conn);
        if (!_open.TryRemove(conn, out _)) return;
        if (!Stopping.IsCancellationRequested) _log?.Invoke("conn closed");
        conn.Dispose();
    }

    /// <summary>Closes the listener and any connection left.</summary>
    public void Dispose()
    {
        Stop();
        foreach (var conn in _open.Keys) Closed(conn);
        Listener.Dispose();
        _stop.Dispose();
    }

    /// <summary>Cancels <see cref="Stopping"/>, then connects to the listener once so that a model blocked in accept, or in a wait that includes the listener, wakes up.</summary>
    private void Stop()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        var target = EndPoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : EndPoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : EndPoint.Address;
        try
        {
            using var nudge = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
            try
            {
                nudge.Connect(target, EndPoint.Port);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
                // A full backlog must not hold the stop: wait a moment for the handshake, not for ever.
                nudge.Poll(TimeSpan.FromSeconds(1), SelectMode.SelectWrite);
            }
        }
        catch (SocketException)
        {
            // Nothing listens any more: no model is waiting for the nudge.
        }
    }

    private static string Peer(Socket conn)
    {
        try
        {
            return conn.RemoteEndPoint?.ToString() ?? "?";
        }
        catch (SocketException)
        {
            return "?";
        }
    }
}
