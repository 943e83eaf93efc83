using Spindle.Tests.Support;

namespace Spindle.Tests.Futures;

/// <summary>Races between completing, cancelling, registering and waiting: each must happen exactly once.</summary>
public sealed class FutureRaceTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    private static void RunTogether(params Action[] actions)
    {
        using var barrier = new Barrier(actions.Length);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = actions.Select(a => new Thread(() =>
        {
            try
            {
                barrier.SignalAndWait(Long);
                a();
            }
#pragma warning disable CA1031 // rethrown on the test thread below
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures.Enqueue(ex);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (!failures.IsEmpty) throw new AggregateException(failures);
    }

    [Fact]
    public void Every_callback_registered_during_completion_runs_exactly_once()
    {
        for (var round = 0; round < 300; round++)
        {
            var future = new Future<int>();
            var calls = new int[3];
            var result = -1;
            var value = round;
            RunTogether(
                () => future.SetResult(value),
                () => future.AddDoneCallback(_ => Interlocked.Increment(ref calls[0])),
                () => future.AddDoneCallback(_ => Interlocked.Increment(ref calls[1])),
                () => result = future.Result(Long));
            Assert.Equal(round, result);
            future.AddDoneCallback(_ => Interlocked.Increment(ref calls[2]));
            Assert.Equal([1, 1, 1], calls);
        }
    }

    [Fact]
    public void Cancel_and_start_race_has_exactly_one_winner()
    {
        for (var round = 0; round < 300; round++)
        {
            var future = new Future<int>();
            var cancelled = false;
            var started = false;
            RunTogether(() => cancelled = future.Cancel(), () => started = future.SetRunningOrNotifyCancel());
            Assert.NotEqual(cancelled, started);
            Assert.Equal(cancelled ? FutureState.Cancelled : FutureState.Running, future.State);
        }
    }

    [Fact]
    public void Concurrent_setters_have_exactly_one_winner()
    {
        for (var round = 0; round < 300; round++)
        {
            var future = new Future<int>();
            var wins = 0;
            void Set(int value)
            {
                try
                {
                    future.SetResult(value);
                    Interlocked.Increment(ref wins);
                }
                catch (InvalidOperationException)
                {
                    // the other setter won
                }
            }
            RunTogether(() => Set(1), () => Set(2), () => future.Cancel());
            if (future.IsCancelled) Assert.Equal(0, wins);
            else Assert.Equal(1, wins);
        }
    }

    [Fact]
    public void Waiters_racing_completion_all_wake()
    {
        for (var round = 0; round < 200; round++)
        {
            var future = new Future<int>();
            var seen = new int[3];
            RunTogether(
                () => seen[0] = future.Result(Long),
                () => seen[1] = ((Future<int>)global::Spindle.Futures.Wait([future], Long).Done.Single()).Result(),
                () => seen[2] = ((Future<int>)global::Spindle.Futures.AsCompleted([future], Long).Single()).Result(),
                () => future.SetResult(7));
            Assert.Equal([7, 7, 7], seen);
        }
    }
}
