using System.Net;
using System.Net.Sockets;
using Spindle.Cli.Echo;
using Spindle.Tests.Support;

namespace Spindle.Tests.Cli;

/// <summary>The load client of <c>spindle echo load</c>: its bounds, and every way a server can answer wrongly.</summary>
public sealed class EchoLoadTests : LeakCheckedTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(0, 64)]
    [InlineData(EchoLoad.MaxClients + 1, 64)]
    [InlineData(1, 0)]
    [InlineData(1, EchoLoad.MaxSize + 1)]
    public void Counts_outside_their_bounds_are_refused_before_connecting(int clients, int size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => EchoLoad.Connect(new IPEndPoint(IPAddress.Loopback, 1), clients, size));

    [Fact]
    public void Only_the_loopback_is_driven()
    {
        var error = Assert.Throws<ArgumentException>(() => EchoLoad.Connect(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 8888), 1, 64));
        Assert.Contains("loopback", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_listening_is_a_refused_connection()
    {
        var port = ListeningPort(out var listener);
        listener.Dispose();
        var error = Assert.Throws<SocketException>(() => EchoLoad.Connect(new IPEndPoint(IPAddress.Loopback, port), 2, 64));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }

    [Fact]
    public void Rounds_and_round_trips_are_bounded()
    {
        // A listener that never accepts: the handshakes complete in its backlog, and no echo ever comes.
        var port = ListeningPort(out var listener);
        using (listener)
        using (var load = EchoLoad.Connect(new IPEndPoint(IPAddress.Loopback, port), clients: 11, size: 16))
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => load.Run(0, Patience));
            Assert.Throws<ArgumentOutOfRangeException>(() => load.Run(EchoLoad.MaxRounds + 1, Patience));
            // 11 × 10⁶ round trips: more latencies than the client keeps.
            Assert.Throws<ArgumentOutOfRangeException>(() => load.Run(EchoLoad.MaxRounds, Patience));
            Assert.Throws<ArgumentOutOfRangeException>(() => load.Run(1, TimeSpan.Zero));
        }
    }

    [Fact]
    public void A_server_that_never_answers_times_out_naming_the_progress()
    {
        var port = ListeningPort(out var listener);
        using (listener)
        using (var load = EchoLoad.Connect(new IPEndPoint(IPAddress.Loopback, port), clients: 3, size: 16))
        {
            var error = Assert.Throws<TimeoutException>(() => load.Run(5, TimeSpan.FromMilliseconds(200)));
            Assert.Contains("0 of 15 round trips done", error.Message, StringComparison.Ordinal);
            Assert.Throws<ObjectDisposedException>(() => load.Run(5, Patience));
        }
    }

    [Theory]
    [InlineData("verbatim")]
    [InlineData("upper")]
    public void Verbatim_and_upper_cased_echoes_both_count(string kind)
    {
        using var server = new OneClientServer(message => kind == "upper" ? [.. message.Select(b => (byte)char.ToUpperInvariant((char)b))] : message);
        using var load = EchoLoad.Connect(server.EndPoint, clients: 1, size: 40);
        var result = load.Run(rounds: 30, Patience);
        Assert.Equal(30, result.RoundTrips);
        Assert.All(result.Latencies, l => Assert.True(l > 0));
    }

    [Fact]
    public void A_wrong_byte_in_an_echo_is_reported_with_its_place()
    {
        using var server = new OneClientServer(message => { var reply = (byte[])message.Clone(); reply[5] ^= 0x01; return reply; });
        using var load = EchoLoad.Connect(server.EndPoint, clients: 1, size: 10);
        var error = Assert.Throws<InvalidDataException>(() => load.Run(3, Patience));
        Assert.Contains("Connection 0, round trip 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("at byte 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mixed_case_echo_is_neither_verbatim_nor_upper_cased()
    {
        using var server = new OneClientServer(message => { var reply = (byte[])message.Clone(); reply[0] -= 32; return reply; });
        using var load = EchoLoad.Connect(server.EndPoint, clients: 1, size: 10);
        Assert.Contains("at byte 1", Assert.Throws<InvalidDataException>(() => load.Run(3, Patience)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_closing_early_is_reported()
    {
        using var server = new OneClientServer(message => null, answers: 2);
        using var load = EchoLoad.Connect(server.EndPoint, clients: 1, size: 10);
        var error = Assert.Throws<IOException>(() => load.Run(5, Patience));
        Assert.Contains("closed connection 0 after 2 of 5 round trips", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var result = new EchoLoadResult(1, 100, 8, TimeSpan.FromSeconds(2), [.. Enumerable.Range(1, 100).Select(i => (float)i)]);
        Assert.Equal(50, result.Percentile(50));
        Assert.Equal(99, result.Percentile(99));
        Assert.Equal(100, result.Percentile(100));
        Assert.Equal(1, result.Percentile(0));
        Assert.Equal(50, result.RoundTripsPerSecond);
        Assert.Equal(400, result.BytesPerSecond);
        Assert.Throws<ArgumentOutOfRangeException>(() => result.Percentile(101));
    }

    private static int ListeningPort(out Socket listener)
    {
        listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <summary>A server for one client that answers each message of the client's size as told (null closes), after <c>answers</c> right ones.</summary>
    private sealed class OneClientServer : IDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly Task _serving;

        public OneClientServer(Func<byte[], byte[]?> answer, int answers = 0)
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(1);
            _serving = Task.Run(() =>
            {
                using var conn = _listener.Accept();
                var buffer = new byte[4096];
                for (var i = 0; ; i++)
                {
                    var n = conn.Receive(buffer);
                    if (n == 0) return;
                    var reply = i < answers ? buffer[..n] : answer(buffer[..n]);
                    if (reply is null) return;
                    conn.Send(reply);
                }
            });
        }

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

        public void Dispose()
        {
            _listener.Dispose();
            try
            {
                _serving.Wait(Patience);
            }
            catch (AggregateException)
            {
                // The client went away first (reset): nothing to check here.
            }
        }
    }
}
