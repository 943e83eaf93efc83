using System.Collections.Concurrent;
using RabbitMQ.Client;
using Spindle.Broker;
using Spindle.Processes;
using Spindle.Remote;
using Spindle.Tests.Support;

namespace Spindle.Tests.Broker;

public sealed class BrokerExecutorTests : BrokerTest
{
    [BrokerFact]
    public void Submitted_work_runs_in_a_worker_process_and_completes_its_future_with_callbacks_wait_and_as_completed()
    {
        var worker = StartWorker(concurrency: 2, prefetch: 8, consumers: 1);
        var executor = NewExecutor();
        var called = new ConcurrentBag<int>();
        var futures = Enumerable.Range(0, 20).Select(i => executor.Submit(() => (i, Environment.ProcessId))).ToList();
        foreach (var f in futures) f.AddDoneCallback(done => called.Add(done.Result().i));
        var done = Spindle.Futures.Wait(futures, TestBroker.Patience);
        Assert.Empty(done.NotDone);
        Assert.Equal(Enumerable.Range(0, 20), futures.Select(f => f.Result().i));
        Assert.All(futures, f => Assert.True(ProcessTable.IsDescendantOf(f.Result().ProcessId, worker.Pid!.Value))); // in the worker's pool
        TestBroker.WaitUntil(() => called.Count == 20, "every done-callback"); // callbacks run after the waiters are woken
        Assert.Equal(Enumerable.Range(0, 20), called.Order());
        var action = executor.Submit(() => { });
        Assert.Null(action.Result(TestBroker.Patience));
        Assert.Equal(3, Spindle.Futures.AsCompleted([executor.Submit(() => 1), executor.Submit(() => 2), executor.Submit(() => 3)], TestBroker.Patience).Count());
        Assert.Equal(new BrokerExecutorCounters(24, 24, 0, 0, 0, 0, 0), executor.Counters);
    }

    [BrokerFact]
    public void An_exception_comes_back_with_its_type_message_and_remote_stack_trace()
    {
        StartWorker(concurrency: 1, prefetch: 1, consumers: 1);
        var executor = NewExecutor();
        var error = Assert.Throws<InvalidOperationException>(() => executor.Submit(() => BrokerTasks.Fail("no such thing")).Result(TestBroker.Patience));
        Assert.Equal("no such thing", error.Message);
        var remote = Assert.IsType<RemoteException>(error.InnerException);
        Assert.Equal(typeof(InvalidOperationException).FullName, remote.RemoteTypeName);
        Assert.Contains(nameof(BrokerTasks.Fail), remote.RemoteStackTrace, StringComparison.Ordinal);
    }

    [BrokerFact]
    public void Map_yields_in_order_and_reads_its_source_only_as_far_as_its_buffer()
    {
        StartWorker(concurrency: 2, prefetch: 8, consumers: 1);
        var executor = NewExecutor(new BrokerExecutorOptions { MapBufferSize = 4 });
        var read = 0;
        IEnumerable<int> Source()
        {
            for (var i = 0; i < 100; i++)
            {
                Interlocked.Increment(ref read);
                yield return i;
            }
        }
        using var results = executor.Map(x => x * x, Source(), TestBroker.Patience, chunkSize: 3).GetEnumerator();
        Assert.Equal(12, Volatile.Read(ref read)); // 4 chunks of 3 submitted by the call
        Assert.True(results.MoveNext());
        Assert.Equal(0, results.Current);
        Assert.Equal(15, Volatile.Read(ref read)); // one result taken: one more chunk
        var all = new List<int> { results.Current };
        while (results.MoveNext()) all.Add(results.Current);
        Assert.Equal(Enumerable.Range(0, 100).Select(x => x * x), all);
    }

