using Spindle.Ipc;
using Spindle.Processes;

namespace Spindle.Cli.Lessons;

/// <summary>
/// Shared state, queues and locks between processes: seed 000 §7.2.5 (ticket buying) and §7.2.7 (producer/consumer),
/// seed 002 (Queue, JoinableQueue, Pipe, Value/Array, Semaphore, Event, Condition), seed 003 (the IPC list).
/// Targets run in child processes and write with <see cref="Console"/>; the shared objects travel to them by reference.
/// </summary>
internal static class IpcLessons
{
    /// <summary>The lessons of this area, in tour order.</summary>
    public static IReadOnlyList<Lesson> All { get; } =
    [
        Lesson.Create("process-tickets", "seed 000 §7.2.5",
            "buying the last ticket from five processes: without a ProcessLock several buy it, with one exactly one does", Tickets),
        Lesson.Create("process-queue", "seed 000 §7.2.7, seed 002 (Queue)",
            "producer and consumer processes over a ProcessQueue: the writer puts A, B, C; the reader gets forever until terminated", ProducerConsumer),
        Lesson.Create("process-queue-methods", "seed 003 (message queue)",
            "ProcessQueue(3): put, full, qsize, get, empty, put_nowait on a full queue, close", QueueMethods),
        Lesson.Create("process-joinable-queue", "seed 002 (JoinableQueue)",
            "a daemon consumer process calls task_done for each product; the producer's join returns once all are eaten", JoinableQueue),
        Lesson.Create("process-pipe", "seed 002 (Pipe)",
            "Pipe greetings: the child sends first, the parent answers through the other end", PipeGreetings),
        Lesson.Create("process-value-array", "seed 002 (Value, Array)",
            "SharedValue<double> and SharedArray<int> changed by a child, read by the parent", ValueAndArray),
        Lesson.Create("process-semaphore", "seed 002 (Semaphore, go_wc)",
            "ProcessSemaphore(2): five user processes, at most two places taken at once", Semaphore),
        Lesson.Create("process-event", "seed 002 (Event)",
            "ProcessEvent: a child waiting with a timeout gives up; one waiting without a timeout runs once main sets it", Event),
        Lesson.Create("process-condition", "seed 002 (Condition)",
            "ProcessCondition: two stage-2 processes wait until the stage-1 process notifies them all", Condition),
    ];

    private static void Buy(SharedValue<int> tickets, SharedValue<int> sold, ProcessBarrier gate, ProcessLock? mutex, int buyer)
    {
        gate.Wait(); // the five buyers try at once, however long each took to start
        mutex?.Acquire();
        try
        {
            var left = tickets.Ref;                          // search(): read the ticket count
            Thread.Sleep(TimeSpan.FromMilliseconds(20));    // network delay between reading and buying
            if (left > 0)
            {
                tickets.Ref = left - 1;                      // buy(): write it back
                sold.Increment();
                Console.WriteLine($"  buyer {buyer} (pid {Environment.ProcessId}) got a ticket");
            }
            else Console.WriteLine($"  buyer {buyer}: sold out");
        }
        finally
        {
            mutex?.Release();
        }
    }

    private static void Tickets(LessonContext say)
    {
        foreach (var withLock in new[] { false, true })
        {
            using var tickets = new SharedValue<int>(1, lockEnabled: false);
            using var sold = new SharedValue<int>(0, lockEnabled: false);
            using var gate = new ProcessBarrier(5);
            using var mutex = new ProcessLock();
            var held = withLock ? mutex : null;
            var buyers = Enumerable.Range(0, 5).Select(i => new SpindleProcess(() => Buy(tickets, sold, gate, held, i))).ToList();
            buyers.ForEach(p => p.Start());
            buyers.ForEach(p => { p.Join(); p.Dispose(); });
            say.Line($"{(withLock ? "with" : "without")} the lock: one ticket was for sale, {sold.Value} sold, tickets left = {tickets.Value}");
        }
        say.Note("Without the lock every buyer reads 1 before anyone writes 0; the lock makes read-and-buy one step.");
    }

