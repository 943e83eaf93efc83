using Spindle.Ipc;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary><see cref="ProcessBarrier"/> across processes, indexes, the action, breaking by timeout, abort, reset and death.</summary>
public sealed class ProcessBarrierTests : LeakCheckedTest
{
    internal static void Arrive(ProcessBarrier barrier, SharedArray<int> indexes, int slot)
    {
        for (int round = 0; round < 3; round++)
            indexes.Add(slot, barrier.Wait(Children.Patience) + 1);
    }

    [Fact]
    public void Three_processes_pass_together_round_after_round_with_distinct_indexes()
    {
        using var barrier = new ProcessBarrier(3);
        using var sums = new SharedArray<int>(3, lockEnabled: false);
        Children.RunAll(SpindleProcess.Create(Arrive, barrier, sums, 0), SpindleProcess.Create(Arrive, barrier, sums, 1), SpindleProcess.Create(Arrive, barrier, sums, 2));
        Assert.Equal(3 * (1 + 2 + 3), sums.ToArray().Sum());
        Assert.Equal(0, barrier.Waiting);
        Assert.False(barrier.IsBroken);
        Assert.Equal(3, barrier.Parties);
    }

    [Fact]
    public void A_timeout_breaks_the_barrier_until_reset()
    {
        using var barrier = new ProcessBarrier(2);
        Assert.Throws<BrokenBarrierException>(() => barrier.Wait(TimeSpan.FromMilliseconds(50)));
        Assert.True(barrier.IsBroken);
        Assert.Equal("<ProcessBarrier(broken)>", barrier.ToString());
        Assert.Throws<BrokenBarrierException>(() => barrier.Wait(TimeSpan.Zero));
        barrier.Reset();
        Assert.False(barrier.IsBroken);
        using var one = new ProcessBarrier(1);
        Assert.Equal(0, one.Wait());
        Assert.Equal(0, one.Wait());
    }

    [Fact]
    public void Abort_and_reset_fail_a_waiting_party()
    {
        using var barrier = new ProcessBarrier(2);
        Exception? first = null, second = null;
        var t = new Thread(() =>
        {
            try { barrier.Wait(Children.Patience); }
            catch (BrokenBarrierException e) { first = e; }
        });
        t.Start();
        Assert.True(SpinWait.SpinUntil(() => barrier.Waiting == 1, Children.Patience));
        barrier.Abort();
        Assert.True(t.Join(Children.Patience));
        Assert.NotNull(first);
        barrier.Reset();
        var u = new Thread(() =>
        {
            try { barrier.Wait(Children.Patience); }
            catch (BrokenBarrierException e) { second = e; }
        });
        u.Start();
        Assert.True(SpinWait.SpinUntil(() => barrier.Waiting == 1, Children.Patience));
        barrier.Reset();
        Assert.True(u.Join(Children.Patience));
        Assert.NotNull(second);
        Assert.False(barrier.IsBroken);
    }

