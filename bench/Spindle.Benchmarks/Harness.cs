using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Spindle.Cli.Bench;

namespace Spindle.Benchmarks;

/// <summary>
/// Runs the BenchmarkDotNet suites, or (<c>--vs-python</c>) the micro-figures of docs/performance.md with their Python
/// peer in the same run. Whole-program figures (process start, pools, echo servers…) are <c>spindle bench</c>'s.
/// </summary>
internal static class Harness
{
    // Spindle benchmark → (peer script, peer figure, goal as a ratio). Peer figures are rates (per second).
    private static readonly (string Benchmark, string Script, string Figure, double Goal)[] RatePairs =
    [
        (nameof(ThreadingBenchmarks.QueuePutGet), "b07_threading.py", "thread.queue.put_get.5e5", 20),
        (nameof(ThreadingBenchmarks.ExecutorSubmitResult), "b07_threading.py", "thread.tpe4.submit_result.1e5", 20),
        (nameof(ThreadingBenchmarks.LockUncontended), "b07_threading.py", "thread.lock.uncontended", 5),
        (nameof(IpcBenchmarks.ProcessLockUncontended), "b05_shared.py", "mplock.uncontended", 2.2),
    ];

    public static int Run(string[] args)
    {
        if (!args.Contains("--vs-python"))
        {
            BenchmarkSwitcher.FromAssembly(typeof(Harness).Assembly).Run(args);
            return 0;
        }
        var config = ManualConfig.Create(DefaultConfig.Instance).AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10));
        var threading = BenchmarkRunner.Run<ThreadingBenchmarks>(config);
        var serialization = BenchmarkRunner.Run<SerializationBenchmarks>(config);
        var ipc = BenchmarkRunner.Run<IpcBenchmarks>(config);

        Dictionary<string, PeerFigure> python = [];
        foreach (var script in RatePairs.Select(p => p.Script).Distinct())
        {
            if (PythonPeer.FindScript(script) is not { } path)
                Console.WriteLine($"Python peer {script} not found (../shared/peers/python): its ratios are omitted.");
            else
                foreach (var (k, v) in PythonPeer.Run(path, null, line => Console.WriteLine($"  {line}"))) python[k] = v;
        }

        Console.WriteLine();
        Console.WriteLine("| figure | Spindle | Python | ratio | goal |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var (benchmark, _, figure, goal) in RatePairs)
        {
            var spindle = PerSecond(threading, benchmark);
            if (double.IsNaN(spindle)) spindle = PerSecond(ipc, benchmark);
            var peer = python.TryGetValue(figure, out var p) ? p.Median : double.NaN;
            Row($"{benchmark} vs `{figure}` (/s)", spindle, peer, $"{spindle / peer:F1}×", $"≥ {goal}×");
        }
        var roundTrip = PerSecond(serialization, nameof(SerializationBenchmarks.ClosureRoundTrip));
        Row("closure with a 1 KiB record, encode+decode (/s)", roundTrip, double.NaN, "—", "≥ 1,000,000/s");
        return 0;
    }

    private static double PerSecond(Summary summary, string benchmark) =>
        summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == benchmark)?.ResultStatistics is { } stats
            ? 1e9 / stats.Median
            : double.NaN;

    private static void Row(string figure, double spindle, double peer, string ratio, string goal) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {figure} | {spindle:N1} | {peer:N1} | {ratio} | {goal} |"));
}