    [BrokerFact]
    public void A_task_that_overruns_its_timeout_is_killed_with_its_pool_process_and_the_worker_goes_on()
    {
        StartWorker(concurrency: 2, prefetch: 2, consumers: 1);
        var executor = NewExecutor(new BrokerExecutorOptions { TaskTimeout = TimeSpan.FromMilliseconds(300) });
        var dir = Scratch.Dir;
        var stuck = executor.Submit(() => BrokerTasks.Gated(dir, 1));
        var error = Assert.Throws<TimeoutException>(() => stuck.Result(TestBroker.Patience));
        Assert.Contains("ran longer than its timeout", error.Message, StringComparison.Ordinal);
        Assert.Equal(7, executor.Submit(() => 7).Result(TestBroker.Patience));
    }

    [BrokerFact]
    public void Cancelling_a_sent_task_revokes_it_and_no_worker_starts_it()
    {
        StartWorker(concurrency: 1, prefetch: 1, consumers: 1);
        var executor = NewExecutor();
        var dir = Scratch.Dir;
        var first = executor.Submit(() => BrokerTasks.Gated(dir, 1));
        WaitForStart(dir, 1);
        var second = executor.Submit(() => BrokerTasks.Gated(dir, 2)); // waits in the queue: the worker holds one task at a time
        TestBroker.WaitUntil(() => executor.Counters.Pending == 2 && TestBroker.Depth(Queue).Messages == 1, "the second task in the queue");
        Assert.True(second.Cancel());
        // A ping travels the worker's control queue behind the revoke: once it answers, it knows.
        TestBroker.WaitUntil(() => BrokerStatus.QueryAsync(TestBroker.Uri, Queue, Key, TimeSpan.FromSeconds(5), CancellationToken.None).GetAwaiter().GetResult()
            .Reports is [_], "the worker's report");
        Scratch.Touch("release");
        Assert.Equal(10, first.Result(TestBroker.Patience));
        Assert.Equal(3, executor.Submit(() => 3).Result(TestBroker.Patience)); // behind the revoked task in the queue
        Assert.Empty(BrokerTasks.Starts(dir, 2));
        Assert.True(second.IsCancelled);
        Assert.Contains("revoked, skipped", WorkerLog(0), StringComparison.Ordinal);
    }

    [BrokerFact]
    public void Shutdown_waits_for_the_work_in_flight_and_later_submits_are_refused()
    {
        StartWorker(concurrency: 2, prefetch: 2, consumers: 1);
        var executor = NewExecutor();
        var dir = Scratch.Dir;
        var futures = Enumerable.Range(0, 4).Select(i => executor.Submit(() => BrokerTasks.Gated(dir, i))).ToList();
        TestBroker.WaitUntil(() => BrokerTasks.StartCount(dir) == 2, "two tasks running");
        var shutdown = Task.Run(() => executor.Shutdown(wait: true));
        TestBroker.WaitUntil(() => executor.IsShutdown, "the shutdown to begin");
        Assert.Throws<InvalidOperationException>(() => executor.Submit(() => 1));
        Assert.False(shutdown.Wait(TimeSpan.FromMilliseconds(200))); // it waits for the work: no result has come yet
        Scratch.Touch("release");
        Assert.True(shutdown.Wait(TestBroker.Patience));
        Assert.All(futures, f => Assert.True(f.IsDone));
        Assert.Equal([0, 10, 20, 30], futures.Select(f => f.Result()));
    }

    [BrokerFact]
    public void Shutdown_with_cancel_futures_cancels_what_has_not_finished()
    {
        StartWorker(concurrency: 1, prefetch: 1, consumers: 1);
        var executor = NewExecutor();
        var dir = Scratch.Dir;
        var futures = Enumerable.Range(0, 3).Select(i => executor.Submit(() => BrokerTasks.Gated(dir, i))).ToList();
        WaitForStart(dir, 0);
        executor.Shutdown(wait: true, cancelFutures: true);
        Assert.All(futures, f => Assert.True(f.IsCancelled));
        Scratch.Touch("release");
    }

