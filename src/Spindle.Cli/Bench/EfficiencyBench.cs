using Spindle.Coroutines;
using Spindle.Processes;
using Spindle.Threading;

namespace Spindle.Cli.Bench;

/// <summary>
/// Seed 003's efficiency test (its "Line / thread / Process × cpu / IO" table): the same CPU-bound job and the same
/// IO-bound job, 10 of each, run serially, on 10 threads, in 10 processes and as 10 coroutines on one hub thread, by
/// wall time — beside the same table from Python (<c>bench/peers/efficiency.py</c>, the same jobs, gevent for the
/// coroutines) with <c>--vs-python</c>. .NET has no GIL: its threads run the CPU-bound job on every core, where
/// Python's take as long as running serially. The CPU-bound job counts 100 times as far in .NET, so that one job takes
/// about as long in both languages.
/// </summary>
/// <remarks>
/// <para>The seed's IO-bound job writes and reads a file: on the hub (as in gevent) that blocks the one thread, so
/// coroutines run it no faster than serially. A third job waits instead — ten 10 ms waits, as for replies from a slow
/// server — which the hub overlaps as threads do, on one thread: what coroutines are for. Coroutines do not help the
/// CPU-bound job either: it never waits, so each runs to its end before the next starts.</para>
/// <para>A .NET process costs tens of milliseconds to start (Python forks in about two), which jobs this short show.</para>
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
    private const int Waits = 10;           // the peer's WAITS
    private static readonly TimeSpan Wait = TimeSpan.FromMilliseconds(10); // the peer's WAIT

    /// <summary>How the 10 jobs run, one row each: the name in the peer's figures, and the row's words.</summary>
    private static readonly (string Name, string Label, Action<Job, string> Run)[] Modes =
    [
        ("serial", "serial", Serial),
        ("threads", "threads", Threads),
        ("processes", "processes", Processes),
        ("coroutines", "coroutines (one hub thread; Python: gevent)", Coroutines),
    ];

    private static readonly Job[] JobKinds =
    [
        new("cpu", "CPU-bound (count to 200M; Python: 2M)", CpuJob, Blocking(CpuJob)),
        new("io", "IO-bound, a file (170k lines written, read)", IoJob, Blocking(IoJob)),
        new("wait", "IO-bound, waiting (10 × 10 ms a job)", WaitJob, WaitJobOnHub),
    ];

    /// <summary>The suite.</summary>
    public static BenchSuite Suite { get; } = new("efficiency",
        "seed 003's table: CPU-bound and IO-bound jobs × 10, serial / threads / processes / coroutines, wall time (no GIL in .NET)", Run);

    private static List<BenchRow> Run(BenchContext context)
    {
        var rows = new List<BenchRow>();
        var folder = Directory.CreateTempSubdirectory("spindle-efficiency-").FullName;
        try
        {
            foreach (var job in JobKinds)
            {
                var (kind, title) = (job.Name, job.Title);
                job.Run(-1, folder); // warm-up: JIT, page cache
                double? serial = null, serialPeer = null;
                foreach (var (mode, label, run) in Modes)
                {
                    context.Progress($"{title} × {Jobs}, {label} …");
                    var seconds = Measure.Median(() => Measure.Time(() => run(job, folder)).TotalSeconds, Runs);
                    var peer = context.PythonFigure(Peer, $"efficiency.{kind}.{mode}");
                    rows.Add(new($"{title} × {Jobs}, {label}", seconds, peer, "s", HigherIsBetter: false));
                    if (serial is null)
                    {
                        (serial, serialPeer) = (seconds, peer);
                        continue;
                    }
                    // The shape of the table, per language: how much faster than serial (Python's threads stay near 1× on
                    // CPU); the lead is Spindle's speed-up over Python's.
                    rows.Add(new("    its speed-up over serial", serial.Value / seconds, serialPeer / peer, "×", HigherIsBetter: true));
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

    /// <summary>The seed 004 kind of IO: waiting for something slow (gevent's <c>sleep</c> stands for a request).</summary>
    private static void WaitJob(int index, string folder)
    {
        for (var i = 0; i < Waits; i++) Thread.Sleep(Wait);
    }

    private static async Task WaitJobOnHub(int index, string folder)
    {
        for (var i = 0; i < Waits; i++) await Hub.SleepAsync(Wait);
    }

    /// <summary>A job as a coroutine that never yields: it runs to its end on the hub thread (file IO blocks it, as in gevent).</summary>
    private static Func<int, string, Task> Blocking(Action<int, string> job) => (index, folder) =>
    {
        job(index, folder);
        return Task.CompletedTask;
    };

    private static void Serial(Job job, string folder)
    {
        for (var i = 0; i < Jobs; i++) job.Run(i, folder);
    }

    private static void Threads(Job job, string folder)
    {
        var threads = Enumerable.Range(0, Jobs).Select(i => SpindleThread.Create(job.Run, i, folder)).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
    }

    private static void Processes(Job job, string folder)
    {
        var processes = Enumerable.Range(0, Jobs).Select(i => SpindleProcess.Create(job.Run, i, folder)).ToList();
        processes.ForEach(p => p.Start());
        foreach (var p in processes)
        {
            p.Join();
            if (p.ExitCode != 0) throw new InvalidOperationException($"a job process exited with {p.ExitCode}");
            p.Dispose();
        }
    }

    private static void Coroutines(Job job, string folder) => HubThread.Run(() =>
    {
        var greenlets = Enumerable.Range(0, Jobs).Select(i => Hub.Spawn(() => job.RunOnHub(i, folder))).ToList();
        return Hub.JoinAll(greenlets, raiseError: true);
    });

    /// <summary>A job kind: its name in the peer's figures, its title, and how it runs on a thread and as a coroutine.</summary>
    private sealed record Job(string Name, string Title, Action<int, string> Run, Func<int, string, Task> RunOnHub);
}