    [Fact]
    public async Task WaitAsync_passes_and_errors_are_checked()
    {
        using var barrier = new ProcessBarrier(2, timeout: TimeSpan.FromSeconds(20));
        var a = barrier.WaitAsync().AsTask();
        int b = barrier.Wait();
        Assert.Equal(1, (await a.WaitAsync(Children.Patience)) + b);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessBarrier(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessBarrier(2, timeout: TimeSpan.FromSeconds(-2)));
        using var cts = new CancellationTokenSource();
        var cancelled = barrier.WaitAsync(null, cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Children.Patience));
        Assert.True(barrier.IsBroken);
    }

    internal static void ArriveAndCheckAction(ProcessBarrier barrier, SharedValue<int> rounds, SharedValue<int> late)
    {
        for (int round = 1; round <= 3; round++)
        {
            barrier.Wait(Children.Patience);
            if (rounds.Value < round) late.Increment(); // released before the round's action ran
        }
    }

    [Fact]
    public void The_action_runs_once_per_round_in_one_party_before_anyone_is_released()
    {
        using var rounds = new SharedValue<int>(0);
        using var late = new SharedValue<int>(0, lockEnabled: false);
        using var barrier = new ProcessBarrier(3, () => rounds.Value += 1);
        Children.RunAll(
            SpindleProcess.Create(ArriveAndCheckAction, barrier, rounds, late),
            SpindleProcess.Create(ArriveAndCheckAction, barrier, rounds, late),
            SpindleProcess.Create(ArriveAndCheckAction, barrier, rounds, late));
        Assert.Equal(3, rounds.Value);
        Assert.Equal(0, late.Value);
        Assert.False(barrier.IsBroken);
    }

    internal static void WaitExpectingBroken(ProcessBarrier barrier) =>
        Assert.Throws<BrokenBarrierException>(() => barrier.Wait(Children.Patience));

    [Fact]
    public void A_failing_action_breaks_the_barrier_and_its_party_gets_the_exception()
    {
        using var barrier = new ProcessBarrier(2, static () => throw new InvalidOperationException("the action failed"));
        using var other = SpindleProcess.Create(WaitExpectingBroken, barrier);
        other.Start();
        Assert.True(SpinWait.SpinUntil(() => barrier.Waiting == 1, Children.Patience));
        var e = Assert.Throws<InvalidOperationException>(() => barrier.Wait(Children.Patience)); // the last to arrive runs it
        Assert.Equal("the action failed", e.Message);
        Assert.True(barrier.IsBroken);
        Children.RunAll(other);
    }

    internal static void HangInAction(ProcessEvent inside, ProcessEvent never)
    {
        inside.Set();
        never.Wait();
    }

    [Fact]
    public void A_party_that_dies_running_the_action_breaks_the_barrier()
    {
        using var inside = new ProcessEvent();
        using var never = new ProcessEvent();
        using var barrier = new ProcessBarrier(2, () => HangInAction(inside, never));
        var waiter = Task.Run(() => barrier.Wait(Children.Patience));
        Assert.True(SpinWait.SpinUntil(() => barrier.Waiting == 1, Children.Patience));
        using var runner = SpindleProcess.Create(Arrive1, barrier);
        runner.Start();
        try
        {
            Assert.True(inside.Wait(Children.Patience));
        }
        finally
        {
            runner.Kill();
            runner.Join(Children.Patience);
        }
        var e = Assert.Throws<AggregateException>(() => waiter.Wait(Children.Patience));
        Assert.IsType<BrokenBarrierException>(e.InnerException);
        Assert.True(barrier.IsBroken);
    }

    [Fact]
    public void A_timeout_that_passes_while_the_action_runs_does_not_break_the_round()
    {
        var timeout = TimeSpan.FromSeconds(1); // only the arrival of the second party has to fit in it
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var barrier = new ProcessBarrier(2, () => SpinWait.SpinUntil(() => clock.Elapsed > timeout * 1.3, Children.Patience));
        var waiter = Task.Run(() =>
        {
            clock.Restart();
            return barrier.Wait(timeout);
        });
        Assert.True(SpinWait.SpinUntil(() => barrier.Waiting == 1, Children.Patience));
        Assert.Equal(1, barrier.Wait(Children.Patience)); // the last to arrive runs the action, past the waiter's timeout
        Assert.True(waiter.Wait(Children.Patience));
        Assert.Equal(0, waiter.Result);
        Assert.False(barrier.IsBroken);
    }

    internal static void Arrive1(ProcessBarrier barrier) => barrier.Wait();

    [Fact]
    public void An_action_that_cannot_cross_is_refused_when_the_child_starts()
    {
        var thread = new Thread(() => { });
        using var barrier = new ProcessBarrier(2, () => thread.Join());
        using var child = SpindleProcess.Create(Arrive1, barrier);
        var e = Assert.Throws<Spindle.Serialization.NotTransferableException>(child.Start);
        Assert.Contains("Thread", e.Message, StringComparison.Ordinal);
    }
}
