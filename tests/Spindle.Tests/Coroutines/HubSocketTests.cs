using System.Net;
using System.Net.Sockets;
using System.Text;
using Spindle.Coroutines;
using Spindle.Tests.Support;

namespace Spindle.Tests.Coroutines;

// Hub sockets and the stream server, after gevent's test__socket.py and test__server.py; all on 127.0.0.1.
public class HubSocketTests : LeakCheckedTest
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);
    private static readonly IPEndPoint AnyLoopback = new(IPAddress.Loopback, 0);

    private static async Task EchoUpperAsync(HubSocket connection)
    {
        var buffer = new byte[1024];
        while (true)
        {
            var count = await connection.ReceiveAsync(buffer);
            if (count == 0) return;
            await connection.SendAllAsync(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(buffer, 0, count).ToUpperInvariant()));
        }
    }

    private static async Task<string> TalkAsync(EndPoint server, string message)
    {
        using var client = new HubSocket();
        await client.ConnectAsync(server);
        await client.SendAllAsync(Encoding.UTF8.GetBytes(message));
        var buffer = new byte[1024];
        var received = new StringBuilder();
        while (received.Length < message.Length)
        {
            var count = await client.ReceiveAsync(buffer);
            if (count == 0) break;
            received.Append(Encoding.UTF8.GetString(buffer, 0, count));
        }
        return received.ToString();
    }

    [Fact]
    public void A_stream_server_serves_many_clients_at_once_on_one_thread() => FreshThread.Run(() =>
    {
        using var server = new HubStreamServer(AnyLoopback, EchoUpperAsync);
        server.Start();
        var clients = Enumerable.Range(0, 50).Select(i => Hub.Spawn(() => TalkAsync(server.LocalEndPoint, $"hello {i}"))).ToList();
        Hub.JoinAll(clients, raiseError: true);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"HELLO {i}"), clients.Select(c => c.Value));
        server.Stop();
    });

    [Fact]
    public void IsClosed_is_false_until_the_server_is_closed_then_it_never_starts_again() => FreshThread.Run(() =>
    {
        using var server = new HubStreamServer(AnyLoopback, EchoUpperAsync);
        Assert.False(server.IsClosed);
        server.Start();
        Assert.False(server.IsClosed);
        Assert.Equal("SERVED", Hub.Spawn(() => TalkAsync(server.LocalEndPoint, "served")).Get(Long));
        server.Stop();
        Assert.True(server.IsClosed);
        server.Close(); // closing twice is no error, as gevent's
        Assert.True(server.IsClosed);
        Assert.Throws<ObjectDisposedException>(server.Start);

        using var disposed = new HubStreamServer(AnyLoopback, EchoUpperAsync);
        disposed.Dispose();
        Assert.True(disposed.IsClosed);

        using var cancelled = new HubStreamServer(AnyLoopback, EchoUpperAsync);
        using var cts = new CancellationTokenSource();
        var serving = Hub.Spawn(() => cancelled.ServeForeverAsync(cts.Token).AsTask());
        Hub.Sleep(TimeSpan.Zero);
        Assert.True(cancelled.IsStarted);
        cts.Cancel();
        Assert.True(serving.Join(Long));
        Assert.True(cancelled.IsClosed);
    });

    [Fact]
    public void Misbehaving_clients_do_not_stop_the_hub() => FreshThread.Run(() =>
    {
        using var errors = new CapturedHubErrors();
        using var server = new HubStreamServer(AnyLoopback, EchoUpperAsync);
        server.Start();
        var endpoint = (IPEndPoint)server.LocalEndPoint;
        // One connects and never says anything, one resets the connection mid-conversation, one half-closes at once.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        silent.Connect(endpoint);
        var resetter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        resetter.Connect(endpoint);
        resetter.Send("partial"u8);
        resetter.LingerState = new LingerOption(true, 0);
        resetter.Close(); // RST
        using var halfClosed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        halfClosed.Connect(endpoint);
        halfClosed.Shutdown(SocketShutdown.Send);
        var good = Hub.Spawn(() => TalkAsync(endpoint, "still served"));
        Assert.Equal("STILL SERVED", good.Get(Long));
        Hub.Sleep(Short);
        Assert.True(server.IsStarted);
        server.Stop(Short);
        Assert.Equal(0, server.ConnectionCount);
    });

    [Fact]
    public void A_failing_handler_is_reported_and_only_its_connection_closes() => FreshThread.Run(() =>
    {
        using var errors = new CapturedHubErrors();
        var calls = 0;
        using var server = new HubStreamServer(AnyLoopback, async connection =>
        {
            if (++calls == 1) throw new InvalidOperationException("handler bug");
            await EchoUpperAsync(connection);
        });
        server.Start();
        var first = Hub.Spawn(() => TalkAsync(server.LocalEndPoint, "x"));
        Assert.True(first.Join(Long));
        Assert.True(first.Exception is SocketException || first.Value == "", "closed without an answer (or reset: the request was unread)");
        Assert.Equal("AGAIN", Hub.Spawn(() => TalkAsync(server.LocalEndPoint, "again")).Get(Long));
        Assert.Contains(errors.Errors, e => e.Error.Message == "handler bug");
        server.Stop();
    });

    [Fact]
    public void A_socket_timeout_raises_TimeoutException_timed_out() => FreshThread.Run(() =>
    {
        using var listener = new HubSocket();
        listener.Bind(AnyLoopback);
        listener.Listen();
        using var client = new HubSocket { Timeout = Short };
        var accepted = Hub.Spawn(() => listener.AcceptAsync().AsTask());
        Hub.Run(() => client.ConnectAsync(listener.LocalEndPoint!).AsTask());
        using var peer = accepted.Get(Long)!;
        var e = Assert.Throws<TimeoutException>(() => Hub.Run(() => client.ReceiveAsync(new byte[16]).AsTask()));
        Assert.Equal("timed out", e.Message);
    });

    [Fact]
    public void Connecting_to_a_closed_port_raises_connection_refused() => FreshThread.Run(() =>
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(AnyLoopback);
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        using var client = new HubSocket();
        var e = Assert.Throws<SocketException>(() => Hub.Run(() => client.ConnectAsync(IPAddress.Loopback, port).AsTask()));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    });

    [Fact]
    public void SendAll_of_a_large_buffer_waits_for_room_while_the_reader_drains() => FreshThread.Run(() =>
    {
        using var listener = new HubSocket();
        listener.Bind(AnyLoopback);
        listener.Listen();
        var payload = new byte[8 * 1024 * 1024];
        Random.Shared.NextBytes(payload);
        var reader = Hub.Spawn(async () =>
        {
            using var connection = await listener.AcceptAsync();
            var received = new MemoryStream();
            var buffer = new byte[64 * 1024];
            int count;
            while ((count = await connection.ReceiveAsync(buffer)) > 0) received.Write(buffer, 0, count);
            return received.ToArray();
        });
        var writer = Hub.Spawn(async () =>
        {
            using var client = new HubSocket();
            await client.ConnectAsync(listener.LocalEndPoint!);
            await client.SendAllAsync(payload);
            client.Shutdown(SocketShutdown.Send);
        });
        Hub.JoinAll([reader, writer], raiseError: true);
        Assert.Equal(payload, reader.Value);
    });

    [Fact]
    public void End_of_stream_arriving_with_the_last_data_is_not_missed() => FreshThread.Run(() =>
    {
        using var listener = new HubSocket();
        listener.Bind(AnyLoopback);
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        var reader = Hub.Spawn(async () =>
        {
            using var connection = await listener.AcceptAsync();
            var buffer = new byte[1024];
            var reads = new List<int>();
            int count;
            do
            {
                count = await connection.ReceiveAsync(buffer); // the first waits: the socket is registered with the hub
                reads.Add(count);
            }
            while (count > 0);
            return reads;
        });
        Hub.Sleep(Short);
        client.Send("abc"u8); // data and FIN together: one edge, a short read, then the end
        client.Shutdown(SocketShutdown.Send);
        Assert.True(reader.Join(TimeSpan.FromSeconds(10)), "the reader missed the end of the stream");
        Assert.Equal([3, 0], reader.Value);
    });

    [Fact]
    public void Closing_a_socket_wakes_the_coroutine_waiting_on_it() => FreshThread.Run(() =>
    {
        using var listener = new HubSocket();
        listener.Bind(AnyLoopback);
        listener.Listen();
        var acceptor = Hub.Spawn(() => listener.AcceptAsync().AsTask());
        Hub.Sleep(TimeSpan.Zero);
        listener.Close();
        acceptor.Join(Long);
        Assert.IsType<ObjectDisposedException>(acceptor.Exception);
    });

    [Fact]
    public void ServeForeverAsync_stops_when_its_token_is_cancelled_from_another_thread() => FreshThread.Run(() =>
    {
        using var cts = new CancellationTokenSource();
        using var server = new HubStreamServer(AnyLoopback, EchoUpperAsync);
        var canceller = new Thread(() => cts.Cancel());
        Hub.Spawn(async () =>
        {
            Assert.Equal("PING", await TalkAsync(server.LocalEndPoint, "ping"));
            canceller.Start();
        });
        Hub.Run(() => server.ServeForeverAsync(cts.Token).AsTask());
        canceller.Join();
        Assert.False(server.IsStarted);
    });
}
