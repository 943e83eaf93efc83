using System.Runtime.ExceptionServices;
using Spindle.Tests.Support;
using Spindle.Threading;

namespace Spindle.Tests.Threading.Queues;

/// <summary>
/// Shared helpers for the queue tests: threads that are always joined, queues that are shut down if a test fails
/// half-way (so no thread stays blocked), and waits on real conditions with a generous limit.
/// </summary>
public abstract class QueueTestBase : LeakCheckedTest
{
    /// <summary>Only matters when a test fails.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly List<TestThread> _threads = [];
    private readonly List<Action> _cleanups = [];

    /// <summary>The three orderings, for behaviour they all share.</summary>
    public static TheoryData<string> Kinds => ["fifo", "lifo", "priority"];

    protected ThreadQueueBase<int> Create(string kind, int maxSize = 0) => Track<int>(kind switch
    {
        "fifo" => new ThreadQueue<int>(maxSize),
        "lifo" => new ThreadLifoQueue<int>(maxSize),
        "priority" => new ThreadPriorityQueue<int>(maxSize),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown queue kind"),
    });

    /// <summary>Shuts <paramref name="queue"/> down at the end of the test, releasing anything a failed test left blocked.</summary>
    protected TQueue Track<TItem, TQueue>(TQueue queue)
        where TQueue : ThreadQueueBase<TItem>
    {
        _cleanups.Add(() => queue.Shutdown(immediate: true));
        return queue;
    }

    protected ThreadQueueBase<TItem> Track<TItem>(ThreadQueueBase<TItem> queue) => Track<TItem, ThreadQueueBase<TItem>>(queue);

    protected TestThread Start(Action body)
    {
        var thread = new TestThread(body);
        _threads.Add(thread);
        return thread;
    }

    protected static void WaitUntil(Func<bool> condition, string what) =>
        Assert.True(SpinWait.SpinUntil(condition, Patience), $"Timed out waiting until {what}.");

    protected override void CheckForLeaks()
    {
        foreach (var cleanup in _cleanups) cleanup();
        var running = _threads.Where(t => !t.TryJoin(Patience)).ToList();
        if (running.Count > 0) throw new InvalidOperationException($"Test left {running.Count} thread(s) running.");
    }

    /// <summary>A background thread whose failure is reported by <see cref="Join"/>.</summary>
    protected sealed class TestThread
    {
        private readonly Thread _thread;
        private Exception? _error;

        public TestThread(Action body)
        {
            _thread = new Thread(() =>
            {
                try { body(); }
                catch (Exception e) { _error = e; }
            }) { IsBackground = true, Name = "queue test" };
            _thread.Start();
        }

        public bool HasFinished => !_thread.IsAlive;

        public bool TryJoin(TimeSpan timeout) => _thread.Join(timeout);

        public void Interrupt() => _thread.Interrupt();

        /// <summary>Waits for the thread and rethrows whatever it threw (including failed assertions).</summary>
        public void Join()
        {
            Assert.True(_thread.Join(Patience), "The thread did not finish in time.");
            if (_error is not null) ExceptionDispatchInfo.Throw(_error);
        }
    }
}
