using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Spindle.Selectors;

namespace Spindle.Cli.Bench;

/// <summary>
/// The selector figures of issue 7 (seed 001: select vs poll vs epoll): the cost of one wait (timeout 0) with N idle
/// connected sockets and 1 ready one registered, for N = 100, 1,000, 10,000, per selector, beside the peer
/// <c>b12_select_poll_epoll.py</c>; printed, and drawn in <c>selectors.svg</c>: select and poll grow with N, epoll stays flat.
/// </summary>
/// <remarks>
/// The idle sockets are Unix stream sockets whose other ends wait, never accepted, in listen backlogs: connected and
/// idle, one descriptor each, where the peer's socketpairs need two (it hands the other ends to a holder process).
/// select(2) only watches descriptors below FD_SETSIZE (1,024), and a .NET process already holds dozens (two per loaded
/// assembly), so select is measured with as many idle sockets as fit below 1,024 — the table says how many.
/// </remarks>
internal static class SelectorsBench
{
    private static readonly int[] Ns = [100, 1_000, 10_000];
    private const int Runs = 5, EpollCalls = 300_000;

    /// <summary>The suite.</summary>
    public static BenchSuite Suite { get; } = new("selectors",
        "one wait with N idle descriptors + 1 ready, N = 100, 1,000, 10,000, per selector (select, poll, epoll); plot in selectors.svg",
        Run);

    private static List<BenchRow> Run(BenchContext context)
    {
        context.Progress($"{OpenFilesLimit()}; the .NET runtime raises the soft limit to the hard one at start, so 10,000 sockets need no setrlimit here");
        var rows = new List<BenchRow>();
        var spindle = new Dictionary<string, List<(double, double)>> { ["select"] = [], ["poll"] = [], ["epoll"] = [] };
        foreach (var n in Ns)
        {
            // select(2) sees descriptors below 1,024 only: its own wake-up descriptor and the ready socket come first.
            using var select = n < 1024 ? new SelectSelector() : null;
            using var ready = ReadySocket.Open();
            using var idle = IdleSockets.Open(n);
            context.Progress($"N = {n:N0}: {n:N0} idle sockets open (descriptors {idle.Sockets.Min(s => (int)s.Handle)}–{idle.Sockets.Max(s => (int)s.Handle)})");

            if (select is not null)
            {
                var fitted = Fill(select, ready.Socket, idle.Sockets);
                var figure = fitted == n ? $"select, {n:N0} idle + 1 ready" : $"select, {fitted:N0} idle + 1 ready (all that fit below FD_SETSIZE; N = {n:N0} does not)";
                Add(rows, spindle["select"], figure, fitted, Time(select, ScanCalls(n)), fitted == n ? Peer(context, "select", n) : null, "");
            }
            using (var poll = new PollSelector())
            {
                Fill(poll, ready.Socket, idle.Sockets);
                Add(rows, spindle["poll"], $"poll, {n:N0} idle + 1 ready", n, Time(poll, ScanCalls(n)), Peer(context, "poll", n), "");
            }
            using (var epoll = new EpollSelector())
            {
                Fill(epoll, ready.Socket, idle.Sockets);
                Add(rows, spindle["epoll"], $"epoll, {n:N0} idle + 1 ready (Python: DefaultSelector)", n, Time(epoll, EpollCalls),
                    Peer(context, "selectors_default", n), n == 10_000 ? "≤ 1 µs" : "");
            }
        }

        // Spindle's solid, the peer's dashed in the same colour: select, poll, then epoll beside Python's DefaultSelector.
        var series = new List<ChartSeries>();
        string[] kinds = ["select", "poll", "epoll"];
        for (var k = 0; k < kinds.Length; k++)
        {
            series.Add(new ChartSeries($"Spindle {kinds[k]}", spindle[kinds[k]], Colour: k));
            var peerKind = kinds[k] == "epoll" ? "selectors_default" : kinds[k];
            var peer = Ns.Select(n => (N: n, Value: Peer(context, peerKind, n))).Where(p => p.Value is not null).Select(p => ((double)p.N, p.Value!.Value)).ToList();
            if (peer.Count > 0) series.Add(new ChartSeries($"Python {(kinds[k] == "epoll" ? "DefaultSelector" : kinds[k])}", peer, Dashed: true, Colour: k));
        }
        var path = Path.Combine(context.OutputDirectory, "selectors.svg");
        File.WriteAllText(path, SvgLineChart.Render("One wait with N idle descriptors + 1 ready", "N idle descriptors", "µs per wait", series));
        context.Progress($"plot written to {path}");
        return rows;
    }

