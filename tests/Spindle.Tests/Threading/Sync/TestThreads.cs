using System.Collections.Concurrent;
using System.Diagnostics;

namespace Spindle.Tests.Threading.Sync;

/// <summary>
/// Real threads for a test: started, joined with a generous timeout that only matters when a test fails, and their
/// exceptions re-thrown on the test's thread.
/// </summary>
internal sealed class TestThreads
{
    /// <summary>How long a test waits for something that should happen promptly.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly List<Thread> _threads = [];
    private readonly ConcurrentQueue<Exception> _errors = new();

    /// <summary>Starts one thread running <paramref name="body"/>.</summary>
    public Thread Start(Action body)
    {
        var thread = new Thread(() =>
        {
            try { body(); }
            catch (Exception e) { _errors.Enqueue(e); }
        })
        { IsBackground = true, Name = "spindle-test" };
        _threads.Add(thread);
        thread.Start();
        return thread;
    }

    /// <summary>Starts <paramref name="count"/> threads, each given its number.</summary>
    public void StartMany(int count, Action<int> body)
    {
        for (int i = 0; i < count; i++)
        {
            int n = i;
            Start(() => body(n));
        }
    }

    /// <summary>Joins every thread (failing if one is stuck) and re-throws what they threw.</summary>
    public void JoinAll()
    {
        foreach (var thread in _threads) Assert.True(thread.Join(Patience), "a test thread did not finish in time");
        if (!_errors.IsEmpty) throw new AggregateException(_errors);
    }

    /// <summary>Joins every thread and returns what they threw, for tests that expect failures.</summary>
    public List<Exception> JoinAllCollectingErrors()
    {
        foreach (var thread in _threads) Assert.True(thread.Join(Patience), "a test thread did not finish in time");
        return [.. _errors];
    }

    /// <summary>Waits (polling) for a condition that another thread will make true; fails the test if it never does.</summary>
    public static void Until(Func<bool> condition, string what)
    {
        Assert.True(SpinWait.SpinUntil(condition, Patience), $"timed out waiting until {what}");
    }

    /// <summary>Runs <paramref name="action"/> and returns how long it took (to show a wait lasted at least its timeout).</summary>
    public static TimeSpan Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed;
    }

    /// <summary>The least a wait of <paramref name="timeout"/> may last, with slack for timer granularity.</summary>
    public static TimeSpan AtLeast(TimeSpan timeout) => timeout - TimeSpan.FromMilliseconds(15);
}
