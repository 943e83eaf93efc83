using System.Diagnostics;
using Spindle.Native;

namespace Spindle.Pools;

/// <summary>Dispatch: which worker takes which queued task, and the frames that carry them.</summary>
internal sealed partial class WorkerGroup
{
    private void Dispatch()
    {
        if (_slots.Count == 0) return;
        lock (_queueLock)
        {
            if (_terminating || _broken) return;
        }
        var progress = true;
        while (progress && Volatile.Read(ref _queued) > 0)
        {
            progress = false;
            // One task per worker per round, so a burst spreads; each round starts from the first worker, so calls made
            // one at a time keep going to the same warm worker.
            foreach (var slot in _slots)
            {
                RemoteTask task;
                bool isShort;
                lock (_queueLock)
                {
                    if (_queue.Count == 0) break;
                    if (!Accepts(slot, _queue.First, out isShort)) continue;
                    task = _queue.RemoveFirst();
                    _queued = _queue.Count;
                }
                progress = true;
                if (Starts(task)) Send(slot, task, isShort);
            }
        }
        FinishFrames();
    }

    private static bool Starts(RemoteTask task)
    {
        try
        {
            return task.TryStart();
        }
        catch (InvalidOperationException)
        {
            return false; // already done: nothing to run
        }
    }

    private bool Accepts(WorkerSlot slot, RemoteTask task, out bool isShort)
    {
        isShort = false;
        if (!slot.Accepting) return false;
        var held = slot.Outstanding.Count;
        var predicted = Predict(task);
        isShort = predicted is < ShortMicros;
        if (held == 0) return true;
        if (predicted is not { } micros) return false;
        if (isShort) return slot.LongOutstanding == 0 && held < MaxBatch && slot.Out.Length < OutBufferLimit;
        return micros < PrefetchMicros && held < 2;
    }

    private double? Predict(RemoteTask task) =>
        _times.TryGetValue(task.Method, out var times) ? times.MicrosPerItem * task.Items : null;

    private void Send(WorkerSlot slot, RemoteTask task, bool isShort)
    {
        if (slot.FrameMark < 0) slot.FrameMark = slot.Out.BeginFrame();
        var seq = _nextSeq++;
        var flags = (byte)((isShort ? Wire.Short : 0) | (_timeoutTicks > 0 ? Wire.Timed : 0));
        task.Write(slot.Out, seq, flags, slot);
        slot.Outstanding.Enqueue(new InFlight(task, seq, Stopwatch.GetTimestamp(), isShort));
        if (!isShort) slot.LongOutstanding++;
        slot.Dispatched++;
        if (slot.Dispatched == _options.MaxTasksPerChild)
        {
            slot.Out.Write(Wire.Exit); // Python: the worker exits after maxtasksperchild tasks and a fresh one replaces it
            slot.Retiring = true;
        }
    }

    private void FinishFrames()
    {
        bool release;
        lock (_queueLock) release = _stopping && _queue.Count == 0;
        foreach (var slot in _slots)
        {
            if (release && !slot.Retiring && !slot.Closed && !slot.Killed)
            {
                if (slot.FrameMark < 0) slot.FrameMark = slot.Out.BeginFrame();
                slot.Out.Write(Wire.Exit);
                slot.Retiring = true;
            }
            if (slot.FrameMark < 0) continue;
            slot.Out.EndFrame(slot.FrameMark);
            slot.FrameMark = -1;
            Flush(slot);
        }
    }

    private void Flush(WorkerSlot slot)
    {
        var drained = slot.Out.WriteTo(slot.Fd);
        if (drained == !slot.WaitingToWrite || slot.Closed) return;
        slot.WaitingToWrite = !drained;
        Register(slot.Fd, (ulong)slot.Id, drained ? Libc.EPOLLIN : Libc.EPOLLIN | Libc.EPOLLOUT, Libc.EPOLL_CTL_MOD);
    }
}
