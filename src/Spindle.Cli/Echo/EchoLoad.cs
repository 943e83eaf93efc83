using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Spindle.Selectors;

namespace Spindle.Cli.Echo;

/// <summary>
/// The load client of <c>spindle echo load</c>: seed 004's client (400 threads, each sending and reading in a loop)
/// generalised to N connections on one thread and one <see cref="ISelector"/>, as the Python peer's client does. Each
/// connection makes R strictly sequential round trips of B bytes, checks every echo, and closes as soon as it is done
/// (so the blocking model, one client at a time, gets to the next). Loopback only, bounded in count and time.
/// </summary>
/// <remarks>
/// Connect first (<see cref="Connect"/>), then <see cref="Run"/>: the clock covers the round trips, not the handshakes.
/// A payload is lower-case letters, different on every round; its echo must come back as sent or upper-cased (the
/// seeds' servers send <c>data.upper()</c>, the Python peer's server echoes verbatim), anything else is an error.
/// </remarks>
internal sealed class EchoLoad : IDisposable
{
    /// <summary>Most connections (each one descriptor here and one in the server: 10,000 is the hub's figure).</summary>
    public const int MaxClients = 10_000;

    /// <summary>
    /// How long one connect may wait to be accepted. A server that accepts one client at a time (the blocking model)
    /// leaves the rest in its listen backlog, and a connect beyond the backlog is not refused: the kernel retries its
    /// handshake for minutes.
    /// </summary>
    private static readonly TimeSpan ConnectPatience = TimeSpan.FromSeconds(10);

    /// <summary>Most round trips per connection.</summary>
    public const int MaxRounds = 1_000_000;

    /// <summary>Largest message.</summary>
    public const int MaxSize = 1 << 20;

    /// <summary>Most round trips in all (one latency is kept per round trip).</summary>
    public const long MaxRoundTrips = 10_000_000;

    private readonly IPEndPoint _server;
    private readonly Client[] _clients;
    private readonly int _size;
    private readonly byte[][] _payloads;
    private readonly byte[][] _uppers;
    private bool _ran;

    private EchoLoad(IPEndPoint server, Client[] clients, int size)
    {
        _server = server;
        _clients = clients;
        _size = size;
        // 26 payloads (the alphabet from each of its letters) and their upper-cased echoes: round r of client c sends number (r + c) % 26.
        _payloads = new byte[26][];
        _uppers = new byte[26][];
        for (var v = 0; v < 26; v++)
        {
            _payloads[v] = new byte[size];
            _uppers[v] = new byte[size];
            for (var i = 0; i < size; i++)
            {
                _payloads[v][i] = (byte)('a' + ((v + i) % 26));
                _uppers[v][i] = (byte)('A' + ((v + i) % 26));
            }
        }
    }

