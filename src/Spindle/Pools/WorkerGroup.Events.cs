using System.Diagnostics;
using Spindle.Native;

namespace Spindle.Pools;

/// <summary>Events: waiting on every worker's channel at once, and delivering what they send.</summary>
internal sealed partial class WorkerGroup
{
    private unsafe void WaitForEvents(int timeoutMilliseconds)
    {
        const int capacity = 16;
        var events = stackalloc Libc.EpollEvent[capacity];
        // Work usually comes back within microseconds: look again for a moment before paying for a sleep and wake-up.
        var spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
        int n;
        while (true)
        {
            n = Libc.EpollWait(_epoll, events, capacity, 0);
            if (n != 0 || HasWork() || timeoutMilliseconds == 0 || Stopwatch.GetTimestamp() >= spinUntil) break;
            Thread.SpinWait(20);
        }
        if (n == 0 && !HasWork() && timeoutMilliseconds != 0)
        {
            Interlocked.Exchange(ref _sleeping, 1);
            if (!HasWork()) n = Libc.EpollWait(_epoll, events, capacity, timeoutMilliseconds);
            Interlocked.Exchange(ref _sleeping, 0);
        }
        for (var i = 0; i < n; i++)
        {
            var id = (int)events[i].Data;
            if (id == 0)
            {
                ulong value;
                Libc.ReadFd(_wake, (byte*)&value, 8);
                continue;
            }
            var slot = _slots.Find(s => s.Id == id);
            if (slot is null) continue;
            if ((events[i].Events & Libc.EPOLLOUT) != 0) Flush(slot);
            if ((events[i].Events & ~Libc.EPOLLOUT) != 0) Read(slot);
        }
    }

    private bool HasWork()
    {
        if (!_control.IsEmpty) return true;
        if (Volatile.Read(ref _queued) == 0) return false;
        foreach (var slot in _slots)
        {
            if (slot.Accepting && slot.Outstanding.Count == 0) return true;
        }
        return false;
    }

    /// <summary>Reads and delivers what the worker sent; at end of stream the worker is exiting: stop watching it.</summary>
    private void Read(WorkerSlot slot)
    {
        while (!slot.Closed)
        {
            var n = slot.In.ReadFrom(slot.Fd);
            if (n < 0) break;
            if (n == 0)
            {
                slot.Closed = true;
                Register(slot.Fd, 0, 0, Libc.EPOLL_CTL_DEL);
            }
            int length;
            while ((length = slot.In.CompleteFrame()) >= 0)
            {
                Deliver(slot, slot.In.Unread.Slice(ByteBuffer.FrameHeader, length), replay: false);
                slot.In.Consume(ByteBuffer.FrameHeader + length);
            }
        }
    }

    /// <summary>Delivers the records of a frame body (or, with <paramref name="replay"/>, of a dead worker's ledger).</summary>
    private void Deliver(WorkerSlot slot, ReadOnlySpan<byte> body, bool replay)
    {
        var reader = new RecordReader(body);
        while (!reader.AtEnd)
        {
            var kind = reader.Byte();
            if (kind == Wire.InitFailed)
            {
                var error = RemoteErrors.Read(reader.Bytes());
                Break("A process initializer failed, the process pool is not usable anymore", error);
                continue;
            }
            if (kind is not (Wire.Result or Wire.Error)) throw new InvalidDataException($"Malformed pool record: unknown kind {kind}.");
            var seq = reader.Int64();
            var micros = reader.UInt32();
            var payload = reader.Bytes();
            if (!TakeOutstanding(slot, seq, replay, out var done)) continue;
            Learn(done.Task, micros);
            if (kind == Wire.Result) done.Task.Complete(payload);
            else done.Task.Fail(RemoteErrors.Read(payload));
        }
    }

    // A worker answers in the order it was sent its tasks; a ledger replayed after its death may repeat what was read.
    private static bool TakeOutstanding(WorkerSlot slot, long seq, bool replay, out InFlight done)
    {
        done = default;
        if (!slot.Outstanding.TryPeek(out var head) || seq < head.Seq)
        {
            if (replay) return false;
            throw new InvalidDataException($"Malformed pool record: an answer to task {seq}, which worker {slot.Pid} does not hold.");
        }
        if (seq > head.Seq) throw new InvalidDataException($"Malformed pool record: worker {slot.Pid} answered task {seq} before task {head.Seq}.");
        done = slot.Outstanding.Dequeue();
        if (!done.Short) slot.LongOutstanding--;
        return true;
    }

    private void Learn(RemoteTask task, uint micros)
    {
        var perItem = (double)micros / Math.Max(task.Items, 1);
        if (_times.TryGetValue(task.Method, out var times)) times.Add(perItem);
        else _times[task.Method] = new MethodTimes(perItem);
    }
}