    private static void Write(ProcessQueue<string> q)
    {
        Console.WriteLine($"  Process to write: {Environment.ProcessId}");
        foreach (var value in new[] { "A", "B", "C" })
        {
            Console.WriteLine($"  Put {value} to queue...");
            q.Put(value);
            LessonContext.SleepSeed(Random.Shared.NextDouble()); // the seed's time.sleep(random.random())
        }
    }

    private static void Read(ProcessQueue<string> q, SharedValue<int> got)
    {
        Console.WriteLine($"  Process to read: {Environment.ProcessId}");
        while (true)
        {
            var value = q.Get();
            Console.WriteLine($"  Get {value} from queue.");
            got.Increment();
        }
    }

    private static void ProducerConsumer(LessonContext say)
    {
        say.NoteShortened();
        using var q = new ProcessQueue<string>();                    // Python: q = Queue()
        using var got = new SharedValue<int>(0, lockEnabled: false);
        using var pw = SpindleProcess.Create(Write, q);
        using var pr = SpindleProcess.Create(Read, q, got);
        pw.Start();
        pr.Start();
        pw.Join();                                                    // wait for the writer
        // The seed terminates the reader right away and may cut off its last line; here it first sees all three.
        SpinWait.SpinUntil(() => got.Value == 3, TimeSpan.FromSeconds(10));
        pr.Terminate();                                               // the reader loops forever: end it by force
        pr.Join();
        say.Line($"writer exit code {pw.ExitCode}; reader terminated, exit code {pr.ExitCode}");
        say.Note("The queue balances the two: the writer never waits for the reader, the reader sleeps until an item comes.");
    }

    private static void QueueMethods(LessonContext say)
    {
        var q = new ProcessQueue<int>(maxSize: 3);
        for (var i = 1; i <= 3; i++) q.Put(i);
        say.Line($"after three puts: q.full() -> {q.IsFull}, q.qsize() -> {q.Count}, q.empty() -> {q.IsEmpty}");
        try { q.PutNoWait(4); }
        catch (QueueFullException) { say.Line("q.put_nowait(4) -> queue.Full"); }
        say.Line($"q.get() -> {q.Get()}, then q.qsize() -> {q.Count}");
        while (q.TryGet(out var rest)) say.Line($"q.get() -> {rest}");
        say.Line($"q.empty() -> {q.IsEmpty}");
        q.Close();
        try { q.Put(5); }
        catch (QueueShutDownException) { say.Line("after q.close(), q.put(5) -> error: the queue is closed in this process"); }
    }

    private static void Consume(ProcessJoinableQueue<string> q)
    {
        while (true)
        {
            var res = q.Get();
            Console.WriteLine($"  consumer got {res}");
            q.TaskDone();
        }
    }

    private static void JoinableQueue(LessonContext say)
    {
        say.NoteShortened();
        using var q = new ProcessJoinableQueue<string>();             // Python: q = JoinableQueue()
        using var p = SpindleProcess.Create(Consume, q, daemon: true); // p.daemon = True
        p.Start();
        for (var i = 0; i < 5; i++)
        {
            LessonContext.SleepSeed(1);                               // time.sleep(random.randrange(1, 2))
            q.Put($"product {i}");
            say.Line($"  producer made product {i}");
        }
        q.Join();                                                     // every product has been marked done
        say.Line("main: q.join() returned: the consumer ate everything");
        p.Terminate(); // at the seed's exit the daemon dies with main; the tour goes on, so end it here
        p.Join();
    }

    private static void Greet(Connection subconn)
    {
        subconn.Send("吃了嗎");                                      // "have you eaten?"
        Console.WriteLine($"  child: greeting from the parent: {subconn.Recv<string>()}");
        subconn.Close();
    }

    private static void PipeGreetings(LessonContext say)
    {
        var (parentConn, childConn) = Pipe.Create();               // Python: parent_conn, child_conn = Pipe()
        using (parentConn)
        using (childConn)
        {
            using var p = SpindleProcess.Create(Greet, childConn);
            p.Start();
            say.Line($"parent: greeting from the child: {parentConn.Recv<string>()}");
            parentConn.Send("嗯");                                   // "mm (yes)"
            p.Join();
        }
    }

    private static void ChangeInChild(SharedValue<double> n, SharedArray<int> a)
    {
        n.Value = 3.14;
        a[0] = 5;
    }

