using System.Diagnostics;
using Spindle.Processes;

namespace Spindle.Cli.Bench;

/// <summary>
/// Start+join of a no-op process (issue 3): a bare start of this same program (<c>spindle --noop</c>, the floor every
/// .NET child pays), a cold <see cref="SpindleProcess"/>, a warm one (<see cref="SpindleProcess.WarmSpares"/>), and
/// Python's spawn and fork from <c>b01_process.py</c>. Milliseconds are too coarse for BenchmarkDotNet's statistics;
/// medians of 20 are what the peer reports too.
/// </summary>
internal static class ProcessStartBench
{
    private const int Runs = 20;

    /// <summary>The suite.</summary>
    public static BenchSuite Suite { get; } = new("processes", "start+join of a no-op process: bare .NET start, cold, warm; Python spawn and fork", Run);

    private static List<BenchRow> Run(BenchContext context)
    {
        var bare = Median(BareStart);
        var cold = Median(SpindleStart);
        double warm;
        SpindleProcess.WarmSpares = 1;
        try
        {
            // Each start finds its spare booted, as a start after the app warmed up does; back to back, starts would
            // wait for the spare's refill, a cold start in the background.
            warm = Measure.Median(() =>
            {
                if (!SpindleProcess.WaitForWarmSpares(TimeSpan.FromSeconds(30))) throw new InvalidOperationException("the warm spare did not boot");
                return Measure.Time(SpindleStart).TotalMilliseconds;
            }, Runs, warmUps: 3);
        }
        finally
        {
            SpindleProcess.WarmSpares = 0;
        }
        return
        [
            new("bare .NET start of this program (`spindle --noop`)", bare, null, "ms", HigherIsBetter: false),
            new("cold start+join / bare start (Spindle column: the ratio)", cold / bare, null, "×", HigherIsBetter: false, "≤ 1.2×"),
            new("cold start+join vs Python spawn", cold, context.PythonFigure("b01_process.py", "process.spawn.start_join"), "ms", HigherIsBetter: false),
            new("warm start+join vs Python fork", warm, context.PythonFigure("b01_process.py", "process.fork.start_join"), "ms", HigherIsBetter: false, "≤ 1.5 ms"),
        ];
    }

    /// <summary>The median time of <paramref name="start"/> in ms, over <paramref name="runs"/> runs after 3 warm-ups (page cache, JIT, spares booted).</summary>
    internal static double Median(Action start, int runs = Runs) => Measure.Median(() => Measure.Time(start).TotalMilliseconds, runs, warmUps: 3);

    /// <summary>A bare start and exit of this same program (<c>spindle --noop</c>): the floor of every .NET child.</summary>
    internal static void BareStart()
    {
        using var p = Process.Start(CliProcess.StartInfo("--noop"))!;
        p.WaitForExit();
    }

    private static void SpindleStart()
    {
        using var p = new SpindleProcess(static () => { });
        p.Start();
        p.Join();
        if (p.ExitCode != 0) throw new InvalidOperationException($"no-op child exited with {p.ExitCode}");
    }
}
