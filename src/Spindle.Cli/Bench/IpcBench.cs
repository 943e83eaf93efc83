using System.Diagnostics;
using System.Net.Sockets;
using Spindle.Ipc;
using Spindle.Processes;

namespace Spindle.Cli.Bench;

/// <summary>
/// Between processes (issue 4): a process queue from one producer process to the parent (small items, 1 KiB, 1 MiB),
/// pipe ping-pong and 1 MiB bandwidth (beside a raw Unix-socket copy), a shared value incremented under its lock by
/// two processes, an uncontended process lock, and the memory of a million pending queue items. Each figure does the
/// same work the same way as its peer in <c>b03_mpqueue.py</c>, <c>b04_pipe.py</c> and <c>b05_shared.py</c>: children
/// are started and parked first, the clock runs from their release to the last item; the median of five runs.
/// </summary>
/// <remarks>
/// The 1 MiB figures that hand out a new array per message (as Python's <c>recv_bytes()</c> and <c>get()</c> do) are
/// bound on a VM by .NET's large-object heap rather than by Spindle: after its frequent gen2 collections it gives
/// freed large arrays back to the OS, so each new 1 MiB array faults its 256 pages in again, at 10–30 µs a fault
/// here. Running with <c>DOTNET_GCLOHThreshold</c> above the message size (e.g. <c>0x300000</c>) keeps such arrays in
/// the young generation; the <c>RecvBytesInto</c> row shows the transport without that cost.
/// </remarks>
internal static class IpcBench
{
    private const int Runs = 5;
    private const int QueueItems = 200_000;
    private const int BigItems = 500;
    private const int Rounds = 50_000;
    private const int Messages = 1000;
    private const int Mebibyte = 1 << 20;
    private const int Increments = 200_000;
    private const int LockOps = 5_000_000;
    private const int PendingItems = 1_000_000;

    /// <summary>The suite.</summary>
    public static BenchSuite Suite { get; } = new("ipc", "process queue, pipe, shared value and lock between processes; pending-item memory", Run);

    private static List<BenchRow> Run(BenchContext context)
    {
        context.Progress("queue: 200,000 ints from a child …");
        var ints = Median(() => QueueItems / QueueRun(QueueItems, null));
        context.Progress("queue: 200,000 × 1 KiB …");
        var kib = Median(() => QueueItems * 1024.0 / QueueRun(QueueItems, 1024) / 1e6);
        context.Progress("queue: 500 × 1 MiB …");
        var mib = Median(() => BigItems * (double)Mebibyte / QueueRun(BigItems, Mebibyte) / 1e6);
        context.Progress("pipe: ping-pong …");
        var pingPong = Median(() => Rounds / PingPong());
        context.Progress("pipe: 1,000 × 1 MiB …");
        var pipeBandwidth = Median(() => PipeBandwidth(Receive.NewArrays));
        var intoBandwidth = Median(() => PipeBandwidth(Receive.OneBuffer));
        var rawBandwidth = Median(() => PipeBandwidth(Receive.RawSocket));
        context.Progress("value: 2 × 200,000 locked increments …");
        var increments = Median(ValueRun);
        context.Progress("lock: uncontended acquire+release …");
        var lockNs = Median(LockRun);
        context.Progress("queue: memory of 1,000,000 pending items …");
        var pendingMiB = PendingMemory();
        return
        [
            new("queue, 1 producer process → parent, ints", ints, context.PythonFigure("b03_mpqueue.py", "mpqueue.int.n2e5"), "items/s", HigherIsBetter: true, "≥ 10×"),
            new("queue, 1 KiB bytes", kib, context.PythonFigure("b03_mpqueue.py", "mpqueue.bytes1k.n2e5"), "MB/s", HigherIsBetter: true, "≥ 5×"),
            new("queue, 1 MiB bytes", mib, context.PythonFigure("b03_mpqueue.py", "mpqueue.bytes1m.n500"), "MB/s", HigherIsBetter: true, "≥ 3×"),
            new("pipe ping-pong (duplex Pipe, child echoes)", pingPong, context.PythonFigure("b04_pipe.py", "pipe.pingpong.int"), "round trips/s", HigherIsBetter: true, "≥ 3×"),
            new("pipe, child SendBytes 1 MiB → parent RecvBytes", pipeBandwidth, context.PythonFigure("b04_pipe.py", "pipe.send_bytes.1mib"), "MB/s", HigherIsBetter: true, "≥ 2×"),
            new("pipe, the same into one reused buffer (RecvBytesInto)", intoBandwidth, null, "MB/s", HigherIsBetter: true),
            new("raw Unix-socket copy on the same descriptors (Socket.Send/Receive)", rawBandwidth, null, "MB/s", HigherIsBetter: true),
            new("pipe RecvBytes / raw copy (Spindle column: the ratio)", pipeBandwidth / rawBandwidth, null, "×", HigherIsBetter: true, "≥ 0.67×"),
            new("SharedValue<int> += 1 under its lock, 2 processes", increments, context.PythonFigure("b05_shared.py", "mpvalue.locked_incr.2x2e5"), "increments/s", HigherIsBetter: true, "≥ 10×"),
            new("ProcessLock acquire+release, uncontended", lockNs, context.PythonFigure("b05_shared.py", "mplock.uncontended") is { } perSecond ? 1e9 / perSecond : null, "ns", HigherIsBetter: false, "≤ 20 ns"),
            new("memory of 1,000,000 pending small items (no consumer)", pendingMiB, null, "MiB", HigherIsBetter: false, "< 100 MiB"),
        ];
    }

