using System.Diagnostics;
using System.Globalization;
using Spindle.Processes;

namespace Spindle.Benchmarks;

/// <summary>
/// Start+join of a no-op process, in one run: a bare start of this same app (`dotnet Spindle.Benchmarks.dll --noop`,
/// the floor any .NET child pays), a cold <see cref="SpindleProcess"/>, and Python's spawn and fork from the peer script.
/// Milliseconds are too coarse and too noisy for BenchmarkDotNet's statistics here; medians of 20 are what the peer
/// script reports too.
/// </summary>
internal static class ProcessStartHarness
{
    private const int Runs = 20;

    public static List<(string Figure, double Spindle, double Peer, string Note)> Run(Dictionary<string, (double Median, string Unit)> python)
    {
        var bare = Median(BareStart);
        var cold = Median(ColdStart);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  bare .NET start {bare:F1} ms, cold SpindleProcess {cold:F1} ms"));
        var rows = new List<(string, double, double, string)>
        {
            ("cold start+join / bare `dotnet app.dll` (ms; goal ≤ 1.2×)", cold, bare, "lower is better"),
        };
        if (python.TryGetValue("process.spawn.start_join", out var spawn))
            rows.Add(("cold start+join vs Python spawn (ms)", cold, spawn.Median, "lower is better"));
        if (python.TryGetValue("process.fork.start_join", out var fork))
            rows.Add(("cold start+join vs Python fork (ms)", cold, fork.Median, "lower is better"));
        return rows;
    }

    private static double Median(Action start)
    {
        for (var i = 0; i < 3; i++) start(); // warm-up: page cache, JIT of the parent's side
        var times = new double[Runs];
        for (var i = 0; i < Runs; i++)
        {
            var clock = Stopwatch.StartNew();
            start();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[Runs / 2];
    }

    private static void BareStart()
    {
        var self = Environment.ProcessPath!;
        var psi = self.EndsWith("dotnet", StringComparison.Ordinal)
            ? new ProcessStartInfo(self) { ArgumentList = { typeof(ProcessStartHarness).Assembly.Location, "--noop" } }
            : new ProcessStartInfo(self) { ArgumentList = { "--noop" } };
        psi.UseShellExecute = false;
        using var p = Process.Start(psi)!;
        p.WaitForExit();
    }

    private static void ColdStart()
    {
        using var p = new SpindleProcess(static () => { });
        p.Start();
        p.Join();
        if (p.ExitCode != 0) throw new InvalidOperationException($"no-op child exited with {p.ExitCode}");
    }
}
