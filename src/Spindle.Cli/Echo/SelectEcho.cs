using System.Net.Sockets;
using Spindle.Selectors;

namespace Spindle.Cli.Echo;

/// <summary>
/// Seed 001's select server, line for line: <c>inputs</c> (the listener and every connection), <c>outputs</c> (the
/// connections with echoes to send), a message queue per connection, and
/// <c>r_list, w_list, exception_list = select.select(inputs, outputs, [])</c> — here <see cref="Multiplex.Select{T}"/>,
/// select.select's lists-in, lists-out API (on poll(2), so without select(2)'s 1,024-descriptor limit).
/// </summary>
/// <remarks>
/// Two fixes the seed needs: a partial send keeps the rest queued (the seed drops it), and a client whose queue is full
/// leaves <c>inputs</c> until it reads its echoes (the seed would queue for ever).
/// </remarks>
internal static class SelectEcho
{
    /// <summary>The model.</summary>
    public static EchoModel Model { get; } = new("select",
        "seed 001's server: select.select(inputs, outputs, []) and a message queue per connection", Serve);

    private static void Serve(EchoServer server)
    {
        var listener = server.Listener;
        listener.Blocking = false;                          // server.setblocking(False)
        var inputs = new List<Socket> { listener };         // inputs = [server]
        var outputs = new List<Socket>();                   // outputs = []
        var queues = new Dictionary<Socket, EchoConnection>(); // msg_queues = {}
        var scratch = new byte[EchoServer.BufferSize];
        while (!server.Stopping.IsCancellationRequested)
        {
            var (readable, writable, _) = Multiplex.Select(inputs, outputs, []);
            foreach (var s in readable)
            {
                if (s == listener)                          // a new connection
                {
                    if (server.Accept() is { } conn)
                    {
                        inputs.Add(conn);
                        queues[conn] = new EchoConnection(conn);
                    }
                    continue;
                }
                var queue = queues[s];
                if (!queue.Receive(server, scratch))        // conn closed
                {
                    Drop(server, s, inputs, outputs, queues);
                    continue;
                }
                if (queue.HasPending && !outputs.Contains(s)) outputs.Add(s);
                if (queue.IsFull) inputs.Remove(s);
            }
            foreach (var s in writable)
            {
                if (!queues.TryGetValue(s, out var queue)) continue; // dropped while reading
                if (!queue.Flush())
                {
                    Drop(server, s, inputs, outputs, queues);
                    continue;
                }
                if (!queue.HasPending) outputs.Remove(s);    // queue.Empty
                if (!queue.IsFull && !inputs.Contains(s)) inputs.Add(s);
            }
        }
    }

    private static void Drop(EchoServer server, Socket s, List<Socket> inputs, List<Socket> outputs, Dictionary<Socket, EchoConnection> queues)
    {
        inputs.Remove(s);
        outputs.Remove(s);
        queues.Remove(s);
        server.Closed(s);
    }
}
