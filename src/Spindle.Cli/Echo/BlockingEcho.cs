using System.Net.Sockets;

namespace Spindle.Cli.Echo;

/// <summary>
/// Blocking IO (seed 000 §7.5.2, seed 001): accept one client, then recv and send until it leaves; the next clients wait
/// in the listen backlog meanwhile. Both phases of every read block the only thread.
/// </summary>
internal static class BlockingEcho
{
    /// <summary>The model.</summary>
    public static EchoModel Model { get; } = new("blocking",
        "one client at a time: accept, then blocking recv/send until it leaves; the others wait in the backlog", Serve);

    private static void Serve(EchoServer server)
    {
        var buffer = new byte[EchoServer.BufferSize];
        while (server.Accept() is { } conn) Converse(server, conn, buffer);
    }

    /// <summary>
    /// Echoes on a blocking socket until the client leaves or fails, does not read its echoes for
    /// <see cref="EchoServer.SendTimeout"/>, or the server stops (which closes the socket under the blocked call); then closes it.
    /// </summary>
    internal static void Converse(EchoServer server, Socket conn, byte[] buffer)
    {
        using (server.Stopping.UnsafeRegister(static s => ((Socket)s!).Dispose(), conn))
        {
            try
            {
                conn.SendTimeout = (int)server.SendTimeout.TotalMilliseconds;
                int n;
                while ((n = conn.Receive(buffer)) > 0)
                {
                    server.Received(conn, buffer.AsSpan(0, n));
                    conn.Send(buffer, 0, n, SocketFlags.None); // a blocking send sends it all, or fails
                }
            }
            catch (SocketException)
            {
                // Reset, broken pipe, or a client that stopped reading: drop it, serve the next.
            }
            catch (ObjectDisposedException)
            {
                // Closed by the stop.
            }
        }
        server.Closed(conn);
    }
}
