using Spindle.Processes;
using Spindle.Threading;

namespace Spindle.Cli.Bench;

/// <summary>
/// Seed 003's efficiency test (its "Line / thread / Process × cpu / IO" table): the same CPU-bound job and the same
/// IO-bound job, 10 of each, run serially, on 10 threads and in 10 processes, by wall time — beside the same table
/// from Python (<c>bench/peers/efficiency.py</c>, the same jobs) with <c>--vs-python</c>. .NET has no GIL: its threads
/// run the CPU-bound job on every core, where Python's take as long as running serially. The CPU-bound job counts
/// 100 times as far in .NET, so that one job takes about as long in both languages.
/// </summary>
/// <remarks>
/// The ways of running the jobs are the rows of <see cref="Modes"/>; coroutines join them by adding a row here and
/// its twin to the peer's <c>MODES</c>. A .NET process costs tens of milliseconds to start (Python forks in about two),
/// which jobs this short show.
/// </remarks>
internal static class EfficiencyBench
{
    private const string Peer = "efficiency.py";
    private const int Jobs = 10;
    private const int Runs = 3;
    // The peer counts to 2,000,000 (COUNT_TO); compiled code counts 100 times as far in about the same time, so a job
    // lasts about as long in both languages and the table compares how each runs the same amount of waiting or work.
    private const long CountTo = 200_000_000;
    private const int Lines = 170_000;      // the peer's LINES

    /// <summary>How the 10 jobs run: one row each (the seam where coroutines join).</summary>
    private static readonly (string Name, Action<Action<int, string>, string> Run)[] Modes =
    [
        ("serial", Serial),
        ("threads", Threads),
        ("processes", Processes),
    ];

    private static readonly (string Name, string Title, Action<int, string> Job)[] JobKinds =
    [
        ("cpu", "CPU-bound (count to 200M; Python: 2M)", CpuJob),
        ("io", "IO-bound", IoJob),
    ];

    /// <summary>The suite.</summary>
    public static BenchSuite Suite { get; } = new("efficiency",
        "seed 003's table: a CPU-bound and an IO-bound job × 10, serial / threads / processes, wall time (no GIL in .NET)", Run);

    private static List<BenchRow> Run(BenchContext context)
    {
        var rows = new List<BenchRow>();
        var folder = Directory.CreateTempSubdirectory("spindle-efficiency-").FullName;
        try
        {
            foreach (var (kind, title, job) in JobKinds)
            {
                job(-1, folder); // warm-up: JIT, page cache
                double? serial = null, serialPeer = null;
                foreach (var (mode, run) in Modes)
                {
                    context.Progress($"{title} × {Jobs}, {mode} …");
                    var seconds = Measure.Median(() => Measure.Time(() => run(job, folder)).TotalSeconds, Runs);
                    var peer = context.PythonFigure(Peer, $"efficiency.{kind}.{mode}");
                    rows.Add(new($"{title} × {Jobs}, {mode}", seconds, peer, "s", HigherIsBetter: false));
                    if (serial is null)
                    {
                        (serial, serialPeer) = (seconds, peer);
                        continue;
                    }
                    // The shape of the table, per language: how much faster than serial (Python's threads stay near 1× on CPU).
                    rows.Add(new($"  {mode} speed-up over serial (ratio: Spindle's over Python's)", serial.Value / seconds,
                        serialPeer / peer, "×", HigherIsBetter: true));
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        return rows;
    }

    /// <summary>The seed's <c>count(x, y)</c>: a loop of additions.</summary>
    private static long Count(long x, long y)
    {
        long c = 0;
        while (c < CountTo)
        {
            c++;
            x++;
            y++;
        }
        return x + y;
    }

    private static void CpuJob(int index, string folder)
    {
        if (Count(1, 1) != 2 * CountTo + 2) throw new InvalidOperationException("count went wrong");
    }

    /// <summary>The seed's <c>io()</c>: write the lines to a file, read them all back.</summary>
    private static void IoJob(int index, string folder)
    {
        var path = Path.Combine(folder, $"io-{index}-{Environment.ProcessId}");
        using (var writer = new StreamWriter(path))
        {
            for (var i = 0; i < Lines; i++) writer.Write("hello world\n");
        }
        if (File.ReadAllLines(path).Length != Lines) throw new InvalidOperationException("the file lost lines");
        File.Delete(path);
    }

    private static void Serial(Action<int, string> job, string folder)
    {
        for (var i = 0; i < Jobs; i++) job(i, folder);
    }

    private static void Threads(Action<int, string> job, string folder)
    {
        var threads = Enumerable.Range(0, Jobs).Select(i => SpindleThread.Create(job, i, folder)).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
    }

    private static void Processes(Action<int, string> job, string folder)
    {
        var processes = Enumerable.Range(0, Jobs).Select(i => SpindleProcess.Create(job, i, folder)).ToList();
        processes.ForEach(p => p.Start());
        foreach (var p in processes)
        {
            p.Join();
            if (p.ExitCode != 0) throw new InvalidOperationException($"a job process exited with {p.ExitCode}");
            p.Dispose();
        }
    }
}
