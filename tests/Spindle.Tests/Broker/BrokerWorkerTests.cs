using System.Diagnostics;
using Spindle.Broker;
using Spindle.Remote;
using Spindle.Processes;
using Spindle.Serialization;
using Spindle.Tests.Support;

namespace Spindle.Tests.Broker;

public sealed class BrokerWorkerTests : BrokerTest
{
    [BrokerFact]
    public void A_worker_killed_while_holding_tasks_has_them_redelivered_and_every_future_completes_once()
    {
        var executor = NewExecutor();
        var dir = Scratch.Dir;
        var doomed = StartWorker(concurrency: 2, prefetch: 2, consumers: 1);
        var completions = new int[12];
        var futures = Enumerable.Range(0, 12).Select(i =>
        {
            var f = executor.Submit(() => BrokerTasks.Gated(dir, i));
            f.AddDoneCallback(_ => Interlocked.Increment(ref completions[i]));
            return f;
        }).ToList();
        // Its tasks run in its pool's processes: the markers they write carry those pids.
        bool RunsIn(int pid, SpindleProcess worker) => ProcessTable.IsDescendantOf(pid, worker.Pid!.Value);
        TestBroker.WaitUntil(() => Enumerable.Range(0, 12).Count(i => BrokerTasks.Starts(dir, i).Exists(pid => RunsIn(pid, doomed))) == 2,
            "the first worker holding two tasks");
        var held = Enumerable.Range(0, 12).Where(i => BrokerTasks.Starts(dir, i).Exists(pid => RunsIn(pid, doomed))).ToList();
        StartWorker(concurrency: 2, prefetch: 2, consumers: 2);
        StartWorker(concurrency: 2, prefetch: 2, consumers: 3);
        TestBroker.WaitUntil(() => BrokerTasks.StartCount(dir) == 6, "the other workers holding two tasks each");

        doomed.Kill(); // SIGKILL, with two tasks taken and unacknowledged
        Assert.True(doomed.Join(TestBroker.Patience));
        Assert.Equal(-9, doomed.ExitCode);
        Scratch.Touch("release");

        Assert.Empty(Spindle.Futures.Wait(futures, TestBroker.Patience).NotDone);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => i * 10), futures.Select(f => f.Result()));
        // Callbacks run after the waiters are woken: wait for the last ones, then check none ran twice.
        TestBroker.WaitUntil(() => Enumerable.Range(0, 12).All(i => Volatile.Read(ref completions[i]) >= 1), "every done-callback");
        Assert.All(completions, count => Assert.Equal(1, count));
        var counters = executor.Counters;
        Assert.Equal(held.Count, counters.Redelivered);
        Assert.Equal(12, counters.Completed);
        Assert.Equal(0, counters.DuplicateResults);
        Assert.All(held, i => Assert.Equal(2, BrokerTasks.Starts(dir, i).Count)); // started by the killed worker, then by another
        Assert.All(Enumerable.Range(0, 12).Except(held), i => Assert.Single(BrokerTasks.Starts(dir, i)));
    }

    [BrokerFact]
    public void Unsigned_forged_and_tampered_tasks_are_dead_lettered_and_never_run()
    {
        StartWorker(concurrency: 1, prefetch: 4, consumers: 1);
        var dir = Scratch.Dir;
        var call = CallCodec.Encode(new Func<bool>(() => BrokerTasks.Mark(dir, "ran")));
        var forged = new TaskMessage(Guid.NewGuid(), "amq.gen-nobody", "forged", null, call).Seal(new AuthKey(TestBroker.NewKey()));
        var tampered = new TaskMessage(Guid.NewGuid(), "amq.gen-nobody", "tampered", null, call).Seal(new AuthKey(Key));
        tampered[^1] ^= 1;
        TestBroker.PublishTask(Queue, "just bytes"u8.ToArray());
        TestBroker.PublishTask(Queue, forged);
        TestBroker.PublishTask(Queue, tampered);
        TestBroker.WaitUntil(() => TestBroker.Depth(Queue + ".dead").Messages == 3, "three dead letters");
        var executor = NewExecutor();
        Assert.True(executor.Submit(() => BrokerTasks.Mark(dir, "signed")).Result(TestBroker.Patience)); // the worker runs what is signed
        Assert.False(File.Exists(Scratch["ran"]));
        Assert.Equal(3, WorkerLog(0).Split('\n').Count(line => line.Contains("refused a message without running it", StringComparison.Ordinal)));
    }

    [BrokerFact]
    public void A_task_signed_with_another_authkey_fails_its_future_with_TaskRefusedException()
    {
        StartWorker(concurrency: 1, prefetch: 1, consumers: 1);
        var outsider = NewExecutor(new BrokerExecutorOptions { AuthKey = TestBroker.NewKey() });
        var dir = Scratch.Dir;
        var error = Assert.Throws<TaskRefusedException>(() => outsider.Submit(() => BrokerTasks.Mark(dir, "ran")).Result(TestBroker.Patience));
        Assert.Contains("authkey differs", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Scratch["ran"]));
    }

    [BrokerFact]
    public void A_task_from_another_build_of_its_assembly_is_refused_and_never_runs()
    {
        StartWorker(concurrency: 1, prefetch: 1, consumers: 1);
        var executor = NewExecutor();
        var dir = Scratch.Dir;
        var call = CallCodec.Encode(new Func<bool>(() => BrokerTasks.Mark(dir, "ran")));
        var mvid = typeof(BrokerTasks).Assembly.ManifestModule.ModuleVersionId.ToByteArray();
        var other = Guid.NewGuid().ToByteArray();
        var replaced = 0;
        for (var i = call.AsSpan().IndexOf(mvid); i >= 0; i = call.AsSpan().IndexOf(mvid))
        {
            other.CopyTo(call, i);
            replaced++;
        }
        Assert.True(replaced > 0);
        var error = Assert.Throws<AssemblyMismatchException>(() => executor.SubmitEncoded(call, "another build").Result(TestBroker.Patience));
        Assert.Contains("different build of assembly 'Spindle.Tests'", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Scratch["ran"]));
    }

    [BrokerFact]
    public void A_task_that_keeps_killing_its_process_ends_at_the_delivery_limit_as_WorkerLostException()
    {
        var executor = NewExecutor(new BrokerExecutorOptions { MaxRedeliveries = 1 });
        StartWorker(concurrency: 1, prefetch: 1, consumers: 1, maxRedeliveries: 1);
        StartWorker(concurrency: 1, prefetch: 1, consumers: 2, maxRedeliveries: 1);
        var error = Assert.Throws<WorkerLostException>(() => executor.Submit(BrokerTasks.KillMyWorker).Result(TestBroker.Patience));
        Assert.Contains("delivered 2 times", error.Message, StringComparison.Ordinal);
        Assert.Contains(Queue + ".dead", error.Message, StringComparison.Ordinal);
        Assert.Equal(1u, TestBroker.Depth(Queue + ".dead").Messages);
        Assert.Equal(3, executor.Submit(() => 3).Result(TestBroker.Patience)); // the workers replaced their pools and go on
    }

    [BrokerFact]
    public void A_worker_process_killed_by_its_task_has_the_task_dead_lettered_after_the_delivery_limit()
    {
        var executor = NewExecutor(new BrokerExecutorOptions { MaxRedeliveries = 1 });
        var first = StartWorker(concurrency: 1, prefetch: 1, consumers: 1, maxRedeliveries: 1, runInWorker: true);
        var second = StartWorker(concurrency: 1, prefetch: 1, consumers: 2, maxRedeliveries: 1, runInWorker: true);
        var error = Assert.Throws<WorkerLostException>(() => executor.Submit(BrokerTasks.KillMyWorker).Result(TestBroker.Patience));
        Assert.Contains("delivered 2 times", error.Message, StringComparison.Ordinal);
        Assert.True(first.Join(TestBroker.Patience) && second.Join(TestBroker.Patience));
        Assert.Equal([-9, -9], new[] { first.ExitCode, second.ExitCode });
    }

    [BrokerFact(RestartsTheBroker = true)]
    public void After_a_broker_restart_the_executor_and_the_worker_reconnect_and_every_pending_future_completes()
    {
        StartWorker(concurrency: 2, prefetch: 2, consumers: 1);
        var executor = NewExecutor();
        var dir = Scratch.Dir;
        var futures = Enumerable.Range(0, 6).Select(i => executor.Submit(() => BrokerTasks.Gated(dir, i))).ToList();
        TestBroker.WaitUntil(() => BrokerTasks.StartCount(dir) == 2, "two tasks running");

        var restart = Process.Start(new ProcessStartInfo(TestBroker.RestartScript!) { RedirectStandardError = true })!;
        var said = restart.StandardError.ReadToEnd();
        Assert.True(restart.WaitForExit(TestBroker.Patience), "the restart did not finish");
        Assert.True(restart.ExitCode == 0, said);
        restart.Dispose();
        Scratch.Touch("release");

        Assert.Empty(Spindle.Futures.Wait(futures, TestBroker.Patience * 2).NotDone);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => i * 10), futures.Select(f => f.Result()));
        Assert.Equal(1, executor.Counters.Reconnects);
        Assert.Contains("reconnected", WorkerLog(0), StringComparison.Ordinal);
        Assert.Equal(5, executor.Submit(() => 5).Result(TestBroker.Patience));
    }
}