    private static double Median(Func<double> run) => Measure.Median(run, Runs);

    // ----- queue (b03_mpqueue.py) -----

    private static void ProduceInts(ProcessQueue<int> q, ProcessEvent ready, ProcessEvent go, int n)
    {
        ready.Set();
        go.Wait();
        for (var i = 0; i < n; i++) q.Put(i);
    }

    private static void ProduceBytes(ProcessQueue<byte[]> q, ProcessEvent ready, ProcessEvent go, int count, int size)
    {
        var payload = new byte[size];
        payload.AsSpan().Fill((byte)'x');
        ready.Set();
        go.Wait();
        for (var i = 0; i < count; i++) q.Put(payload);
    }

    /// <summary>Seconds from releasing the parked producer to the last item taken.</summary>
    private static double QueueRun(int n, int? size)
    {
        using var ready = new ProcessEvent();
        using var go = new ProcessEvent();
        if (size is not { } bytes)
        {
            using var q = new ProcessQueue<int>();
            return Timed(new SpindleProcess(() => ProduceInts(q, ready, go, n)), ready, go, () =>
            {
                long sum = 0;
                for (var i = 0; i < n; i++) sum += q.Get();
                Check(sum == (long)n * (n - 1) / 2, "the sum of the ints received");
            });
        }
        using var bq = new ProcessQueue<byte[]>();
        return Timed(new SpindleProcess(() => ProduceBytes(bq, ready, go, n, bytes)), ready, go, () =>
        {
            for (var i = 0; i < n; i++) Check(bq.Get().Length == bytes, "the length of an item received");
        });
    }

    private static double Timed(SpindleProcess child, ProcessEvent ready, ProcessEvent go, Action consume)
    {
        using (child)
        {
            child.Start();
            Check(ready.Wait(TimeSpan.FromSeconds(60)), "the child to start");
            var clock = Stopwatch.StartNew();
            go.Set();
            consume();
            var seconds = clock.Elapsed.TotalSeconds;
            child.Join();
            Check(child.ExitCode == 0, $"the child to succeed ({child.Exception})");
            return seconds;
        }
    }

    // ----- pipe (b04_pipe.py) -----

    private static void Echo(Connection conn)
    {
        for (var x = conn.Recv(); x is not null; x = conn.Recv()) conn.Send(x);
    }

