namespace Spindle.Cli.Echo;

/// <summary>
/// Non-blocking IO (seed 000 §7.5.3): <c>setblocking(False)</c> on every socket and one thread that asks each of them,
/// again and again, whether anything happened. Nothing ever waits, so the loop spins on a CPU even when no client
/// talks — the seed's reason never to do this (it sleeps between rounds instead, and answers late).
/// </summary>
internal static class NonBlockingEcho
{
    /// <summary>The model.</summary>
    public static EchoModel Model { get; } = new("nonblocking",
        "setblocking(False) and one loop asking every socket again and again: it spins on a CPU (the seed warns against it)", Serve);

    private static void Serve(EchoServer server)
    {
        server.Listener.Blocking = false;
        var connections = new List<EchoConnection>();
        var scratch = new byte[EchoServer.BufferSize];
        while (!server.Stopping.IsCancellationRequested)
        {
            if (server.Accept() is { } conn) connections.Add(new EchoConnection(conn));
            for (var i = connections.Count - 1; i >= 0; i--)
            {
                var c = connections[i];
                if ((c.HasPending && !c.Flush()) || (!c.IsFull && !c.Echo(server, scratch)))
                {
                    connections.RemoveAt(i);
                    server.Closed(c.Socket);
                }
            }
            // The seed sleeps here; yielding at least lets the clients run on a small machine. Either way: no waiting on IO.
            Thread.Yield();
        }
    }
}
