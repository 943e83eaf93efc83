using System.Diagnostics;
using Spindle.Ipc;
using Spindle.Native;
using Spindle.Serialization;

namespace Spindle.Pools;

/// <summary>What a pool worker process is started with: its channel to the pool, its ledger, and the initializer.</summary>
/// <param name="Channel">The worker's end of a socket pair (its descriptor crosses with SCM_RIGHTS).</param>
/// <param name="Ledger">The shared page of <see cref="WorkerLedger"/>.</param>
/// <param name="Initializer">What to run first, or null (Python: <c>initializer(*initargs)</c>, sent with the worker's start).</param>
internal sealed record WorkerStart(Connection Channel, SharedArray<byte> Ledger, Action? Initializer);

/// <summary>
/// The worker process's side (Python: <c>multiprocessing.pool.worker</c> and <c>concurrent.futures.process._process_worker</c>):
/// a Spindle child whose target serves tasks until the pool sends Exit or closes the channel. It runs the initializer,
/// then reads frames of tasks, runs them in order, and returns results through <see cref="WorkerOutput"/>. Map functions
/// and call shapes are decoded once and kept (see <see cref="FunctionRef"/>).
/// </summary>
internal static class WorkerMain
{
    /// <summary>How long a worker that ran out of tasks polls for more before it sleeps: a wake-up costs tens of µs here.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000; // 50 µs

    /// <summary>The worker process's target.</summary>
    public static void Run(WorkerStart start)
    {
        var fd = start.Channel.FileDescriptor;
        if (Libc.FcntlInt(fd, Libc.F_SETFL, Libc.FcntlInt(fd, Libc.F_GETFL, 0) | Libc.O_NONBLOCK) != 0)
            throw new IOException($"Making the pool channel non-blocking failed: {Libc.Describe(Libc.LastErrno)}.");
        var ledger = new WorkerLedger(start.Ledger);
        var output = new WorkerOutput(fd, ledger);
        var worker = new Worker(output, ledger);
        if (start.Initializer is { } initializer && !worker.Initialize(initializer)) return;
        var input = new ByteBuffer();
        while (true)
        {
            int length;
            while ((length = input.CompleteFrame()) >= 0)
            {
                var more = worker.RunFrame(input.Unread.Slice(ByteBuffer.FrameHeader, length));
                input.Consume(ByteBuffer.FrameHeader + length);
                if (more) continue;
                output.Flush();
                return; // Exit: every task before it is done and its result sent
            }
            output.Flush(); // all received work is done: results go before waiting for more
            if (!Read(fd, input)) return; // the pool closed the channel (or is gone): nothing more will come
        }
    }

    /// <summary>Reads what has arrived, spinning briefly before sleeping; false at end of stream.</summary>
    private static bool Read(int fd, ByteBuffer input)
    {
        var spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
        while (true)
        {
            var n = input.ReadFrom(fd);
            if (n > 0) return true;
            if (n == 0) return false;
            if (Stopwatch.GetTimestamp() < spinUntil) Thread.SpinWait(30);
            else WaitFor(fd, Libc.POLLIN);
        }
    }

    /// <summary>Sleeps until the descriptor is ready for <paramref name="events"/> (or hung up).</summary>
    internal static unsafe void WaitFor(int fd, short events)
    {
        var poll = new PollFd { Fd = fd, Events = events };
        while (Libc.Poll(&poll, 1, -1) < 0 && Libc.LastErrno == Libc.EINTR) { }
    }

    private sealed class Worker(WorkerOutput output, WorkerLedger ledger)
    {
        private readonly Dictionary<int, WorkerFunction> _functions = [];
        private readonly Queue<int> _functionOrder = new();

        public bool Initialize(Action initializer)
        {
            try
            {
                initializer();
                return true;
            }
#pragma warning disable CA1031 // Python: a failing initializer is reported and the worker ends; the pool decides what follows
            catch (Exception e)
#pragma warning restore CA1031
            {
                output.InitFailed(e);
                return false;
            }
        }

        /// <summary>Runs every record of a frame; false when it ends with Exit.</summary>
        public bool RunFrame(ReadOnlySpan<byte> body)
        {
            var reader = new RecordReader(body);
            while (!reader.AtEnd)
            {
                switch (reader.Byte())
                {
                    case Wire.Call:
                    {
                        var flags = reader.Byte();
                        var seq = reader.Int64();
                        var function = Lookup(reader.Int32());
                        var target = reader.Bytes();
                        output.Start(seq, flushFirst: (flags & Wire.Short) == 0);
                        function.Call(seq, target, output);
                        break;
                    }
                    case Wire.Chunk:
                    {
                        var flags = reader.Byte();
                        var seq = reader.Int64();
                        var function = Lookup(reader.Int32());
                        var count = reader.Int32();
                        var block = reader.Bytes();
                        output.Start(seq, flushFirst: (flags & Wire.Short) == 0);
                        function.Chunk(seq, (flags & Wire.Timed) != 0, count, block, output, ledger);
                        break;
                    }
                    case Wire.Define:
                        Define(reader.Int32(), reader.Bytes());
                        break;
                    case Wire.Exit:
                        return false;
                    default:
                        throw new InvalidDataException("Malformed pool record: unknown kind.");
                }
            }
            return true;
        }

        private WorkerFunction Lookup(int id) =>
            _functions.TryGetValue(id, out var function) ? function
            : throw new InvalidDataException($"Malformed pool record: function {id} was never defined.");

        private void Define(int id, ReadOnlySpan<byte> payload)
        {
            WorkerFunction function;
            try
            {
                function = new WorkerFunction((Delegate)ValueCodec.Decode(payload)!, null);
            }
            catch (SerializationFormatException e)
            {
                function = new WorkerFunction(null, e); // its calls and chunks fail with the reason
            }
            _functions[id] = function;
            _functionOrder.Enqueue(id);
            if (_functionOrder.Count > FunctionRef.WorkerCapacity) _functions.Remove(_functionOrder.Dequeue());
        }
    }
}
