using System.Security.Cryptography;
using Spindle.Ipc;
using Spindle.Processes;
using Spindle.Signals;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary>
/// Process queues between real processes: order, many producers and consumers, large items, the flush at exit, and
/// processes killed inside a put or a get.
/// </summary>
public sealed class ProcessQueueAcrossProcessesTests : LeakCheckedTest
{
    internal static void PutRange(ProcessQueue<int> q, int from, int count)
    {
        for (int i = from; i < from + count; i++) q.Put(i);
    }

    [Fact]
    public void Items_put_by_a_child_arrive_in_order()
    {
        using var q = new ProcessQueue<int>();
        using var producer = SpindleProcess.Create(PutRange, q, 0, 5000);
        producer.Start();
        for (int i = 0; i < 5000; i++) Assert.Equal(i, q.Get(Children.Patience));
        Children.RunAll(producer);
        Assert.True(q.IsEmpty);
    }

    internal static void Drain(ProcessQueue<int> q, ProcessQueue<int[]> results)
    {
        var got = new List<int>();
        for (int item = q.Get(Children.Patience); item >= 0; item = q.Get(Children.Patience)) got.Add(item);
        results.Put([.. got]);
    }

    [Fact]
    public void Many_producers_and_consumers_deliver_each_item_exactly_once()
    {
        const int PerProducer = 3000;
        using var q = new ProcessQueue<int>(maxSize: 100);
        using var results = new ProcessQueue<int[]>();
        var producers = Enumerable.Range(0, 3).Select(p => SpindleProcess.Create(PutRange, q, p * PerProducer, PerProducer)).ToArray();
        var consumers = Enumerable.Range(0, 2).Select(_ => SpindleProcess.Create(Drain, q, results)).ToArray();
        foreach (var p in consumers.Concat(producers)) p.Start();
        Children.RunAll(producers);
        foreach (var _ in consumers) q.Put(-1);
        var all = new List<int>();
        foreach (var _ in consumers) all.AddRange(results.Get(Children.Patience));
        Children.RunAll(consumers);
        Assert.Equal(Enumerable.Range(0, 3 * PerProducer), all.Order());
    }

