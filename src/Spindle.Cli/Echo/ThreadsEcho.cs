using Spindle.Threading;

namespace Spindle.Cli.Echo;

/// <summary>
/// A thread per connection (seed 000 §7.5.2's way out of blocking IO): the accepting thread hands each client to a new
/// <see cref="SpindleThread"/> that blocks in recv/send for that client only, as the blocking model does for all.
/// </summary>
internal static class ThreadsEcho
{
    /// <summary>The model.</summary>
    public static EchoModel Model { get; } = new("threads",
        "a thread per connection (SpindleThread), each blocking in recv/send for its own client", Serve);

    private static void Serve(EchoServer server)
    {
        var threads = new List<SpindleThread>();
        while (server.Accept() is { } conn)
        {
            threads.RemoveAll(t => !t.IsAlive);
            var thread = SpindleThread.Create(
                static (EchoServer s, System.Net.Sockets.Socket c) => BlockingEcho.Converse(s, c, new byte[EchoServer.BufferSize]),
                server, conn, name: "echo-conn", daemon: true);
            thread.Start();
            threads.Add(thread);
        }
        // The stop closed every connection under its thread's blocked call: they all end now.
        foreach (var thread in threads) thread.Join();
    }
}
