using System.Diagnostics;
using Spindle.Ipc;
using Spindle.Managers;
using Spindle.Processes;

namespace Spindle.Cli.Bench;

/// <summary>
/// Issue 6's figure: 20,000 dictionary sets through a manager proxy from a child process, the child timing its own
/// loop — exactly what <c>b06_manager.py</c> measures with <c>mgr.dict()</c>. Each set is a request to the manager's
/// server process and its reply. Median of 5 runs, as the peer reports.
/// </summary>
internal static class ManagerBench
{
    private const int Sets = 20_000;
    private const int Runs = 5;

    /// <summary>The suite.</summary>
    public static BenchSuite Suite { get; } = new("managers", "20,000 dict sets through a manager proxy from a child process, vs Python's manager", Run);

    private static List<BenchRow> Run(BenchContext context)
    {
        double median;
        using (var manager = Manager.StartNew())
        {
            OneRun(manager); // warm-up: the server's and the child's code paths
            var rates = new double[Runs];
            for (var i = 0; i < Runs; i++)
            {
                rates[i] = OneRun(manager);
                context.Progress($"run {i + 1}: {rates[i]:N0} sets/s");
            }
            Array.Sort(rates);
            median = rates[Runs / 2];
        }
        return
        [
            new("dict[i] = i from a child, 20,000 sets", median, context.PythonFigure("b06_manager.py", "manager.dict.setitem.child"), "ops/s", HigherIsBetter: true, "≥ 5×"),
        ];
    }

    private static double OneRun(Manager manager)
    {
        using var d = manager.Dict<int, int>();
        var (mine, theirs) = Pipe.Create();
        using (mine)
        using (theirs)
        {
            using var child = SpindleProcess.Create(SetAll, d, theirs);
            child.Start();
            var seconds = mine.Recv<double>();
            child.Join();
            if (d.Count != Sets || d[Sets - 1] != Sets - 1) throw new InvalidOperationException("the child's sets did not all arrive");
            return Sets / seconds;
        }
    }

    private static void SetAll(DictProxy<int, int> d, Connection report)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Sets; i++) d[i] = i;
        report.Send(clock.Elapsed.TotalSeconds);
    }
}
