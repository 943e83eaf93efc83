using System.Diagnostics;
using Spindle.Threading;

namespace Spindle.Cli.Lessons;

/// <summary>The thread lessons: seed 000 §7.3 (multithreading) and §7.4.8 (Timer), seed 003 (the threading module).</summary>
internal static class ThreadLessons
{
    // Never set: the lingering daemon of the daemon lesson waits on it until the process ends.
    private static readonly ManualResetEventSlim NeverSet = new();

    /// <summary>The lessons of this area, in tour order.</summary>
    public static IReadOnlyList<Lesson> All { get; } =
    [
        Lesson.Create("thread-two-ways", "seed 000 §7.3.2",
            "two ways to start a thread: a target with arguments, or a subclass overriding Run", TwoWays),
        Lesson.Create("thread-pid", "seed 000 §7.3.3",
            "threads share their process: one pid, one memory (each has its own kernel thread id)", SharedProcess),
        Lesson.Create("thread-attributes", "seed 000 §7.3.4",
            "thread attributes: Name, IsAlive, Threads.Current, Enumerate, ActiveCount", Attributes),
        Lesson.Create("thread-daemon", "seed 000 §7.3.5",
            "daemon threads: the main thread waits for the others, never for a daemon", Daemon),
        Lesson.Create("thread-timer", "seed 000 §7.4.8",
            "ThreadTimer: calls a function once after an interval, unless cancelled first", Timer),
    ];

    private static void TwoWays(LessonContext say)
    {
        say.NoteShortened();
        say.Line("way 1 — a target and its arguments. Python: Thread(target=task, args=('egon',))");
        var first = SpindleThread.Create((string who) =>
        {
            say.Line($"  {who} is running on {Threads.Current.Name}");
            LessonContext.SleepSeed(2);
            say.Line($"  {who} is done");
        }, "egon");
        first.Start();
        say.Line("  main: Start() returned at once; the thread runs beside the main code");
        first.Join();

        say.Line("way 2 — a subclass overriding Run. Python: class MyThread(Thread): def run(self): ...");
        var second = new GreetingThread(say, "alex");
        second.Start();
        say.Line("  main: Start() returned at once");
        second.Join();
        say.Line("main: both threads joined");
    }

    private sealed class GreetingThread(LessonContext say, string who) : SpindleThread(name: $"GreetingThread-{who}")
    {
        protected override void Run()
        {
            say.Line($"  {who} is running in {GetType().Name}.Run on {Name}");
            LessonContext.SleepSeed(2);
            say.Line($"  {who} is done");
        }
    }

    private static void SharedProcess(LessonContext say)
    {
        say.Line($"main thread: pid {Environment.ProcessId}, kernel thread id {Threads.GetNativeId()}");
        var threads = Enumerable.Range(1, 3)
            .Select(n => SpindleThread.Create((int i) =>
                say.Line($"thread {i}:    pid {Environment.ProcessId}, kernel thread id {Threads.GetNativeId()}"), n))
            .ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        say.Line("one pid for all: threads live inside one process; child processes would each have their own pid.");

        var n = 100;
        var changer = new SpindleThread(() => n = 0);
        changer.Start();
        changer.Join();
        say.Line($"a thread set n = 0; the main thread now reads n = {n}: threads share the process's memory");
        say.Note("(a child process would have changed its own copy, and the parent would still read 100)");
    }

    private static void Attributes(LessonContext say)
    {
        using var ready = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var worker = new SpindleThread(() =>
        {
            say.Line($"  inside the thread: Threads.Current.Name = {Threads.Current.Name}");
            ready.Set();
            release.Wait();
        }, name: "worker");
        say.Line($"before Start: IsAlive = {worker.IsAlive}, Ident = {worker.Ident?.ToString() ?? "null"}");
        worker.Start();
        ready.Wait();
        say.Line($"after Start:  IsAlive = {worker.IsAlive}, Ident = {worker.Ident}, NativeId = {worker.NativeId}");
        worker.Name = "renamed-worker";
        say.Line($"Name set (Python setName): {worker.Name}");
        say.Line($"Threads.Current here:   {Threads.Current}");
        say.Line($"Threads.Main:           {Threads.Main}");
        say.Line($"Threads.Enumerate():    {string.Join(", ", Threads.Enumerate())}");
        say.Line($"Threads.ActiveCount:    {Threads.ActiveCount}  (= Enumerate().Count)");
        release.Set();
        worker.Join();
        say.Line($"after Join:   IsAlive = {worker.IsAlive}, ActiveCount = {Threads.ActiveCount}");
    }

    private static void Daemon(LessonContext say)
    {
        say.NoteShortened();
        var foo = new SpindleThread(() =>
        {
            say.Line("  foo: 123");
            LessonContext.SleepSeed(1);
            say.Line("  foo: end123");
        }, name: "foo", daemon: true);
        var bar = new SpindleThread(() =>
        {
            say.Line("  bar: 456");
            LessonContext.SleepSeed(3);
            say.Line("  bar: end456");
        }, name: "bar");
        foo.Start();
        bar.Start();
        say.Line("main-------  (the main code ends here, yet the main thread is not done: bar is not a daemon)");
        // Python's interpreter joins every non-daemon thread at exit (threading._shutdown); .NET waits for foreground threads.
        bar.Join();
        say.Line($"bar joined: only now is the main thread done. foo (daemon, shorter): IsAlive = {foo.IsAlive}");

        var lingering = new SpindleThread(() => NeverSet.Wait(), name: "lingering-daemon", daemon: true);
        lingering.Start();
        say.Line($"{lingering.Name}: IsDaemon = {lingering.IsDaemon}, IsAlive = {lingering.IsAlive}, blocked on an event nobody sets");
        say.Line("this lesson ends without joining it: a daemon never holds the process; it dies with spindle when spindle exits");
        say.Note("(a non-daemon thread blocked like this would keep the process alive forever)");
    }

    private static void Timer(LessonContext say)
    {
        say.NoteShortened();
        var interval = LessonContext.SeedTime(1);
        var start = Stopwatch.GetTimestamp();
        var hello = ThreadTimer.Create(interval, (string who) =>
            say.Line($"  hello, {who}: fired after {LessonContext.Ms(Stopwatch.GetElapsedTime(start))} on {Threads.Current.Name}"), "world");
        hello.Start();
        say.Line($"timer started: Timer(1, hello) fires in {LessonContext.Ms(interval)}");
        hello.Join();
        say.Line($"it fired once; Cancel() afterwards is harmless: Cancel() = {hello.Cancel()}");

        var never = new ThreadTimer(LessonContext.SeedTime(3), () => say.Line("  this line is never printed"));
        never.Start();
        say.Line($"a second timer, due in {LessonContext.Ms(never.Interval)}: Cancel() before it fires = {never.Cancel()}");
        never.Join();
        say.Line("joined: it ended without calling its function");
    }
}
