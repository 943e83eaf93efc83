using System.Net;
using System.Net.Sockets;
using System.Text;
using Spindle.Cli.Echo;
using Spindle.Tests.Support;

namespace Spindle.Tests.Cli;

// The hub model of spindle echo: serve, survive bad clients, stop from another thread with every connection closed.
public sealed class HubEchoTests : LeakCheckedTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void The_hub_echo_serves_good_clients_drops_bad_ones_and_stops_when_cancelled()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(64);
        var endpoint = (IPEndPoint)listener.LocalEndPoint!;
        using var stop = new CancellationTokenSource();
        var opened = 0;
        var closed = 0;
        var received = new StringBuilder();
        var server = new Thread(() => HubEcho.Serve(listener,
            _ => Interlocked.Increment(ref opened),
            (_, data) =>
            {
                lock (received) received.Append(Encoding.ASCII.GetString(data));
            },
            _ => Interlocked.Increment(ref closed),
            stop.Token));
        server.Start();

        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        silent.Connect(endpoint);
        var resetter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        resetter.Connect(endpoint);
        resetter.Send("half a mess"u8);
        resetter.LingerState = new LingerOption(true, 0);
        resetter.Close();

        using var good = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = (int)Patience.TotalMilliseconds };
        good.Connect(endpoint);
        var reply = new byte[64];
        for (var i = 0; i < 3; i++)
        {
            good.Send(Encoding.ASCII.GetBytes($"ping {i}"));
            var count = 0;
            while (count < 6) count += good.Receive(reply, count, reply.Length - count, SocketFlags.None);
            Assert.Equal($"ping {i}", Encoding.ASCII.GetString(reply, 0, count));
        }

        stop.Cancel();
        Assert.True(server.Join(Patience), "the hub echo did not stop");
        Assert.Equal(3, Volatile.Read(ref opened));
        Assert.Equal(3, Volatile.Read(ref closed));
        Assert.Contains("ping 2", received.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, good.Receive(reply)); // the server closed it
    }
}
