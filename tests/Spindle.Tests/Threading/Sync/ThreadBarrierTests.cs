using System.Collections.Concurrent;
using Spindle.Tests.Support;
using Spindle.Threading;

namespace Spindle.Tests.Threading.Sync;

public class ThreadBarrierTests : LeakCheckedTest
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void Parties_below_one_and_negative_timeouts_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThreadBarrier(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThreadBarrier(2, timeout: TimeSpan.FromSeconds(-1)));
        var b = new ThreadBarrier(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => b.Wait(TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = b.WaitAsync(TimeSpan.FromSeconds(-1)).AsTask(); });
        Assert.Equal(0, b.Waiting);
        Assert.False(b.IsBroken);
    }

    [Fact]
    public void A_single_party_passes_at_once_and_runs_the_action()
    {
        int runs = 0;
        var b = new ThreadBarrier(1, () => runs++);
        Assert.Equal(0, b.Wait());
        Assert.Equal(0, b.Wait());
        Assert.Equal(2, runs);
    }

    [Fact]
    public void Indices_are_distinct_the_action_runs_once_per_cycle_before_release_and_the_barrier_is_reusable()
    {
        const int Parties = 4, Cycles = 5;
        int actions = 0;
        var b = new ThreadBarrier(Parties, () => actions++);
        Assert.Equal(Parties, b.Parties);
        var indices = new ConcurrentBag<(int Cycle, int Index)>();
        var actionsSeen = new ConcurrentBag<(int Cycle, int Actions)>();
        var threads = new TestThreads();
        threads.StartMany(Parties, _ =>
        {
            for (int cycle = 0; cycle < Cycles; cycle++)
            {
                indices.Add((cycle, b.Wait(TestThreads.Patience)));
                actionsSeen.Add((cycle, Volatile.Read(ref actions)));
            }
        });
        threads.JoinAll();
        Assert.Equal(Cycles, actions);
        for (int cycle = 0; cycle < Cycles; cycle++)
        {
            Assert.Equal(Enumerable.Range(0, Parties), indices.Where(x => x.Cycle == cycle).Select(x => x.Index).Order());
            // Released only after this cycle's action, and before the next cycle's could run.
            Assert.All(actionsSeen.Where(x => x.Cycle == cycle), x => Assert.Equal(cycle + 1, x.Actions));
        }
        Assert.Equal(0, b.Waiting);
        Assert.False(b.IsBroken);
    }

    [Fact]
    public void The_first_to_arrive_gets_index_zero_and_Waiting_counts_arrivals()
    {
        var b = new ThreadBarrier(3);
        var threads = new TestThreads();
        int first = -1, second = -1;
        threads.Start(() => first = b.Wait(TestThreads.Patience));
        TestThreads.Until(() => b.Waiting == 1, "the first thread waits");
        threads.Start(() => second = b.Wait(TestThreads.Patience));
        TestThreads.Until(() => b.Waiting == 2, "the second thread waits");
        Assert.Equal("<ThreadBarrier waiters=2/3>", b.ToString());
        Assert.Equal(2, b.Wait(TestThreads.Patience));
        threads.JoinAll();
        Assert.Equal(0, first);
        Assert.Equal(1, second);
        Assert.Equal(0, b.Waiting);
    }

    [Fact]
    public void A_timeout_breaks_the_barrier_for_every_waiter_until_reset()
    {
        var b = new ThreadBarrier(3);
        var threads = new TestThreads();
        threads.Start(() => b.Wait(TestThreads.Patience));
        TestThreads.Until(() => b.Waiting == 1, "the first thread waits");
        var elapsed = TestThreads.Time(() => Assert.Throws<BrokenBarrierException>(() => b.Wait(Short)));
        Assert.True(elapsed >= TestThreads.AtLeast(Short), $"returned after {elapsed}");
        var errors = threads.JoinAllCollectingErrors();
        Assert.IsType<BrokenBarrierException>(Assert.Single(errors));
        Assert.True(b.IsBroken);
        Assert.Equal(0, b.Waiting);
        Assert.Equal("<ThreadBarrier broken>", b.ToString());
        var later = Assert.Throws<BrokenBarrierException>(() => b.Wait());
        Assert.Contains("Reset", later.Message, StringComparison.Ordinal);

        b.Reset();
        Assert.False(b.IsBroken);
        AllPass(b);
    }

    [Fact]
    public void The_default_timeout_from_the_constructor_applies()
    {
        var b = new ThreadBarrier(2, timeout: Short);
        var e = Assert.Throws<BrokenBarrierException>(() => b.Wait());
        Assert.Contains("timed out", e.Message, StringComparison.Ordinal);
        Assert.True(b.IsBroken);
    }

    [Fact]
    public void Abort_breaks_current_and_later_waiters()
    {
        var b = new ThreadBarrier(3);
        var threads = new TestThreads();
        threads.StartMany(2, _ => b.Wait(TestThreads.Patience));
        TestThreads.Until(() => b.Waiting == 2, "two threads wait");
        b.Abort();
        var errors = threads.JoinAllCollectingErrors();
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Contains("aborted", Assert.IsType<BrokenBarrierException>(e).Message, StringComparison.Ordinal));
        Assert.True(b.IsBroken);
        Assert.Throws<BrokenBarrierException>(() => b.Wait());
    }

    [Fact]
    public void Reset_breaks_current_waiters_then_the_barrier_works_again()
    {
        var b = new ThreadBarrier(3);
        var threads = new TestThreads();
        threads.StartMany(2, _ => b.Wait(TestThreads.Patience));
        TestThreads.Until(() => b.Waiting == 2, "two threads wait");
        b.Reset();
        var errors = threads.JoinAllCollectingErrors();
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Contains("reset", Assert.IsType<BrokenBarrierException>(e).Message, StringComparison.Ordinal));
        Assert.False(b.IsBroken);
        Assert.Equal(0, b.Waiting);
        AllPass(b);
    }

    [Fact]
    public void A_failing_action_breaks_the_barrier_and_reaches_the_thread_that_ran_it()
    {
        var b = new ThreadBarrier(2, () => throw new InvalidOperationException("boom"));
        var threads = new TestThreads();
        threads.Start(() => b.Wait(TestThreads.Patience));
        TestThreads.Until(() => b.Waiting == 1, "the first thread waits");
        var e = Assert.Throws<InvalidOperationException>(() => b.Wait(TestThreads.Patience));
        Assert.Equal("boom", e.Message);
        var other = Assert.IsType<BrokenBarrierException>(Assert.Single(threads.JoinAllCollectingErrors()));
        Assert.Contains("boom", other.Message, StringComparison.Ordinal);
        Assert.True(b.IsBroken);
    }

    [Fact]
    public async Task WaitAsync_passes_with_sync_waiters_and_gives_distinct_indices()
    {
        var b = new ThreadBarrier(3);
        var threads = new TestThreads();
        int syncIndex = -1;
        threads.Start(() => syncIndex = b.Wait(TestThreads.Patience));
        var first = b.WaitAsync(TestThreads.Patience).AsTask();
        TestThreads.Until(() => b.Waiting == 2, "two parties wait");
        int last = await b.WaitAsync(TestThreads.Patience);
        int firstIndex = await first.WaitAsync(TestThreads.Patience);
        threads.JoinAll();
        Assert.Equal(2, last);
        Assert.Equal([0, 1], new[] { syncIndex, firstIndex }.Order());
    }

    [Fact]
    public async Task WaitAsync_times_out_breaking_the_barrier()
    {
        var b = new ThreadBarrier(2);
        await Assert.ThrowsAsync<BrokenBarrierException>(() => b.WaitAsync(Short).AsTask());
        Assert.True(b.IsBroken);
        await Assert.ThrowsAsync<BrokenBarrierException>(() => b.WaitAsync().AsTask());
    }

    [Fact]
    public async Task Cancelled_WaitAsync_throws_and_breaks_the_barrier_for_the_others()
    {
        var b = new ThreadBarrier(3);
        var threads = new TestThreads();
        threads.Start(() => b.Wait(TestThreads.Patience));
        TestThreads.Until(() => b.Waiting == 1, "the thread waits");
        using var cts = new CancellationTokenSource();
        var cancelled = b.WaitAsync(cancellationToken: cts.Token).AsTask();
        Assert.Equal(2, b.Waiting);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TestThreads.Patience));
        Assert.IsType<BrokenBarrierException>(Assert.Single(threads.JoinAllCollectingErrors()));
        Assert.True(b.IsBroken);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b.WaitAsync(cancellationToken: cts.Token).AsTask());
    }

    /// <summary>Shows a barrier is usable: one full cycle of its parties passes.</summary>
    private static void AllPass(ThreadBarrier b)
    {
        var threads = new TestThreads();
        var indices = new ConcurrentBag<int>();
        threads.StartMany(b.Parties, _ => indices.Add(b.Wait(TestThreads.Patience)));
        threads.JoinAll();
        Assert.Equal(Enumerable.Range(0, b.Parties), indices.Order());
    }
}
