using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Spindle.Benchmarks;

// dotnet run -c Release --project bench/Spindle.Benchmarks -- --filter '*'     BenchmarkDotNet suites
// dotnet run -c Release --project bench/Spindle.Benchmarks -- --vs-python      the same, plus the Python peer, as ratios
if (args.Contains("--vs-python"))
    return VsPython.Run();
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

/// <summary>Runs each Spindle figure and its Python peer in the same session and prints the ratio table.</summary>
internal static class VsPython
{
    // Spindle benchmark → (peer script, peer figure). Peer figures are rates (per second).
    private static readonly (string Benchmark, string Script, string Figure, double Goal)[] Pairs =
    [
        (nameof(ThreadingBenchmarks.QueuePutGet), "b07_threading.py", "thread.queue.put_get.5e5", 20),
        (nameof(ThreadingBenchmarks.ExecutorSubmitResult), "b07_threading.py", "thread.tpe4.submit_result.1e5", 20),
        (nameof(ThreadingBenchmarks.LockUncontended), "b07_threading.py", "thread.lock.uncontended", 5),
    ];

    public static int Run()
    {
        var peerDir = PythonPeer.FindPeerDirectory();
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10));
        var summary = BenchmarkRunner.Run<ThreadingBenchmarks>(config);

        Dictionary<string, (double Median, string Unit)> python = [];
        if (peerDir is null) Console.WriteLine("Python peer scripts not found (../shared/peers/python): ratios omitted.");
        else
            foreach (var script in Pairs.Select(p => p.Script).Distinct())
                foreach (var (k, v) in PythonPeer.Run(peerDir, script)) python[k] = v;

        Console.WriteLine();
        Console.WriteLine("| figure | Spindle (/s) | Python (/s) | ratio | goal |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var (benchmark, _, figure, goal) in Pairs)
        {
            var report = summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == benchmark);
            var spindle = report?.ResultStatistics is { } stats ? 1e9 / stats.Median : double.NaN;
            var peer = python.TryGetValue(figure, out var p) ? p.Median : double.NaN;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {benchmark} vs `{figure}` | {spindle:N0} | {peer:N0} | {spindle / peer:F1}× | ≥ {goal}× |"));
        }
        return 0;
    }
}
