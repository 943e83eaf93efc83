using Spindle.Threading;

namespace Spindle.Cli.Lessons;

/// <summary>The thread-queue lessons: seed 000 §7.4.9 (queue.Queue, LifoQueue, PriorityQueue).</summary>
internal static class QueueLessons
{
    /// <summary>The lessons of this area, in tour order.</summary>
    public static IReadOnlyList<Lesson> All { get; } =
    [
        Lesson.Create("thread-queues", "seed 000 §7.4.9",
            "ThreadQueue (first in, first out), ThreadLifoQueue (a stack), ThreadPriorityQueue (lowest first)", Kinds),
        Lesson.Create("thread-producer-consumer", "seed 000 §7.2.7 (with threads)",
            "producer and consumer balanced by a bounded queue; TaskDone/Join tells the producer all is eaten", ProducerConsumer),
    ];

    private static void Kinds(LessonContext say)
    {
        var fifo = new ThreadQueue<string>(maxSize: 3);
        foreach (var s in new[] { "first", "second", "third" }) fifo.Put(s);
        say.Line($"Queue(3) after three puts: full() -> {fifo.IsFull}");
        try { fifo.PutNoWait("fourth"); }
        catch (QueueFullException) { say.Line("  put_nowait('fourth') -> queue.Full"); }
        say.Line($"  gets: {fifo.Get()}, {fifo.Get()}, {fifo.Get()}");
        try { fifo.Get(TimeSpan.FromMilliseconds(20)); }
        catch (QueueEmptyException) { say.Line("  get(timeout=0.02) on an empty queue -> queue.Empty"); }

        var lifo = new ThreadLifoQueue<string>();
        foreach (var s in new[] { "first", "second", "third" }) lifo.Put(s);
        say.Line($"LifoQueue gets: {lifo.Get()}, {lifo.Get()}, {lifo.Get()}");

        var priority = new ThreadPriorityQueue<(int Priority, string Data)>();
        priority.Put((20, "a"));
        priority.Put((10, "b"));
        priority.Put((30, "c"));
        say.Line($"PriorityQueue gets: {priority.Get()}, {priority.Get()}, {priority.Get()}");
    }

    private static void ProducerConsumer(LessonContext say)
    {
        var q = new ThreadQueue<string>(maxSize: 2);
        var consumer = new SpindleThread(() =>
        {
            while (true)
            {
                var item = q.Get();
                say.Line($"  consumer ate {item}");
                q.TaskDone();
            }
        }, name: "consumer", daemon: true); // as the seed: a daemon consumer, never joined
        consumer.Start();
        for (var i = 0; i < 5; i++)
        {
            q.Put($"baozi {i}"); // blocks while the consumer is two behind
            say.Line($"  producer made baozi {i}");
        }
        q.Join(); // every item put has been marked done
        say.Line("producer: q.join() returned, everything was eaten; the daemon consumer dies with the process");
    }
}
