using Spindle.Ipc;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary><see cref="ProcessBarrier"/> across processes, indexes, breaking by timeout, abort and reset.</summary>
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
        using var barrier = new ProcessBarrier(2, TimeSpan.FromSeconds(20));
        var a = barrier.WaitAsync().AsTask();
        int b = barrier.Wait();
        Assert.Equal(1, (await a.WaitAsync(Children.Patience)) + b);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessBarrier(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessBarrier(2, TimeSpan.FromSeconds(-2)));
        using var cts = new CancellationTokenSource();
        var cancelled = barrier.WaitAsync(null, cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Children.Patience));
        Assert.True(barrier.IsBroken);
    }
}
