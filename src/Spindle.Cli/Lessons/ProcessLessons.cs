using System.Diagnostics;
using Spindle.Processes;
using Spindle.Threading;
using ProcessesApi = Spindle.Processes.Processes;

namespace Spindle.Cli.Lessons;

/// <summary>
/// The process lessons: seed 000 §7.2.2–7.2.4 and §7.3.3, seed 002 (Process), seed 003. Every target below runs in a
/// real child process: it writes with <see cref="Console"/> (the child's stdout is the parent's), never through the
/// lesson's own console object, which stays in the parent.
/// </summary>
internal static class ProcessLessons
{
    private static int s_counter = 100;

    /// <summary>The lessons of this area, in tour order.</summary>
    public static IReadOnlyList<Lesson> All { get; } =
    [
        Lesson.Create("process-two-ways", "seed 000 §7.2.2, seed 002",
            "two ways to start a process: a target with arguments, or a subclass overriding Run", TwoWays),
        Lesson.Create("process-join", "seed 000 §7.2.3",
            "Join makes the parent wait: three children run at once, the parent waits for the longest, not the sum", Join),
        Lesson.Create("process-terminate", "seed 000 §7.2.3",
            "Terminate and IsAlive: SIGTERM takes a moment; after Join the exit code says -15", Terminate),
        Lesson.Create("process-name-pid", "seed 000 §7.2.3, seed 003",
            "Name and Pid, seen from the parent and from the child (with its parent's pid)", NameAndPid),
        Lesson.Create("process-daemon", "seed 000 §7.2.4",
            "a daemon process ends with its parent; a daemon cannot have children", Daemon),
        Lesson.Create("process-isolation", "seed 000 §7.2.1, seed 002",
            "a child cannot change the parent's variables: each process has its own memory", Isolation),
        Lesson.Create("process-exception", "beyond Python",
            "a child's exception comes back to the parent with its type, message and stack; exit code 1", RemoteError),
        Lesson.Create("thread-vs-process-pid", "seed 000 §7.3.3",
            "threads share the pid; processes each have their own; and the CPU count", Pids),
    ];

    private static void Greet(string who) =>
        Console.WriteLine($"  {ProcessesApi.Current.Name} (pid {Environment.ProcessId}) greets {who}");

    private sealed class Greeter : SpindleProcess
    {
        public Greeter(string name) : base(name) { }

        public string Who { get; set; } = "";

        protected override void Run() => Console.WriteLine($"  {Name}.Run (pid {Environment.ProcessId}) greets {Who}");
    }

    private static void TwoWays(LessonContext say)
    {
        say.Line("way 1 — a target and its arguments. Python: Process(target=run_proc, args=('test',))");
        using (var p1 = SpindleProcess.Create<string>(Greet, "alex", name: "way-1-target"))
        {
            p1.Start();
            p1.Join();
        }
        say.Line("way 2 — a subclass overriding Run. Python: class MyProcess(Process): def run(self): ...");
        using var p2 = new Greeter("way-2-subclass") { Who = "egon" };
        p2.Start();
        p2.Join();
        say.Note("The child runs only the target (never Main): it is this program started again, told to run one delegate.");
    }

    private static void Join(LessonContext say)
    {
        say.NoteShortened();
        var clock = Stopwatch.StartNew();
        var children = Enumerable.Range(1, 3).Select(n => SpindleProcess.Create<int>(static k =>
        {
            Thread.Sleep(LessonContext.SeedTime(k));
            Console.WriteLine($"  task {k} done in pid {Environment.ProcessId}");
        }, n)).ToList();
        children.ForEach(p => p.Start());
        children.ForEach(p => p.Join());
        say.Line($"main waited {LessonContext.Ms(clock.Elapsed)}: about the longest child ({LessonContext.Ms(LessonContext.SeedTime(3))}) plus start-up, not the sum");
        children.ForEach(p => p.Dispose());
    }

    private static void Terminate(LessonContext say)
    {
        using var p = new SpindleProcess(static () => Thread.Sleep(Timeout.Infinite), name: "sleeper");
        p.Start();
        say.Line($"after Start: IsAlive={p.IsAlive}");
        p.Terminate();
        say.Line($"right after Terminate: IsAlive={p.IsAlive} (the signal takes a moment to land, as in Python)");
        p.Join();
        say.Line($"after Join: IsAlive={p.IsAlive}, ExitCode={p.ExitCode} (-15: killed by SIGTERM)");
    }

    private static void NameAndPid(LessonContext say)
    {
        using var p = new SpindleProcess(static () =>
            Console.WriteLine($"  in the child: name={ProcessesApi.Current.Name} pid={Environment.ProcessId} parent pid={ProcessesApi.Parent?.Pid}"),
            name: "egon");
        p.Start();
        say.Line($"the parent sees: name={p.Name} pid={p.Pid}; its own pid={Environment.ProcessId}");
        p.Join();
    }

    private static void Daemon(LessonContext say)
    {
        using var a = new SpindleProcess(static () =>
        {
            var b = new SpindleProcess(static () => Thread.Sleep(Timeout.Infinite), name: "daemon-B", daemon: true);
            b.Start();
            Console.WriteLine($"  A (pid {Environment.ProcessId}) started daemon B (pid {b.Pid}); A's code ends now");
        }, name: "A");
        a.Start();
        a.Join();
        say.Line($"A exited with {a.ExitCode}; at its exit its daemon child B was terminated, as Python's atexit does");

        using var daemon = new SpindleProcess(static () =>
        {
            try
            {
                new SpindleProcess(static () => { }).Start();
            }
            catch (InvalidOperationException e)
            {
                Console.WriteLine($"  a daemon that tries to start a child: {e.Message}");
            }
        }, name: "D", daemon: true);
        daemon.Start();
        daemon.Join();
    }

    private static void Isolation(LessonContext say)
    {
        s_counter = 100;
        using var p = new SpindleProcess(static () =>
        {
            s_counter = 0;
            Console.WriteLine($"  the child set its counter to {s_counter}");
        });
        p.Start();
        p.Join();
        say.Line($"the parent still has counter = {s_counter}");
    }

    private static void RemoteError(LessonContext say)
    {
        using var p = new SpindleProcess(static () => throw new InvalidOperationException("no ticket left"), name: "buyer");
        p.Start();
        p.Join();
        say.Line($"ExitCode={p.ExitCode}; p.Exception: {p.Exception?.RemoteTypeName}: {p.Exception?.Message}");
        say.Note("(the child also printed the traceback to its stderr, as Python does)");
    }

    private static void Pids(LessonContext say)
    {
        var t = new SpindleThread(() => say.Line($"  a thread:  pid {Environment.ProcessId}"));
        t.Start();
        t.Join();
        using var p = new SpindleProcess(static () => Console.WriteLine($"  a process: pid {Environment.ProcessId}"));
        p.Start();
        p.Join();
        say.Line($"  main:      pid {Environment.ProcessId}");
        say.Line($"cpu_count() = {ProcessesApi.CpuCount}");
    }
}
