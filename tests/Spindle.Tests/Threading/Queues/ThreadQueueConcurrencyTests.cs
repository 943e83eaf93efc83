using Spindle.Threading;

namespace Spindle.Tests.Threading.Queues;

public class ThreadQueueConcurrencyTests : QueueTestBase
{
    private const int Producers = 4;
    private const int Consumers = 4;
    private const int PerProducer = 20_000;

    [Theory]
    [InlineData("fifo", 0)]
    [InlineData("fifo", 8)]
    [InlineData("lifo", 8)]
    [InlineData("priority", 8)]
    public void Many_producers_and_consumers_deliver_every_item_exactly_once(string kind, int maxSize)
    {
        var queue = Create(kind, maxSize);
        var seen = new int[Producers * PerProducer];
        var producers = Enumerable.Range(0, Producers).Select(p => Start(() =>
        {
            for (var i = 0; i < PerProducer; i++) queue.Put(p * PerProducer + i);
        })).ToList();
        var consumers = Enumerable.Range(0, Consumers).Select(c => Start(() =>
        {
            while (true)
            {
                int item;
                try { item = queue.Get(); }
                catch (QueueShutDownException) { return; }
                Interlocked.Increment(ref seen[item]);
                queue.TaskDone();
            }
        })).ToList();

        producers.ForEach(p => p.Join());
        Assert.True(queue.Join(Patience));
        queue.Shutdown();
        consumers.ForEach(c => c.Join());

        Assert.All(seen, count => Assert.Equal(1, count));
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public async Task Sync_and_async_producers_and_consumers_mix_without_loss()
    {
        var queue = Track(new ThreadQueue<int>(maxSize: 4));
        var seen = new int[Producers * PerProducer];
        void Record(int item) => Interlocked.Increment(ref seen[item]);

        // Half of each side blocks threads, half awaits; async consumers also cancel and retry, which must not lose items.
        var syncProducers = Enumerable.Range(0, Producers / 2).Select(p => Start(() =>
        {
            for (var i = 0; i < PerProducer; i++) queue.Put(p * PerProducer + i);
        })).ToList();
        var asyncProducers = Enumerable.Range(Producers / 2, Producers / 2).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < PerProducer; i++) await queue.PutAsync(p * PerProducer + i);
        })).ToList();
        var syncConsumers = Enumerable.Range(0, Consumers / 2).Select(_ => Start(() =>
        {
            while (true)
            {
                try { Record(queue.Get()); }
                catch (QueueShutDownException) { return; }
            }
        })).ToList();
        var asyncConsumers = Enumerable.Range(0, Consumers / 2).Select(c => Task.Run(async () =>
        {
            var attempt = 0;
            while (true)
            {
                using var cts = new CancellationTokenSource();
                if (++attempt % 7 == 0) cts.Cancel();
                try { Record(await queue.GetAsync(cancellationToken: cts.Token)); }
                catch (OperationCanceledException) { }
                catch (QueueShutDownException) { return; }
            }
        })).ToList();

        syncProducers.ForEach(p => p.Join());
        await Task.WhenAll(asyncProducers).WaitAsync(Patience);
        WaitUntil(() => queue.IsEmpty, "the consumers drained the queue");
        queue.Shutdown();
        syncConsumers.ForEach(c => c.Join());
        await Task.WhenAll(asyncConsumers).WaitAsync(Patience);

        Assert.All(seen, count => Assert.Equal(1, count));
    }
}