    /// <summary>Opens <paramref name="clients"/> connections to <paramref name="server"/> for messages of <paramref name="size"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count outside its bounds.</exception>
    /// <exception cref="ArgumentException">The server is not a loopback address.</exception>
    /// <exception cref="SocketException">A connection failed (nothing listens there?).</exception>
    /// <exception cref="TimeoutException">A connection was not accepted in time (the server's backlog is full).</exception>
    public static EchoLoad Connect(IPEndPoint server, int clients, int size)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(clients, MaxClients);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MaxSize);
        if (!IPAddress.IsLoopback(server.Address))
            throw new ArgumentException($"The load client only talks to the loopback (127.0.0.0/8, ::1), not {server.Address}.", nameof(server));
        var connected = new Client[clients];
        try
        {
            for (var i = 0; i < clients; i++)
            {
                var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                connected[i] = new Client(i, socket, size);
                try
                {
                    socket.ConnectAsync(server).WaitAsync(ConnectPatience).GetAwaiter().GetResult();
                }
                catch (TimeoutException)
                {
                    throw new TimeoutException(
                        $"Connection {i + 1} of {clients} to {server} was not accepted within {ConnectPatience.TotalSeconds:0} s: the server's " +
                        "listen backlog is full (a server that accepts one client at a time cannot have more than its backlog waiting).");
                }
                socket.NoDelay = true;
                socket.Blocking = false;
            }
        }
        catch
        {
            foreach (var c in connected) c?.Socket.Dispose();
            throw;
        }
        return new EchoLoad(server, connected, size);
    }

    /// <summary>
    /// Makes <paramref name="rounds"/> round trips on every connection, all connections at once, and returns the
    /// figures. Every connection is closed when its round trips are done. Runs once.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A count outside its bounds.</exception>
    /// <exception cref="TimeoutException">Not done within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidDataException">An echo differs from what was sent.</exception>
    /// <exception cref="IOException">The server closed or reset a connection before its round trips were done.</exception>
    public EchoLoadResult Run(int rounds, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rounds, MaxRounds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)rounds * _clients.Length, MaxRoundTrips, nameof(rounds));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        ObjectDisposedException.ThrowIf(_ran, this);
        _ran = true;

        var latencies = new float[_clients.Length * rounds];
        var recorded = 0;
        using var selector = Selector.CreateDefault();
        var start = Stopwatch.GetTimestamp();
        foreach (var c in _clients)
        {
            c.Begin(_payloads[c.Index % 26], Stopwatch.GetTimestamp());
            selector.Register(c.Socket, c.Send() ? SelectorEvents.Read : SelectorEvents.Read | SelectorEvents.Write, c);
        }
        var active = _clients.Length;
        while (active > 0)
        {
            var left = timeout - Stopwatch.GetElapsedTime(start);
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"The echo load did not finish within {timeout.TotalSeconds:0.#} s: {recorded:N0} of {latencies.Length:N0} round trips done. Is {_server} an echo server, and serving?");
            foreach (var (key, events) in selector.Select(left))
            {
                var c = (Client)key.Data!;
                var sent = (events & SelectorEvents.Write) == 0 || c.Send();
                if ((events & SelectorEvents.Read) != 0 && c.Receive(_server, rounds))
                {
                    var now = Stopwatch.GetTimestamp();
                    var variant = (c.Round + c.Index) % 26;
                    c.Check(_payloads[variant], _uppers[variant]);
                    latencies[recorded++] = (float)Stopwatch.GetElapsedTime(c.Started, now).TotalMicroseconds;
                    if (++c.Round == rounds)
                    {
                        selector.Unregister(c.Socket);
                        c.Socket.Dispose();
                        active--;
                        continue;
                    }
                    c.Begin(_payloads[(c.Round + c.Index) % 26], now);
                    sent = c.Send();
                }
                var wanted = sent ? SelectorEvents.Read : SelectorEvents.Read | SelectorEvents.Write;
                if (wanted != key.Events) selector.Modify(c.Socket, wanted, c);
            }
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        Array.Sort(latencies);
        return new EchoLoadResult(_clients.Length, rounds, _size, elapsed, latencies);
    }

    /// <summary>Closes every connection still open.</summary>
    public void Dispose()
    {
        foreach (var c in _clients) c.Socket.Dispose();
    }

    /// <summary>One connection: where its current round trip stands.</summary>
    private sealed class Client(int index, Socket socket, int size)
    {
        private readonly byte[] _reply = new byte[size];
        private byte[] _payload = [];
        private int _sent;
        private int _received;

        public int Index => index;

        public Socket Socket => socket;

        public int Round { get; set; }

        public long Started { get; private set; }

        public void Begin(byte[] payload, long now)
        {
            _payload = payload;
            _sent = 0;
            _received = 0;
            Started = now;
        }

        /// <summary>Sends what the socket takes of the payload; true when all of it is sent.</summary>
        public bool Send()
        {
            if (_sent < _payload.Length)
            {
                var n = socket.Send(_payload, _sent, _payload.Length - _sent, SocketFlags.None, out var error);
                if (error is not (SocketError.Success or SocketError.WouldBlock)) throw Failed(error);
                if (error == SocketError.Success) _sent += n;
            }
            return _sent == _payload.Length;
        }

        /// <summary>Reads what has arrived of the echo, never past it; true when all of it is in.</summary>
        public bool Receive(IPEndPoint server, int rounds)
        {
            var n = socket.Receive(_reply, _received, _reply.Length - _received, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock) return false;
            if (error != SocketError.Success) throw Failed(error);
            if (n == 0)
                throw new IOException($"The server {server} closed connection {index} after {Round:N0} of {rounds:N0} round trips.");
            _received += n;
            return _received == _reply.Length;
        }

        public void Check(byte[] payload, byte[] upper)
        {
            var reply = _reply.AsSpan();
            if (reply.SequenceEqual(payload) || reply.SequenceEqual(upper)) return;
            var expected = reply[0] == upper[0] ? upper : payload;
            var at = reply.CommonPrefixLength(expected);
            throw new InvalidDataException(
                $"Connection {index}, round trip {Round + 1}: the echo differs from what was sent at byte {at} (expected 0x{expected[at]:X2}, got 0x{reply[at]:X2}).");
        }

        private IOException Failed(SocketError error) =>
            new($"Connection {index}, round trip {Round + 1}: {error}.", new SocketException((int)error));
    }
}

/// <summary>What one <see cref="EchoLoad.Run"/> measured.</summary>
/// <param name="Clients">Connections.</param>
/// <param name="Rounds">Round trips per connection.</param>
/// <param name="Size">Bytes per message.</param>
/// <param name="Elapsed">From the first send to the last echo.</param>
/// <param name="Latencies">Every round trip's time in µs, sorted.</param>
internal sealed record EchoLoadResult(int Clients, int Rounds, int Size, TimeSpan Elapsed, float[] Latencies)
{
    /// <summary>Round trips in all.</summary>
    public long RoundTrips => (long)Clients * Rounds;

    /// <summary>Round trips per second, all connections together.</summary>
    public double RoundTripsPerSecond => RoundTrips / Elapsed.TotalSeconds;

    /// <summary>Payload bytes per second, each way.</summary>
    public double BytesPerSecond => RoundTrips * (double)Size / Elapsed.TotalSeconds;

    /// <summary>The <paramref name="percent"/>th percentile of the round-trip time, in µs (nearest rank).</summary>
    public double Percentile(double percent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percent, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        var rank = (int)Math.Ceiling(percent / 100 * Latencies.Length);
        return Latencies[Math.Clamp(rank - 1, 0, Latencies.Length - 1)];
    }
}
