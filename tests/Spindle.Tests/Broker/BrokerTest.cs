using System.Globalization;
using Spindle.Broker;
using Spindle.Processes;
using Spindle.Signals;
using Spindle.Tests.Processes;
using Spindle.Tests.Support;
using Spindle.Threading;

namespace Spindle.Tests.Broker;

/// <summary>
/// A broker test: its own queue (deleted afterwards with its dead letters), its own authkey, a scratch directory its
/// tasks write to, and worker processes — children running <see cref="BrokerWorker"/>, the library's entry point —
/// stopped and joined at the end, so that the leak check finds none.
/// </summary>
public abstract class BrokerTest : LeakCheckedTest
{
    private readonly List<SpindleProcess> _workers = [];
    private readonly List<IDisposable> _owned = [];

    private protected BrokerTest()
    {
        Queue = TestBroker.NewQueue(GetType().Name.Replace("Tests", "", StringComparison.Ordinal).ToLowerInvariant());
    }

    private protected string Queue { get; }

    private protected byte[] Key { get; } = TestBroker.NewKey();

    private protected Scratch Scratch { get; } = new();

    /// <summary>An executor on this test's queue, disposed (shut down) at the end.</summary>
    private protected BrokerExecutor NewExecutor(BrokerExecutorOptions? options = null)
    {
        var executor = new BrokerExecutor(TestBroker.Uri, (options ?? new BrokerExecutorOptions()) with { Queue = Queue, AuthKey = options?.AuthKey ?? Key });
        _owned.Add(executor);
        return executor;
    }

    /// <summary>Starts a worker process on this test's queue and waits until it consumes (there are then <paramref name="consumers"/>).</summary>
    /// <param name="concurrency">Tasks run at once.</param>
    /// <param name="prefetch">Tasks taken at once.</param>
    /// <param name="consumers">The queue's consumers once this one consumes.</param>
    /// <param name="maxRedeliveries">The queue's delivery limit.</param>
    /// <param name="runInWorker">Run tasks on threads of the worker process itself instead of its process pool.</param>
    private protected SpindleProcess StartWorker(int concurrency, int prefetch, uint consumers, int maxRedeliveries = 5, bool runInWorker = false)
    {
        var index = _workers.Count;
        var setup = new WorkerSetup(TestBroker.Uri.ToString(), Queue, Key, concurrency, prefetch, maxRedeliveries, runInWorker, Scratch[$"worker-{index}.log"]);
        var worker = SpindleProcess.Create(static (WorkerSetup s) => WorkerSetup.Serve(s), setup, name: $"broker-worker-{index}");
        worker.Start();
        _workers.Add(worker);
        TestBroker.WaitForConsumers(Queue, consumers);
        return worker;
    }

    /// <summary>What worker <paramref name="index"/> printed (its log file).</summary>
    private protected string WorkerLog(int index) => File.Exists(Scratch[$"worker-{index}.log"]) ? File.ReadAllText(Scratch[$"worker-{index}.log"]) : "";

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var owned in _owned) owned.Dispose();
            foreach (var worker in _workers)
            {
                if (worker.IsAlive) worker.Terminate(); // a warm stop: it finishes what it holds
                if (!worker.Join(TestBroker.Patience)) worker.Kill();
                worker.Join();
                worker.Dispose();
            }
            DeleteQueues();
            Scratch.Dispose();
        }
        base.Dispose(disposing);
    }

    private void DeleteQueues()
    {
        if (TestBroker.UriText is null) return;
        using var connection = TestBroker.Connect();
        new BrokerTopology(Queue, 0).DeleteAsync(connection, CancellationToken.None).GetAwaiter().GetResult();
    }
}

/// <summary>What a worker process of a test is given, and its body: a <see cref="BrokerWorker"/> until SIGTERM (a warm stop).</summary>
internal sealed record WorkerSetup(string Broker, string Queue, byte[] Key, int Concurrency, int Prefetch, int MaxRedeliveries, bool Threads, string Log)
{
    public static void Serve(WorkerSetup setup)
    {
        using var stop = new CancellationTokenSource();
        using var log = new StreamWriter(setup.Log) { AutoFlush = true };
        using var terminate = Signal.Handle(Signal.SIGTERM, _ => stop.Cancel());
        new BrokerWorker(new Uri(setup.Broker), new BrokerWorkerOptions
        {
            Queue = setup.Queue,
            AuthKey = setup.Key,
            Concurrency = setup.Concurrency,
            Prefetch = setup.Prefetch,
            MaxRedeliveries = setup.MaxRedeliveries,
            Heartbeat = TimeSpan.FromSeconds(5),
            Output = TextWriter.Synchronized(log),
            Verbose = true,
            Runner = setup.Threads ? static (concurrency, _) => new ThreadPoolExecutor(concurrency) : null,
        }).Run(stop.Token);
    }
}

/// <summary>The tasks the broker tests submit: static methods of this assembly, which the workers load.</summary>
internal static class BrokerTasks
{
    /// <summary>Writes <c>started-ID-PID</c>, waits for the file <c>release</c>, returns ID × 10.</summary>
    public static int Gated(string dir, int id)
    {
        ChildTargets.WriteAtomically(Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"started-{id}-{Environment.ProcessId}")), "");
        if (!ChildTargets.WaitForFile(Path.Combine(dir, "release"))) throw new TimeoutException("the test never released the task");
        return id * 10;
    }

    /// <summary>How many starts the markers of <see cref="Gated"/> record, of any task.</summary>
    public static int StartCount(string dir) =>
        Directory.EnumerateFiles(dir, "started-*").Count(f => !f.EndsWith(".tmp", StringComparison.Ordinal));

    /// <summary>The pids that started task <paramref name="id"/>, from the markers of <see cref="Gated"/>.</summary>
    public static List<int> Starts(string dir, int id) =>
        [.. Directory.EnumerateFiles(dir, string.Create(CultureInfo.InvariantCulture, $"started-{id}-*"))
            .Select(f => Path.GetFileName(f).Split('-')[2])
            .Where(pid => pid.All(char.IsAsciiDigit)) // not a marker still being written (NAME.tmp, then renamed)
            .Select(pid => int.Parse(pid, CultureInfo.InvariantCulture))];

    /// <summary>Writes the file <paramref name="name"/>: the task ran.</summary>
    public static bool Mark(string dir, string name)
    {
        ChildTargets.WriteAtomically(Path.Combine(dir, name), "");
        return true;
    }

    public static int Fail(string message) => throw new InvalidOperationException(message);

    /// <summary>Kills the process it runs in, as a crashing task would.</summary>
    public static int KillMyWorker()
    {
        Signal.Kill(Environment.ProcessId, Signal.SIGKILL);
        return 0;
    }
}