    [BrokerFact]
    public void A_result_that_arrives_twice_completes_the_future_once_and_unsigned_results_are_dropped_unread()
    {
        StartWorker(concurrency: 1, prefetch: 1, consumers: 1);
        var executor = NewExecutor();
        var dir = Scratch.Dir;
        var completions = 0;
        var gated = executor.Submit(() => BrokerTasks.Gated(dir, 4));
        gated.AddDoneCallback(_ => Interlocked.Increment(ref completions));
        WaitForStart(dir, 4);
        var id = Assert.Single(PendingIds(executor));
        // Behind the executor's back: a result signed with another key, then unsigned bytes, for the pending task.
        var forged = new ResultMessage(id, "forger", false, TaskOutcome.Success(666)).Seal(new AuthKey(TestBroker.NewKey()));
        PublishToReplyQueue(executor, forged);
        PublishToReplyQueue(executor, "not a Spindle message"u8.ToArray());
        TestBroker.WaitUntil(() => executor.Counters.RejectedMessages == 2, "both forgeries dropped");
        Assert.False(gated.IsDone);
        Scratch.Touch("release");
        Assert.Equal(40, gated.Result(TestBroker.Patience));
        // The same signed result again, as a redelivered task would send it.
        PublishToReplyQueue(executor, new ResultMessage(id, "again", true, TaskOutcome.Success(41)).Seal(new AuthKey(Key)));
        TestBroker.WaitUntil(() => executor.Counters.DuplicateResults == 1, "the duplicate dropped");
        Assert.Equal(40, gated.Result());
        Assert.Equal(1, completions);
    }

    [BrokerFact]
    public void A_task_the_broker_cannot_route_fails_its_future_at_once()
    {
        var executor = NewExecutor();
        using (var connection = TestBroker.Connect())
        using (var channel = connection.CreateChannelAsync().GetAwaiter().GetResult())
            channel.QueueDeleteAsync(Queue).GetAwaiter().GetResult();
        var error = Assert.Throws<TaskRefusedException>(() => executor.Submit(() => 1).Result(TestBroker.Patience));
        Assert.Contains($"could not route task", error.Message, StringComparison.Ordinal);
        Assert.Contains(Queue, error.Message, StringComparison.Ordinal);
    }

    [BrokerFact]
    public void Construction_says_what_is_wrong_without_showing_the_password()
    {
        if (Environment.GetEnvironmentVariable(AuthKey.EnvironmentVariable) is null)
        {
            Assert.Contains("SPINDLE_AUTHKEY", Assert.Throws<InvalidOperationException>(() => new BrokerExecutor(TestBroker.Uri,
                new BrokerExecutorOptions { Queue = Queue })).Message, StringComparison.Ordinal);
        }
        Assert.Throws<ArgumentException>(() => new BrokerExecutor(TestBroker.Uri, new BrokerExecutorOptions { Queue = Queue, AuthKey = "short"u8.ToArray() }));
        Assert.Throws<ArgumentException>(() => new BrokerExecutor(TestBroker.Uri, new BrokerExecutorOptions { Queue = "amq.mine", AuthKey = Key }));
        var closed = new UriBuilder(TestBroker.Uri) { Port = 1, Password = "hunter2-secret" }.Uri;
        var unreachable = Assert.Throws<BrokerUnavailableException>(() => new BrokerExecutor(closed, new BrokerExecutorOptions { Queue = Queue, AuthKey = Key }));
        Assert.Contains("127.0.0.1:1", unreachable.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", unreachable.Message, StringComparison.Ordinal);
        NewExecutor();
        var mismatch = Assert.Throws<InvalidOperationException>(() => new BrokerExecutor(TestBroker.Uri,
            new BrokerExecutorOptions { Queue = Queue, AuthKey = Key, MaxRedeliveries = 2 }));
        Assert.Contains("already exists on the broker with other settings", mismatch.Message, StringComparison.Ordinal);
    }

    private static void WaitForStart(string dir, int id) => TestBroker.WaitUntil(() => BrokerTasks.Starts(dir, id).Count > 0, $"task {id} to start");

    private static List<Guid> PendingIds(BrokerExecutor executor) => executor.PendingIds;

    private static void PublishToReplyQueue(BrokerExecutor executor, byte[] body)
    {
        using var connection = TestBroker.Connect();
        using var channel = connection.CreateChannelAsync().GetAwaiter().GetResult();
        channel.BasicPublishAsync("", executor.ReplyQueue, body).AsTask().GetAwaiter().GetResult();
    }
}
