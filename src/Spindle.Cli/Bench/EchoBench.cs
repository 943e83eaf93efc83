using System.Globalization;
using System.Net;
using Spindle.Cli.Echo;

namespace Spindle.Cli.Bench;

/// <summary>
/// The echo figures of issue 7: 100 clients × 2,000 round trips of 64 bytes, driven by <see cref="EchoLoad"/> against
/// each model of <c>spindle echo serve</c> and (with <c>--vs-python</c>) against the Python peer's selectors server
/// (<c>b11_echo.py --server selectors</c>), and the hub model also against gevent's (<c>--server gevent</c>) — the same
/// client for all, so the ratio is the servers'. Every server runs in
/// its own process, so its CPU time (utime + stime from /proc) is its own. As the peer: a warm-up run, then the median
/// of several runs, each on fresh connections.
/// </summary>
internal static class EchoBench
{
    private const int Clients = 100, Rounds = 2_000, Size = 64, WarmUpRounds = 200, Runs = 3;
    private const int Crowd = 10_000, CrowdRounds = 20; // issue 8: 10,000 connections held on one hub thread
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>The suite.</summary>
    public static BenchSuite Suite { get; } = new("echo",
        "echo servers, 100 clients × 2,000 round trips of 64 B, each model in its own process: round trips/s and server CPU per round trip; Python's selectors server",
        Run);

    private static List<BenchRow> Run(BenchContext context)
    {
        var python = Peer(context, "selectors");
        var gevent = Peer(context, "gevent"); // the hub's own peer (issue 8)
        var geventCrowd = PeerCrowd(context, "gevent");
        var figures = new Dictionary<string, Figure>();
        foreach (var model in EchoModels.All)
        {
            context.Progress($"spindle echo serve --model {model.Name} …");
            using var server = EchoServerProcess.Start(CliProcess.StartInfo("echo", "serve", "--model", model.Name, "--port", "0"), Patience);
            figures[model.Name] = MeasureServer(server);
            context.Progress($"  {figures[model.Name]}");
            var code = server.Stop(Patience);
            if (code != 0) context.Progress($"  the {model.Name} server exited with {code} after SIGTERM, not 0: {server.Output}");
        }

        // Every model beside Python's selectors server; the hub also beside gevent's StreamServer, the server it ports.
        var rows = new List<BenchRow>();
        foreach (var (name, f) in figures)
            rows.Add(new($"{name}: round trips/s", f.RoundTripsPerSecond, python?.RoundTripsPerSecond, "round trips/s", HigherIsBetter: true));
        rows.Add(new("hub: round trips/s (peer: gevent StreamServer)", figures[HubEcho.Model.Name].RoundTripsPerSecond, gevent?.RoundTripsPerSecond, "round trips/s", HigherIsBetter: true));
        foreach (var (name, f) in figures)
        {
            rows.Add(new($"{name}: server CPU per round trip", f.CpuMicroseconds, python?.CpuMicroseconds, "µs", HigherIsBetter: false,
                name == EpollEcho.Model.Name ? "≤ ¼ of Python's (≥ 4×)" : ""));
        }
        rows.Add(new("hub: server CPU per round trip (peer: gevent StreamServer)", figures[HubEcho.Model.Name].CpuMicroseconds, gevent?.CpuMicroseconds, "µs", HigherIsBetter: false, "≤ ⅕ of gevent's (≥ 5×)"));
        context.Progress($"spindle echo serve --model hub, {Crowd:N0} connections at once …");
        using (var hub = EchoServerProcess.Start(CliProcess.StartInfo("echo", "serve", "--model", HubEcho.Model.Name, "--port", "0"), Patience))
        {
            rows.Add(new($"hub: {Crowd:N0} connections at once × {CrowdRounds} round trips (peer: gevent StreamServer)", CrowdRate(hub), geventCrowd,
                "round trips/s", HigherIsBetter: true, "all held on one thread"));
            hub.Stop(Patience);
        }
        var epoll = figures[EpollEcho.Model.Name].RoundTripsPerSecond;
        var async = figures[AsyncEcho.Model.Name].RoundTripsPerSecond;
        rows.Add(new("epoll's round trips/s ÷ async's (Spindle column: the ratio)", epoll / async, null, "×", HigherIsBetter: true, "≥ 1×"));
        return rows;
    }

    /// <summary>The peer's <paramref name="server"/> (<c>b11_echo.py --server NAME</c>) under the same load; null without <c>--vs-python</c>.</summary>
    private static Figure? Peer(BenchContext context, string server)
    {
        if (context.PythonProcess("b11_echo.py", "--server", server) is not { } peer) return null;
        context.Progress($"python: b11_echo.py --server {server}, driven by spindle's load client …");
        using var process = EchoServerProcess.Start(peer, Patience);
        var figure = MeasureServer(process);
        process.Stop(Patience);
        context.Progress($"  {figure}");
        return figure;
    }

    /// <summary>The peer's <paramref name="server"/> holding <see cref="Crowd"/> connections at once; null without <c>--vs-python</c>.</summary>
    private static double? PeerCrowd(BenchContext context, string server)
    {
        if (context.PythonProcess("b11_echo.py", "--server", server) is not { } peer) return null;
        context.Progress($"python: b11_echo.py --server {server}, {Crowd:N0} connections at once …");
        using var process = EchoServerProcess.Start(peer, Patience);
        var rate = CrowdRate(process);
        process.Stop(Patience);
        return rate;
    }

    /// <summary>Round trips/s of <see cref="Crowd"/> connections open at once, every echo checked.</summary>
    private static double CrowdRate(EchoServerProcess server)
    {
        using var load = EchoLoad.Connect(new IPEndPoint(IPAddress.Loopback, server.Port), Crowd, Size);
        return load.Run(CrowdRounds, Patience).RoundTripsPerSecond;
    }

    /// <summary>Round trips/s and server CPU µs per round trip (of which in the kernel), the median of each over the runs.</summary>
    private sealed record Figure(double RoundTripsPerSecond, double CpuMicroseconds, double KernelMicroseconds)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{RoundTripsPerSecond:N0} round trips/s; server CPU {CpuMicroseconds:0.00} µs per round trip, {KernelMicroseconds:0.00} µs of it in the kernel");
    }

    private static Figure MeasureServer(EchoServerProcess server)
    {
        var endpoint = new IPEndPoint(IPAddress.Loopback, server.Port);
        Once(endpoint, server, WarmUpRounds); // JIT, thread pool, the kernel's socket caches
        var runs = Enumerable.Range(0, Runs).Select(_ => Once(endpoint, server, Rounds)).ToList();
        return new(
            Measure.Median(runs.Select(r => r.RoundTripsPerSecond)),
            Measure.Median(runs.Select(r => r.CpuMicroseconds)),
            Measure.Median(runs.Select(r => r.KernelMicroseconds)));
    }

    private static Figure Once(IPEndPoint endpoint, EchoServerProcess server, int rounds)
    {
        using var load = EchoLoad.Connect(endpoint, Clients, Size);
        var (cpu, kernel) = (server.CpuTime, server.KernelTime);
        var result = load.Run(rounds, Patience);
        var (usedCpu, usedKernel) = (server.CpuTime - cpu, server.KernelTime - kernel);
        return new(result.RoundTripsPerSecond, usedCpu.TotalMicroseconds / result.RoundTrips, usedKernel.TotalMicroseconds / result.RoundTrips);
    }
}
