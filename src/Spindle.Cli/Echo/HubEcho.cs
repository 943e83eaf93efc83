using System.Net.Sockets;
using Spindle.Coroutines;

namespace Spindle.Cli.Echo;

/// <summary>Reports one chunk received by the echo before it is sent back (the chunk may be changed in place).</summary>
internal delegate void EchoChunk(Socket connection, Span<byte> data);

/// <summary>
/// The seed's gevent echo server (seed 004: <c>spawn(talk, conn)</c> per accepted connection, under
/// <c>monkey.patch_all()</c>) on Spindle's hub: one thread, a coroutine per connection, every wait a switch to the hub's
/// epoll loop. This is the <c>hub</c> model of <c>spindle echo serve</c>.
/// </summary>
internal static class HubEcho
{
    /// <summary>The model.</summary>
    public static EchoModel Model { get; } = new("hub",
        "gevent's model on Spindle's hub: a coroutine per connection on one thread, every wait a switch to its epoll loop",
        static server => Serve(server.Listener, server.Opened, server.Received, server.Closed, server.Stopping));

    /// <summary>What one receive may take (the other models' buffer size).</summary>
    public const int BufferSize = EchoServer.BufferSize;

    /// <summary>
    /// Serves <paramref name="listener"/> (left open: its owner closes it) on the calling thread's hub until <paramref name="stopping"/> is cancelled (from
    /// any thread), then returns with every connection closed. Each connection is reported to <paramref name="opened"/>,
    /// each chunk to <paramref name="received"/> before it is echoed, and each close to <paramref name="closed"/> (after the
    /// hub let go of the socket). A client that resets, vanishes or never reads only loses its own connection.
    /// </summary>
    public static void Serve(Socket listener, Action<Socket> opened, EchoChunk received, Action<Socket> closed, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var hub = Hub.Current;
        // One receive buffer for every connection: coroutines run one at a time and each is done with the buffer
        // (sent, or copied when the client's window is full) before it yields.
        var shared = new byte[BufferSize];
        using var server = new HubStreamServer(listener, connection => TalkAsync(connection, shared, opened, received, closed), leaveOpen: true);
        using var stop = stopping.UnsafeRegister(static s =>
        {
            var (owner, running) = ((Hub, HubStreamServer))s!;
            if (!owner.IsDead) owner.Post(() => running.Dispose());
        }, (hub, server));
        try
        {
            Hub.Run(() => server.ServeForeverAsync().AsTask());
        }
        finally
        {
            hub.Dispose();
        }
    }

    private static async Task TalkAsync(HubSocket connection, byte[] shared, Action<Socket> opened, EchoChunk received, Action<Socket> closed)
    {
        var socket = connection.Socket;
        opened(socket);
        try
        {
            int count;
            while ((count = await connection.ReceiveAsync(shared)) > 0)
            {
                received(socket, shared.AsSpan(0, count));
                var sent = socket.Send(shared, 0, count, SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock) sent = 0;
                else if (error != SocketError.Success) throw new SocketException((int)error);
                if (sent < count) await connection.SendAllAsync(shared.AsSpan(sent, count - sent).ToArray());
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or GreenletExitException)
        {
            // Reset, broken pipe, or the server stopping: drop this client, serve the others.
        }
        finally
        {
            connection.Dispose();
            closed(socket);
        }
    }
}