    private static double PingPong()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        using (var child = SpindleProcess.Create(Echo, b))
        {
            child.Start();
            a.Send(0);
            Check(a.Recv<int>() == 0, "the handshake");
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < Rounds; i++)
            {
                a.Send(i);
                if (a.Recv<int>() != i) throw new InvalidOperationException("the echo differs");
            }
            var seconds = clock.Elapsed.TotalSeconds;
            a.Send<object?>(null);
            child.Join();
            return seconds;
        }
    }

    /// <summary>How the parent takes the 1 MiB messages.</summary>
    private enum Receive
    {
        NewArrays,
        OneBuffer,
        RawSocket,
    }

    private static void Sender(Connection conn, bool raw)
    {
        var buffer = new byte[Mebibyte];
        conn.Send("ready");
        conn.Recv();
        if (!raw)
        {
            for (var i = 0; i < Messages; i++) conn.SendBytes(buffer);
            return;
        }
        using var socket = new Socket(new SafeSocketHandle(conn.FileDescriptor, ownsHandle: false));
        for (var i = 0; i < Messages; i++)
        {
            for (var sent = 0; sent < Mebibyte; ) sent += socket.Send(buffer, sent, Mebibyte - sent, SocketFlags.None);
        }
    }

    /// <summary>
    /// MB/s of 1,000 messages of 1 MiB from a child: through <see cref="Connection"/> (a new array per message, as
    /// Python's <c>recv_bytes()</c>, or one reused buffer), or as raw socket reads and writes.
    /// </summary>
    private static double PipeBandwidth(Receive how)
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        using (var child = SpindleProcess.Create(Sender, b, how == Receive.RawSocket))
        {
            child.Start();
            Check(a.Recv<string>() == "ready", "the handshake");
            var buffer = new byte[Mebibyte];
            var clock = Stopwatch.StartNew();
            a.Send(1);
            long total = 0;
            if (how == Receive.NewArrays)
            {
                for (var i = 0; i < Messages; i++) total += a.RecvBytes().Length;
            }
            else if (how == Receive.OneBuffer)
            {
                for (var i = 0; i < Messages; i++) total += a.RecvBytesInto(buffer);
            }
            else
            {
                using var socket = new Socket(new SafeSocketHandle(a.FileDescriptor, ownsHandle: false));
                while (total < (long)Messages * Mebibyte) total += socket.Receive(buffer);
            }
            var seconds = clock.Elapsed.TotalSeconds;
            child.Join();
            Check(total == (long)Messages * Mebibyte, "every byte to arrive");
            return total / seconds / 1e6;
        }
    }

    // ----- shared value and lock (b05_shared.py) -----

    private static void Increment(SharedValue<int> v, ProcessEvent ready, ProcessEvent go)
    {
        var guard = v.GetLock();
        ready.Set();
        go.Wait();
        for (var i = 0; i < Increments; i++)
        {
            using (guard.EnterScope()) v.Value += 1; // Python: with v.get_lock(): v.value += 1
        }
    }

    private static double ValueRun()
    {
        using var v = new SharedValue<int>(0);
        using var go = new ProcessEvent();
        using var ready1 = new ProcessEvent();
        using var ready2 = new ProcessEvent();
        using var p1 = SpindleProcess.Create(Increment, v, ready1, go);
        using var p2 = SpindleProcess.Create(Increment, v, ready2, go);
        p1.Start();
        p2.Start();
        Check(ready1.Wait(TimeSpan.FromSeconds(60)) && ready2.Wait(TimeSpan.FromSeconds(60)), "the children to start");
        var clock = Stopwatch.StartNew();
        go.Set();
        p1.Join();
        p2.Join();
        var seconds = clock.Elapsed.TotalSeconds;
        Check(v.Value == 2 * Increments, $"the final value to be exact ({v.Value})");
        return 2 * Increments / seconds;
    }

    /// <summary>Nanoseconds per uncontended acquire+release pair.</summary>
    private static double LockRun()
    {
        using var l = new ProcessLock();
        for (var i = 0; i < 100_000; i++)
        {
            l.Acquire();
            l.Release();
        }
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < LockOps; i++)
        {
            l.Acquire();
            l.Release();
        }
        return clock.Elapsed.TotalNanoseconds / LockOps;
    }

    // ----- pending items -----

    /// <summary>MiB that 1,000,000 small items waiting in the producer (nobody consuming) add to this process's heap.</summary>
    private static double PendingMemory()
    {
        using var q = new ProcessQueue<int>();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < PendingItems; i++) q.Put(i);
        var grown = GC.GetTotalMemory(forceFullCollection: true) - before;
        for (var i = 0; i < PendingItems; i++) Check(q.Get() == i, "the pending items to come out in order");
        return grown / (double)(1 << 20);
    }

    private static void Check(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException($"ipc bench: unexpected result for {what}.");
    }
}