    private static double? Peer(BenchContext context, string kind, int n) =>
        context.PythonFigure("b12_select_poll_epoll.py", $"wait.{kind}.n{n}");

    private static void Add(List<BenchRow> rows, List<(double, double)> series, string figure, int n, double micros, double? peer, string goal)
    {
        rows.Add(new(figure, micros, peer, "µs/wait", HigherIsBetter: false, goal));
        series.Add((n, micros));
    }

    /// <summary>As the peer: fewer calls where each one scans more.</summary>
    private static int ScanCalls(int n) => n switch { <= 100 => 50_000, <= 1_000 => 5_000, _ => 500 };

    /// <summary>Registers the ready socket and then idle ones, lowest descriptors first, until the selector refuses one; returns how many idle ones it took.</summary>
    private static int Fill(Selector selector, Socket ready, IReadOnlyList<Socket> idle)
    {
        selector.Register(ready, SelectorEvents.Read);
        var taken = 0;
        foreach (var socket in idle.OrderBy(s => (int)s.Handle))
        {
            try
            {
                selector.Register(socket, SelectorEvents.Read);
            }
            catch (ArgumentException) when (selector is SelectSelector)
            {
                break; // FD_SETSIZE
            }
            taken++;
        }
        return taken;
    }

    /// <summary>Median µs per <c>Select(0)</c> over the runs; every wait must find exactly the ready socket.</summary>
    private static double Time(ISelector selector, int calls)
    {
        if (selector.Select(TimeSpan.Zero) is not [{ Events: SelectorEvents.Read }])
            throw new InvalidOperationException($"{selector.GetType().Name}: a wait should find exactly the ready socket.");
        return Measure.Median(Enumerable.Range(0, Runs).Select(_ =>
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < calls; i++)
            {
                if (selector.Select(TimeSpan.Zero).Count != 1) throw new InvalidOperationException("The ready socket went missing.");
            }
            return Stopwatch.GetElapsedTime(start).TotalMicroseconds / calls;
        }));
    }

    private static string OpenFilesLimit()
    {
        var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var parts = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts is { Length: >= 5 } ? $"RLIMIT_NOFILE: soft {parts[3]}, hard {parts[4]}" : "RLIMIT_NOFILE: unknown";
    }

    private static string AbstractName() =>
        string.Create(CultureInfo.InvariantCulture, $"\0spindle-bench-{Environment.ProcessId}-{Guid.NewGuid():N}");

    /// <summary>A connected Unix socket with one unread byte: ready to read on every wait.</summary>
    private sealed class ReadySocket : IDisposable
    {
        private readonly Socket _peer;

        private ReadySocket(Socket socket, Socket peer)
        {
            Socket = socket;
            _peer = peer;
        }

        public Socket Socket { get; }

        public static ReadySocket Open()
        {
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(AbstractName()));
            listener.Listen(1);
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(listener.LocalEndPoint!);
            var peer = listener.Accept();
            peer.Send("!"u8);
            return new ReadySocket(socket, peer);
        }

        public void Dispose()
        {
            Socket.Dispose();
            _peer.Dispose();
        }
    }

    /// <summary>Connected Unix sockets whose other ends wait unaccepted in listen backlogs (abstract names: no file is left).</summary>
    private sealed class IdleSockets : IDisposable
    {
        private readonly List<Socket> _listeners = [];
        private readonly List<Socket> _sockets = [];

        public IReadOnlyList<Socket> Sockets => _sockets;

        public static IdleSockets Open(int count)
        {
            var idle = new IdleSockets();
            try
            {
                var listener = idle.Listen();
                while (idle._sockets.Count < count)
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { Blocking = false };
                    try
                    {
                        socket.Connect(listener.LocalEndPoint!);
                    }
                    catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.TryAgain)
                    {
                        // This backlog is full (somaxconn): the rest go to a new listener.
                        socket.Dispose();
                        listener = idle.Listen();
                        continue;
                    }
                    idle._sockets.Add(socket);
                }
                return idle;
            }
            catch
            {
                idle.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            foreach (var s in _sockets) s.Dispose();
            foreach (var l in _listeners) l.Dispose();
        }

        private Socket Listen()
        {
            var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _listeners.Add(listener);
            listener.Bind(new UnixDomainSocketEndPoint(AbstractName()));
            listener.Listen(int.MaxValue); // as many as somaxconn allows
            return listener;
        }
    }
}
