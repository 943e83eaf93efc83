using Spindle.Selectors;

namespace Spindle.Cli.Echo;

/// <summary>
/// The loop of the poll and epoll models: Python's selectors echo server (the <c>selectors</c> docs, seed 000 §7.5.7,
/// and the peer <c>b11_echo.py</c>) on one of Spindle's selectors. Each key's data is its connection; a connection waits
/// for writability only while echoes are queued, and stops being read while its queue is full.
/// </summary>
internal static class SelectorEcho
{
    /// <summary>Serves with <paramref name="selector"/> until the server stops, then disposes it.</summary>
    public static void Serve(EchoServer server, ISelector selector)
    {
        using (selector)
        {
            server.Listener.Blocking = false;
            selector.Register(server.Listener, SelectorEvents.Read);
            var scratch = new byte[EchoServer.BufferSize];
            while (!server.Stopping.IsCancellationRequested)
            {
                foreach (var (key, events) in selector.Select())
                {
                    if (key.Data is not EchoConnection c)
                    {
                        if (server.Accept() is { } conn) selector.Register(conn, SelectorEvents.Read, new EchoConnection(conn));
                        continue;
                    }
                    var alive = ((events & SelectorEvents.Write) == 0 || c.Flush())
                        && ((events & SelectorEvents.Read) == 0 || c.IsFull || c.Echo(server, scratch));
                    if (!alive)
                    {
                        selector.Unregister(c.Socket);
                        server.Closed(c.Socket);
                        continue;
                    }
                    var wanted = c.IsFull ? SelectorEvents.Write
                        : c.HasPending ? SelectorEvents.Read | SelectorEvents.Write
                        : SelectorEvents.Read;
                    if (wanted != key.Events) selector.Modify(c.Socket, wanted, c);
                }
            }
        }
    }
}
