using System.Net.Sockets;

namespace Spindle.Cli.Echo;

/// <summary>
/// .NET's asynchronous sockets, the closest .NET comes to seed 000 §7.5.5's asynchronous IO: a task per connection
/// awaits <c>ReceiveAsync</c>/<c>SendAsync</c>; no thread waits for a client, the runtime's own epoll thread resumes
/// the tasks on the thread pool.
/// </summary>
internal static class AsyncEcho
{
    /// <summary>The model.</summary>
    public static EchoModel Model { get; } = new("async",
        ".NET async sockets: a task per connection awaiting ReceiveAsync/SendAsync, resumed on the thread pool", Serve);

    private static void Serve(EchoServer server) => ServeAsync(server).GetAwaiter().GetResult();

    private static async Task ServeAsync(EchoServer server)
    {
        var conversations = new List<Task>();
        while (true)
        {
            Socket conn;
            try
            {
                conn = await server.Listener.AcceptAsync(server.Stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            server.Opened(conn);
            if (server.Stopping.IsCancellationRequested) break;
            conversations.RemoveAll(t => t.IsCompleted);
            conversations.Add(ConverseAsync(server, conn));
        }
        await Task.WhenAll(conversations).ConfigureAwait(false);
    }

    private static async Task ConverseAsync(EchoServer server, Socket conn)
    {
        var buffer = new byte[EchoServer.BufferSize];
        try
        {
            int n;
            while ((n = await conn.ReceiveAsync(buffer, server.Stopping).ConfigureAwait(false)) > 0)
            {
                server.Received(conn, buffer.AsSpan(0, n));
                await conn.SendAsync(buffer.AsMemory(0, n), server.Stopping).ConfigureAwait(false); // all of it, or an error
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Reset, broken pipe, or the stop: drop this client.
        }
        server.Closed(conn);
    }
}
