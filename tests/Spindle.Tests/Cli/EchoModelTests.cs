using System.Net;
using System.Net.Sockets;
using System.Text;
using Spindle.Cli.Echo;
using Spindle.Tests.Threading;
using Spindle.Threading;

namespace Spindle.Tests.Cli;

/// <summary>
/// Every echo model of <c>spindle echo serve</c>, served in-process: the seeds' upper-cased echo to several clients at
/// once, a clean stop (with clients still connected), and clients that send garbage, vanish mid-message or never read.
/// </summary>
public sealed class EchoModelTests : SpindleThreadLeakCheckedTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Models => [.. EchoModels.All.Select(m => m.Name)];

    [Theory]
    [MemberData(nameof(Models))]
    public void Echoes_upper_cased_to_several_clients_at_once_and_stops_cleanly(string model)
    {
        using var served = new Served(model);
        using (var client = Connect(served.EndPoint))
        {
            client.Send("hello, Echo 1!"u8);
            Assert.Equal("HELLO, ECHO 1!", Encoding.ASCII.GetString(ReadExactly(client, 14)));
        }
        using (var load = EchoLoad.Connect(served.EndPoint, clients: 4, size: 100))
        {
            var result = load.Run(rounds: 25, Patience);
            Assert.Equal(100, result.RoundTrips);
            Assert.Equal(100, result.Latencies.Length);
        }
        served.Stop();
        Assert.Equal(5, served.Server.Connections);
        Assert.Equal(14 + (100 * 100), served.Server.BytesEchoed);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Stops_with_a_client_still_connected_and_closes_it(string model)
    {
        using var served = new Served(model);
        using var client = Connect(served.EndPoint);
        client.Send("still here"u8);
        Assert.Equal("STILL HERE", Encoding.ASCII.GetString(ReadExactly(client, 10)));
        served.Stop();
        AssertClosedByServer(client);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Clients_that_send_garbage_vanish_mid_message_or_never_read_do_not_stop_it_serving_others(string model)
    {
        // The blocking model drops a client that has not taken its echoes for a second, then serves the next.
        using var served = new Served(model, sendTimeout: TimeSpan.FromSeconds(1));

        // Garbage: every byte value comes back, ASCII letters upper-cased only (Python's bytes.upper()).
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);
        var expected = garbage.Select(b => b is >= (byte)'a' and <= (byte)'z' ? (byte)(b - 32) : b).ToArray();
        using (var client = Connect(served.EndPoint))
        {
            client.Send(garbage);
            Assert.Equal(expected, ReadExactly(client, garbage.Length));
        }

        // Half a message, then a reset.
        using (var client = Connect(served.EndPoint))
        {
            client.Send(new byte[32]);
            client.LingerState = new LingerOption(true, 0);
        }

        // A client that floods and never reads: its receive window fills, then the server's buffers, then the server must
        // stop reading from it. It offers far more than every buffer on the way can hold (~20 MB at most here).
        const long offered = 64L << 20;
        var flooder = Connect(served.EndPoint);
        long flooded = 0;
        var flood = new SpindleThread(() =>
        {
            var chunk = new byte[64 * 1024];
            try
            {
                while (Interlocked.Read(ref flooded) < offered) Interlocked.Add(ref flooded, flooder.Send(chunk));
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Dropped by the server, or closed by the test.
            }
        }, name: "flooder");
        flood.Start();
        try
        {
            WaitUntilStuckOrDropped(flooder, flood, () => Interlocked.Read(ref flooded));
            using (var load = EchoLoad.Connect(served.EndPoint, clients: 3, size: 64))
                Assert.Equal(60, load.Run(rounds: 20, Patience).RoundTrips);
            served.Stop();
        }
        finally
        {
            flooder.Dispose();
            Assert.True(flood.Join(Patience), "the flooder thread did not end");
        }
        var total = Interlocked.Read(ref flooded);
        Assert.True(total >= 64 * 1024, $"flooded only {total} bytes");
        Assert.True(total < offered, "the server took all 64 MB from a client that never reads: what it queues is not bounded");
    }

    /// <summary>
    /// Until the flooder is dropped, or its sends make no progress (its socket not writable, the count unchanged since the
    /// last look): this polls a condition, and a false "stuck" could only let an unbounded server pass, never fail a good one.
    /// </summary>
    private static void WaitUntilStuckOrDropped(Socket flooder, SpindleThread flood, Func<long> flooded)
    {
        var deadline = DateTime.UtcNow + Patience;
        var last = -1L;
        while (flood.IsAlive)
        {
            var now = flooded();
            if (now == last && !flooder.Poll(0, SelectMode.SelectWrite)) return;
            Assert.True(DateTime.UtcNow < deadline, "the flooder neither filled its buffers nor was dropped");
            last = now;
            Thread.Sleep(50); // polling interval of the probe, not synchronization
        }
    }

    [Fact]
    public void A_server_serves_once_and_a_port_in_use_is_refused()
    {
        using var served = new Served("epoll");
        Assert.Throws<InvalidOperationException>(() => served.Server.Serve(EpollEcho.Model, CancellationToken.None));
        var taken = Assert.Throws<SocketException>(() => EchoServer.Listen(IPAddress.Loopback, served.EndPoint.Port));
        Assert.Equal(SocketError.AddressAlreadyInUse, taken.SocketErrorCode);
        served.Stop();
    }

    [Fact]
    public void Models_have_unique_kebab_case_names_and_titles()
    {
        var names = EchoModels.All.Select(m => m.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(EchoModels.All, m =>
        {
            Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", m.Name);
            Assert.False(string.IsNullOrWhiteSpace(m.Title));
            Assert.Same(m, EchoModels.Find(m.Name.ToUpperInvariant()));
        });
        // The issue's models, in the seeds' order; later ones (the hub) are added after them.
        Assert.Equal(["blocking", "threads", "nonblocking", "select", "poll", "epoll", "async"], names.Take(7));
        Assert.Null(EchoModels.Find("carrier-pigeon"));
    }

    [Fact]
    public void The_log_says_the_seeds_server_lines()
    {
        var lines = new List<string>();
        using var served = new Served("select", log: line => { lock (lines) lines.Add(line); });
        using (var client = Connect(served.EndPoint))
        {
            client.Send("abc"u8);
            Assert.Equal("ABC", Encoding.ASCII.GetString(ReadExactly(client, 3)));
        }
        Assert.True(SpinWait.SpinUntil(() => { lock (lines) return lines.Contains("conn closed"); }, Patience), "the close was never logged");
        served.Stop();
        lock (lines)
        {
            Assert.Equal(3, lines.Count);
            Assert.StartsWith("got new conn from 127.0.0.1:", lines[0], StringComparison.Ordinal);
            Assert.Matches(@"^recv data from \[127\.0\.0\.1:\d+\]: \[abc\]$", lines[1]);
        }
    }

    internal static Socket Connect(IPEndPoint server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = (int)Patience.TotalMilliseconds };
        socket.Connect(server);
        return socket;
    }

    internal static byte[] ReadExactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        for (var got = 0; got < count;)
        {
            var n = socket.Receive(buffer, got, count - got, SocketFlags.None);
            Assert.True(n > 0, $"the server closed after {got} of {count} bytes");
            got += n;
        }
        return buffer;
    }

    private static void AssertClosedByServer(Socket client)
    {
        try
        {
            Assert.Equal(0, client.Receive(new byte[16]));
        }
        catch (SocketException e)
        {
            Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
        }
    }

    /// <summary>A server of one model on 127.0.0.1, serving on its own thread until <see cref="Stop"/>.</summary>
    private sealed class Served : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _serving;

        public Served(string model, TimeSpan? sendTimeout = null, Action<string>? log = null)
        {
            Server = EchoServer.Listen(IPAddress.Loopback, 0, log);
            if (sendTimeout is { } t) Server.SendTimeout = t;
            _serving = Server.ServeInBackground(EchoModels.Find(model)!, _stop.Token);
        }

        public EchoServer Server { get; }

        public IPEndPoint EndPoint => Server.EndPoint;

        /// <summary>Cancels and waits for the model to return; its exception, if any, fails the test.</summary>
        public void Stop()
        {
            _stop.Cancel();
            Assert.True(_serving.Wait(Patience), "the server did not stop");
        }

        public void Dispose()
        {
            _stop.Cancel();
            _serving.Wait(Patience);
            Server.Dispose();
            _stop.Dispose();
        }
    }
}