    private static void ValueAndArray(LessonContext say)
    {
        using var num = new SharedValue<double>(0.0);                 // Python: Value('d', 0.0)
        using var arr = new SharedArray<int>(Enumerable.Range(0, 10)); // Python: Array('i', range(10))
        using var p = SpindleProcess.Create(ChangeInChild, num, arr);
        p.Start();
        p.Join();
        say.Line($"num.value = {num.Value}");
        say.Line($"arr[:] = [{string.Join(", ", arr[..])}]");
    }

    private static void GoWc(ProcessSemaphore sem, SharedValue<int> inside, string user)
    {
        sem.Acquire();
        var now = inside.Increment();
        Console.WriteLine($"  {user} takes a place ({now} taken)");
        Thread.Sleep(LessonContext.SeedTime(Random.Shared.Next(0, 3))); // the seed's time.sleep(random.randint(0, 3))
        inside.Decrement();
        sem.Release();
        Console.WriteLine($"  {user} OK");
    }

    private static void Semaphore(LessonContext say)
    {
        say.NoteShortened();
        using var sem = new ProcessSemaphore(2);
        using var inside = new SharedValue<int>(0, lockEnabled: false); // counted with lock-free atomics
        var users = Enumerable.Range(0, 5).Select(i => SpindleProcess.Create(GoWc, sem, inside, $"user{i}")).ToList();
        users.ForEach(p => p.Start());
        users.ForEach(p => { p.Join(); p.Dispose(); });
        say.Line($"all users done; the semaphore is back to {sem.Value}");
    }

    private static void WaitForEvent(ProcessEvent e)
    {
        Console.WriteLine("  wait_for_event: starting");
        e.Wait();
        Console.WriteLine($"  wait_for_event: e.is_set() -> {e.IsSet}");
    }

    private static void WaitForEventTimeout(ProcessEvent e, TimeSpan t)
    {
        Console.WriteLine("  wait_for_event_timeout: starting");
        var set = e.Wait(t);
        Console.WriteLine($"  wait_for_event_timeout: e.is_set() -> {set}");
    }

    private static void Event(LessonContext say)
    {
        say.NoteShortened();
        using var e = new ProcessEvent();
        using var block = SpindleProcess.Create(WaitForEvent, e, name: "block");
        using var nonblock = SpindleProcess.Create(WaitForEventTimeout, e, LessonContext.SeedTime(2), name: "nonblock");
        block.Start();
        nonblock.Start();
        nonblock.Join(); // it gives up after its (shortened) 2 s, before main sets the event — as the seed's sleep(3) arranges
        say.Line("main: setting the event");
        e.Set();
        block.Join();
    }

    private static void Stage1(ProcessCondition cond)
    {
        Console.WriteLine("  Starting s1");
        using (cond.EnterScope())
        {
            Console.WriteLine("  s1 done and ready for stage 2");
            cond.NotifyAll();
        }
    }

    private static void Stage2(ProcessCondition cond, ProcessSemaphore waiting, string name)
    {
        Console.WriteLine($"  Starting {name}");
        using (cond.EnterScope())
        {
            waiting.Release(); // says "about to wait" while holding the lock, so stage 1 cannot notify before the wait
            cond.Wait();
            Console.WriteLine($"  {name} running");
        }
    }

    private static void Condition(LessonContext say)
    {
        using var condition = new ProcessCondition();                // Python: multiprocessing.Condition()
        using var waiting = new ProcessSemaphore(0);
        var stage2 = Enumerable.Range(1, 2).Select(i => SpindleProcess.Create(Stage2, condition, waiting, $"stage_2[{i}]", name: $"stage_2[{i}]")).ToList();
        stage2.ForEach(p => p.Start());
        // The seed sleeps a second between starts and hopes both are waiting; here each says so through the semaphore.
        for (var i = 0; i < stage2.Count; i++) waiting.Acquire(TimeSpan.FromSeconds(20));
        using var s1 = SpindleProcess.Create(Stage1, condition, name: "s1");
        s1.Start();
        s1.Join();
        stage2.ForEach(p => { p.Join(); p.Dispose(); });
        say.Line("all stages done");
    }
}
