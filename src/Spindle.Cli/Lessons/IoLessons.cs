using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Spindle.Cli.Echo;
using Spindle.Ipc;
using Spindle.Processes;
using Spindle.Selectors;
using Spindle.Signals;
using Spindle.Threading;

namespace Spindle.Cli.Lessons;

/// <summary>
/// The IO models and signals: seed 000 §7.5 (non-blocking IO, multiplexing, selectors), seed 001 (the select echo
/// server and client), seed 003 (signal.alarm, pause, kill, kill -l). Servers listen on 127.0.0.1 only.
/// </summary>
internal static class IoLessons
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>The lessons of this area, in tour order.</summary>
    public static IReadOnlyList<Lesson> All { get; } =
    [
        Lesson.Create("io-nonblocking", "seed 000 §7.5.3",
            "non-blocking accept and recv: the loop asks again and again (the seed warns against it)", NonBlocking),
        Lesson.Create("io-select-echo", "seed 001 (select server and client)",
            "the seed's select server: inputs/outputs lists and a message queue per connection, upper-casing echo", SelectEcho),
        Lesson.Create("io-echo-models", "seed 000 §7.5, seed 004 (the 400-client load)",
            "the echo server in every IO model (blocking, threads, nonblocking, select, poll, epoll, async, hub) under one load client", EchoModelsCompared),
        Lesson.Create("io-epoll-selector", "seed 000 §7.5.7 (selectors)",
            "Selector.CreateDefault() is epoll on Linux; each key carries its callback, as Python's selectors docs do", EpollEcho),
        Lesson.Create("signal-alarm-pause", "seed 003 (signal)",
            "signal.alarm with a handler, a second alarm replacing the first, pause(), and kill -l", AlarmAndPause),
        Lesson.Create("signal-kill-child", "seed 003 (kill)",
            "kill to a child: one that handles SIGTERM cleans up and exits 0, one that does not dies of it", KillChild),
    ];

    private static Socket Listen()
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        server.Listen(5);
        return server;
    }

    private static int PortOf(Socket server) => ((IPEndPoint)server.LocalEndPoint!).Port;

    private static string Upper(byte[] data, int count) => Encoding.UTF8.GetString(data, 0, count).ToUpperInvariant();

    private static void NonBlocking(LessonContext say)
    {
        using var server = Listen();
        server.Blocking = false; // Python: server.setblocking(False)
        var client = new SpindleThread(() =>
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Connect(IPAddress.Loopback, PortOf(server));
            s.Send("hello"u8);
            var reply = new byte[64];
            say.Line($"  client received {Encoding.UTF8.GetString(reply, 0, s.Receive(reply))}");
        }, name: "client");
        client.Start();
        long wasted = 0;
        Socket? conn = null;
        var buffer = new byte[1024];
        var received = 0;
        while (received == 0)
        {
            try
            {
                conn ??= server.Accept();
                conn.Blocking = false;
                received = conn.Receive(buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                wasted++;
                Thread.Yield(); // the seed sleeps here; either way the CPU is spent asking, not working
            }
        }
        conn!.Blocking = true;
        conn.Send(Encoding.UTF8.GetBytes(Upper(buffer, received)));
        client.Join();
        conn.Dispose();
        say.Line($"the server asked {wasted:N0} times in vain (BlockingIOError) before one message arrived");
    }

    private static void SelectEcho(LessonContext say)
    {
        // The server is the `select` model of `spindle echo serve`: seed 001's, line for line (src/Spindle.Cli/Echo/SelectEcho.cs).
        using var closed = new CountdownEvent(2);
        using var server = EchoServer.Listen(IPAddress.Loopback, 0, line =>
        {
            say.Line($"  server: {line}");
            if (line == "conn closed") closed.Signal();
        });
        using var stop = new CancellationTokenSource();
        var serving = server.ServeInBackground(Echo.SelectEcho.Model, stop.Token);
        for (var c = 1; c <= 2; c++)
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Connect(server.EndPoint);
            foreach (var msg in new[] { $"hello from client {c}", "select" })
            {
                s.Send(Encoding.UTF8.GetBytes(msg)); // Python: s.sendall(msg)
                var reply = new byte[1024];
                say.Line($"  client {c}: Received '{Encoding.UTF8.GetString(reply, 0, s.Receive(reply))}'");
            }
        }
        closed.Wait(Patience);
        stop.Cancel();
        serving.Wait(Patience);
        say.Note("the server is src/Spindle.Cli/Echo/SelectEcho.cs; run it with `spindle echo serve --model select --verbose`");
    }

    private static void EchoModelsCompared(LessonContext say)
    {
        const int clients = 10, rounds = 100;
        say.Line($"the same echo server in every IO model, each driven by {clients} clients × {rounds} round trips of 64 bytes:");
        foreach (var model in EchoModels.All)
        {
            using var server = EchoServer.Listen(IPAddress.Loopback, 0);
            using var stop = new CancellationTokenSource();
            var serving = server.ServeInBackground(model, stop.Token);
            EchoLoadResult result;
            using (var load = EchoLoad.Connect(server.EndPoint, clients, size: 64)) result = load.Run(rounds, Patience);
            stop.Cancel();
            serving.Wait(Patience);
            say.Line(string.Create(CultureInfo.InvariantCulture,
                $"  {model.Name,-12} {result.RoundTripsPerSecond,9:N0} round trips/s, p50 {result.Percentile(50),6:N0} µs, p99 {result.Percentile(99),7:N0} µs"));
        }
        say.Note("a short run in one process: `spindle bench echo` measures each model in its own, beside Python's selectors server; `spindle echo serve --model NAME` serves one");
    }

    private static void EpollEcho(LessonContext say)
    {
        using var selector = Selector.CreateDefault();
        using var server = Listen();
        server.Blocking = false;
        var closed = 0;
        void Echo(Socket conn)
        {
            var data = new byte[1024];
            var n = conn.Receive(data);
            if (n > 0)
            {
                conn.Send(Encoding.UTF8.GetBytes(Upper(data, n)));
                return;
            }
            selector.Unregister(conn);
            conn.Dispose();
            closed++;
        }
        void Accept(Socket listener)
        {
            var conn = listener.Accept();
            conn.Blocking = false;
            selector.Register(conn, SelectorEvents.Read, (Action<Socket>)Echo);
        }
        selector.Register(server, SelectorEvents.Read, (Action<Socket>)Accept);
        say.Line($"selector: {selector.GetType().Name}");

        var clients = new SpindleThread(() =>
        {
            for (var c = 1; c <= 2; c++)
            {
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Connect(IPAddress.Loopback, PortOf(server));
                s.Send(Encoding.UTF8.GetBytes($"epoll client {c}"));
                var reply = new byte[1024];
                say.Line($"  client {c}: Received '{Encoding.UTF8.GetString(reply, 0, s.Receive(reply))}'");
            }
        }, name: "clients");
        clients.Start();
        while (closed < 2)
        {
            var ready = selector.Select(Patience);
            if (ready.Count == 0) break; // a tour must end even if a client vanished
            foreach (var (key, _) in ready) ((Action<Socket>)key.Data!)((Socket)key.FileObject);
        }
        clients.Join();
    }

    private static void AlarmAndPause(LessonContext say)
    {
        using (Signal.Handle(Signal.SIGALRM, sig => say.Line($"  handler: got {Signal.Name(sig)} (on a pool thread)")))
        {
            try
            {
                say.Line($"signal.alarm(5) -> {Signal.Alarm(5)}");
                say.Line($"signal.alarm(1) replaces it, returning the {Signal.Alarm(1)} s left of the first (one clock per process)");
                say.Line($"signal.pause() returned: {Signal.Pause(Patience)} (after the handler ran)");
            }
            finally
            {
                Signal.Alarm(0); // never leave an alarm behind the restored default action
            }
        }
        say.Line("kill -l: " + string.Join(" ", Signal.List().Take(15).Select(s => $"{s.Number}) {s.Name}")) + " …");
    }

    private static void HandleTerm(ProcessEvent ready)
    {
        using var stop = new ManualResetEventSlim();
        using (Signal.Handle(Signal.SIGTERM, _ => stop.Set()))
        {
            ready.Set();
            stop.Wait(Patience);
        }
        Console.WriteLine($"  child {Environment.ProcessId}: got SIGTERM, cleaning up, exiting normally");
    }

    private static void NoHandler(ProcessEvent ready)
    {
        ready.Set();
        Thread.Sleep(Timeout.Infinite);
    }

    private static void KillChild(LessonContext say)
    {
        foreach (var (target, label) in new (Action<ProcessEvent>, string)[] { (HandleTerm, "with a SIGTERM handler"), (NoHandler, "without one") })
        {
            using var ready = new ProcessEvent();
            using var child = SpindleProcess.Create(target, ready);
            child.Start();
            ready.Wait(Patience);
            Signal.Kill(child.Pid!.Value, Signal.SIGTERM); // os.kill(pid, signal.SIGTERM)
            child.Join();
            say.Line($"child {label}: exit code {child.ExitCode}");
        }
    }
}