    internal static void PutThenSignal(ProcessQueue<int> q, ProcessEvent returning, int count, int exitCode)
    {
        for (int i = 0; i < count; i++) q.Put(i);
        returning.Set();
        if (exitCode != 0) Environment.Exit(exitCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Items_a_child_put_before_exiting_are_delivered(int exitCode)
    {
        // A small ring: most items still wait in the child when its target returns (or calls Environment.Exit).
        using var q = new ProcessQueue<int>(maxSize: 0, ringCapacity: 4096);
        using var returning = new ProcessEvent();
        using var child = new SpindleProcess(() => PutThenSignal(q, returning, 20_000, exitCode));
        child.Start();
        try
        {
            Assert.True(returning.Wait(Children.Patience));
            for (int i = 0; i < 20_000; i++) Assert.Equal(i, q.Get(Children.Patience));
            Assert.True(child.Join(Children.Patience));
            Assert.Equal(exitCode, child.ExitCode);
        }
        finally
        {
            if (child.IsAlive) child.Kill();
            child.Join(Children.Patience);
        }
    }

    internal static void EchoDigest(ProcessQueue<byte[]> input, ProcessQueue<string> output)
    {
        for (int i = 0; i < 3; i++) output.Put(Convert.ToHexString(SHA256.HashData(input.Get(Children.Patience))));
    }

    [Fact]
    public void Items_of_a_mebibyte_and_more_cross_whole()
    {
        using var input = new ProcessQueue<byte[]>();
        using var output = new ProcessQueue<string>();
        var items = new[] { 1 << 20, 3 << 20, 17 }.Select(n => RandomNumberGenerator.GetBytes(n)).ToArray();
        using var child = SpindleProcess.Create(EchoDigest, input, output);
        child.Start();
        foreach (var item in items) input.Put(item);
        foreach (var item in items) Assert.Equal(Convert.ToHexString(SHA256.HashData(item)), output.Get(Children.Patience));
        Children.RunAll(child);
    }

    internal static void GetForever(ProcessQueue<int> q) => q.Get();

    [Fact]
    public void A_consumer_killed_while_waiting_inside_get_does_not_block_the_others()
    {
        using var q = new ProcessQueue<int>();
        using var consumer = SpindleProcess.Create(GetForever, q);
        consumer.Start();
        Assert.True(SpinWait.SpinUntil(() => q.SharedRing.ConsumerOwner == consumer.Pid, Children.Patience));
        consumer.Kill();
        Assert.True(consumer.Join(Children.Patience));
        q.Put(5);
        Assert.Equal(5, q.Get(Children.Patience)); // the dead consumer's side is taken over
    }

    internal static void PutBig(ProcessSimpleQueue<object> q, int size)
    {
        q.Put(new byte[size]);
        q.Put("after");
    }

    [Fact]
    public void A_producer_killed_inside_a_streamed_put_leaves_no_half_item_and_blocks_nobody()
    {
        using var q = new ProcessSimpleQueue<object>(ringCapacity: 4096);
        using var producer = SpindleProcess.Create(PutBig, q, 100_000);
        producer.Start();
        var ring = q.SharedRing;
        Assert.True(SpinWait.SpinUntil(() => ring.ProducerOwner == producer.Pid && ring.Unread == ring.Capacity, Children.Patience));
        producer.Kill();
        Assert.True(producer.Join(Children.Patience));
        // The reader gets the frame's start, waits for the rest, finds the writer dead and drops the frame.
        var reader = Task.Run(q.Get);
        q.Put("next"); // this writer takes the dead one's side over and ends its frame first
        Assert.True(reader.Wait(Children.Patience));
        Assert.Equal("next", reader.Result);
        Assert.True(q.IsEmpty);
    }

    [Fact]
    public void A_consumer_killed_inside_a_streamed_get_leaves_the_rest_of_its_item_to_be_dropped()
    {
        using var q = new ProcessSimpleQueue<object>(ringCapacity: 4096);
        var ring = q.SharedRing;
        using var producer = SpindleProcess.Create(PutBig, q, 100_000);
        using var consumer = SpindleProcess.Create(GetOne, q);
        producer.Start();
        try
        {
            Assert.True(SpinWait.SpinUntil(() => ring.ProducerOwner == producer.Pid && ring.Unread == ring.Capacity, Children.Patience));
            Signal.Kill(producer.Pid!.Value, Signal.SIGSTOP); // the rest of its item stalls
            consumer.Start();
            Assert.True(SpinWait.SpinUntil(() => ring.ConsumerOwner == consumer.Pid && ring.Unread == 0, Children.Patience));
            consumer.Kill(); // inside the item
            Assert.True(consumer.Join(Children.Patience));
            Signal.Kill(producer.Pid!.Value, Signal.SIGCONT);
            Assert.Equal("after", q.Get()); // the rest of the big item is dropped on the way
            Assert.True(producer.Join(Children.Patience));
            Assert.Equal(0, producer.ExitCode);
        }
        finally
        {
            if (producer.IsAlive)
            {
                Signal.Kill(producer.Pid!.Value, Signal.SIGCONT);
                producer.Kill();
            }
        }
    }

    internal static void GetOne(ProcessSimpleQueue<object> q) => q.Get();

    internal static void Consume(ProcessJoinableQueue<string> q, ProcessQueue<string> eaten)
    {
        for (;;)
        {
            var item = q.Get();
            eaten.Put(item);
            q.TaskDone();
        }
    }

    [Fact]
    public void Seed_002_joinable_queue_with_a_daemon_consumer()
    {
        using var q = new ProcessJoinableQueue<string>();
        using var eaten = new ProcessQueue<string>();
        using var consumer = SpindleProcess.Create(Consume, q, eaten, daemon: true);
        consumer.Start();
        try
        {
            for (int i = 0; i < 5; i++) q.Put($"product {i}");
            Assert.True(q.Join(Children.Patience));
            Assert.Equal(0, q.UnfinishedTasks);
            for (int i = 0; i < 5; i++) Assert.Equal($"product {i}", eaten.Get(TimeSpan.Zero));
        }
        finally
        {
            consumer.Kill();
            consumer.Join(Children.Patience);
        }
    }

    internal static void MarkDone(ProcessJoinableQueue<int> q, int times)
    {
        for (int i = 0; i < times; i++) q.TaskDone();
    }

    [Fact]
    public void Task_done_counts_across_processes_and_too_many_is_an_error()
    {
        using var q = new ProcessJoinableQueue<int>();
        q.Put(1);
        q.Put(2);
        Assert.Equal(2, q.UnfinishedTasks);
        Assert.False(q.Join(TimeSpan.FromMilliseconds(30)));
        Children.RunAll(SpindleProcess.Create(MarkDone, q, 2)); // done in another process, before anyone got them
        Assert.True(q.Join(TimeSpan.Zero));
        var e = Assert.Throws<InvalidOperationException>(q.TaskDone);
        Assert.Equal("task_done() called too many times", e.Message);
        using var tooMany = SpindleProcess.Create(MarkDone, q, 1);
        tooMany.Start();
        Assert.True(tooMany.Join(Children.Patience));
        Assert.Equal(1, tooMany.ExitCode);
        Assert.Equal(typeof(InvalidOperationException).FullName, tooMany.Exception?.RemoteTypeName);
    }

    [Fact]
    public async Task JoinAsync_wakes_when_the_last_task_is_done()
    {
        using var q = new ProcessJoinableQueue<int>();
        Assert.True(await q.JoinAsync(TimeSpan.Zero));
        q.Put(1);
        Assert.False(await q.JoinAsync(TimeSpan.Zero));
        var joining = q.JoinAsync(Children.Patience).AsTask();
        Assert.Equal(1, q.Get());
        Assert.False(joining.IsCompleted);
        Children.RunAll(SpindleProcess.Create(MarkDone, q, 1));
        Assert.True(await joining.WaitAsync(Children.Patience));
        using var cts = new CancellationTokenSource();
        q.Put(2);
        var cancelled = q.JoinAsync(null, cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Children.Patience));
        q.Get();
        q.TaskDone();
    }

    internal static void PutLater(ProcessQueue<string> q, ProcessEvent go)
    {
        go.Wait(Children.Patience);
        q.Put("from the child");
    }

    [Fact]
    public async Task GetAsync_is_completed_by_a_put_in_another_process()
    {
        using var q = new ProcessQueue<string>();
        using var go = new ProcessEvent();
        using var child = SpindleProcess.Create(PutLater, q, go);
        child.Start();
        var getting = q.GetAsync(Children.Patience).AsTask();
        go.Set();
        Assert.Equal("from the child", await getting.WaitAsync(Children.Patience));
        Children.RunAll(child);
    }

    internal static void SimpleEcho(ProcessSimpleQueue<object> input, ProcessSimpleQueue<object> output)
    {
        for (object item = input.Get(); item is not "stop"; item = input.Get()) output.Put(item);
    }

    [Fact]
    public async Task A_simple_queue_carries_items_of_any_size_both_ways()
    {
        using var input = new ProcessSimpleQueue<object>();
        using var output = new ProcessSimpleQueue<object>();
        Assert.True(input.IsEmpty);
        using var child = SpindleProcess.Create(SimpleEcho, input, output);
        child.Start();
        var big = RandomNumberGenerator.GetBytes(3 << 20);
        input.Put(1);
        await input.PutAsync(big);
        input.Put("stop");
        Assert.Equal(1, output.Get());
        var back = (byte[])await output.GetAsync();
        Assert.True(big.AsSpan().SequenceEqual(back), "the 3 MiB item came back changed");
        Children.RunAll(child);
        Assert.True(output.IsEmpty);
        Assert.Equal("<ProcessSimpleQueue>", output.ToString());
        output.Close();
        Assert.Throws<QueueShutDownException>(() => output.Get());
        await Assert.ThrowsAsync<QueueShutDownException>(() => output.PutAsync(1).AsTask());
    }

    [Fact]
    public void A_queue_of_the_wrong_kind_is_not_imported()
    {
        using var plain = new ProcessQueue<int>();
        var e = Assert.Throws<InvalidDataException>(() => ProcessJoinableQueue<int>.Import(plain.Export()));
        Assert.Contains("ProcessJoinableQueue", e.Message, StringComparison.Ordinal);
    }
}
