using System.Diagnostics;
using System.Globalization;
using Spindle.Native;
using Spindle.Processes;
using Spindle.Serialization;

namespace Spindle.Pools;

/// <summary>Deaths and timeouts: what a worker's end means for the tasks it held, and killing a task that overran.</summary>
internal sealed partial class WorkerGroup
{
    private static readonly long RecheckTicks = Stopwatch.Frequency / 20; // 50 ms

    private void OnExited(WorkerSlot slot)
    {
        if (!_slots.Contains(slot)) return;
        Read(slot); // everything it sent before it died is in the socket: read it to the end
        var pending = slot.Ledger.PendingBytes;
        if (pending > 0) Deliver(slot, slot.Ledger.Area[..pending], replay: true);
        var exitCode = slot.Process.ExitCode ?? Reaper.LostStatus;
        var expected = slot.Retiring && !slot.Killed && slot.Outstanding.Count == 0 && exitCode == 0;
        if (slot.Process.Exception is { RemoteTypeName: var type } unstartable && type == typeof(SerializationFormatException).FullName)
        {
            // Its start (the initializer and what it captured) could not be rebuilt there: a fresh worker would fail the same way.
            Break("A worker process could not be started, the process pool is not usable anymore", unstartable);
        }
        else if (!expected)
        {
            Died(slot, exitCode);
        }
        if (!slot.Closed) Register(slot.Fd, 0, 0, Libc.EPOLL_CTL_DEL);
        _slots.Remove(slot);
        _pids = [.. _slots.Select(s => s.Pid)];
        slot.Release();
    }

    private void Died(WorkerSlot slot, int exitCode)
    {
        bool terminating;
        lock (_queueLock) terminating = _terminating;
        var died = new WorkerDiedException(slot.Pid, exitCode);
        if (_options.BreakOnDeath && !terminating && !_broken && !(slot.Killed && slot.TimedOutSeq != 0))
        {
            Break("A process in the process pool was terminated abruptly while the future was running or pending.", died);
            return;
        }
        var running = slot.Ledger.RunningSeq;
        var requeue = new List<RemoteTask>();
        while (slot.Outstanding.TryDequeue(out var task))
        {
            if (task.Seq > running && !terminating && !_broken)
            {
                requeue.Add(task.Task); // it never started: it runs on another worker
                continue;
            }
            Exception reason =
                task.Seq > running ? _broken ? _options.BrokenError("The process pool is broken", died) : Terminated()
                : task.Seq == slot.TimedOutSeq ? TimedOut(slot)
                : terminating ? Terminated()
                : died;
            task.Task.Fail(reason);
        }
        slot.LongOutstanding = 0;
        if (requeue.Count == 0) return;
        lock (_queueLock)
        {
            _queue.AddFirst(requeue);
            _queued = _queue.Count;
        }
    }

    private static FutureCancelledException Terminated() => new("The pool was terminated before the task finished.");

    private TimeoutException TimedOut(WorkerSlot slot) =>
        new(string.Create(CultureInfo.InvariantCulture,
            $"The task ran longer than its timeout of {_options.TaskTimeout}; its worker process {slot.Pid} was killed and replaced."));

    /// <summary>The group can run nothing more: the owner refuses work and fails its queue; every task held fails; workers are killed.</summary>
    private void Break(string reason, Exception cause)
    {
        if (_broken) return;
        _broken = true;
        _options.OnBroken(reason, cause);
        foreach (var task in DrainQueued()) task.Fail(_options.BrokenError(reason, cause));
        foreach (var slot in _slots)
        {
            FailAll(slot, _options.BrokenError(reason, cause));
            slot.Kill();
        }
    }

    private static void FailAll(WorkerSlot slot, Exception reason)
    {
        while (slot.Outstanding.TryDequeue(out var task)) task.Task.Fail(reason);
        slot.LongOutstanding = 0;
    }

    // Timeouts

    private int NextDeadlineMilliseconds()
    {
        if (_timeoutTicks == 0) return -1;
        var earliest = long.MaxValue;
        foreach (var slot in _slots)
        {
            if (Deadline(slot) is { } deadline) earliest = Math.Min(earliest, deadline.At);
        }
        if (earliest == long.MaxValue) return -1;
        var left = earliest - Stopwatch.GetTimestamp();
        return left <= 0 ? 0 : (int)Math.Min(int.MaxValue, (left * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency);
    }

    private void CheckTimeouts()
    {
        if (_timeoutTicks == 0) return;
        var now = Stopwatch.GetTimestamp();
        foreach (var slot in _slots)
        {
            if (Deadline(slot) is { Started: true } deadline && now >= deadline.At) slot.Kill(slot.Ledger.RunningSeq);
        }
    }

    /// <summary>
    /// When the task the worker runs must end: its start (from the ledger) plus the timeout. A worker says nothing when
    /// it starts a task, so while the task it was sent has not started (the worker is still booting, say), the manager
    /// looks again at the earliest time it could end, and after that every <see cref="RecheckTicks"/> at most.
    /// </summary>
    private (long At, bool Started)? Deadline(WorkerSlot slot)
    {
        if (slot.Killed || !slot.Outstanding.TryPeek(out var head)) return null;
        var running = slot.Ledger.RunningSeq;
        var started = slot.Ledger.StartedAt;
        if (running >= head.Seq) return (started + _timeoutTicks, true);
        return (Math.Max(head.SentAt + _timeoutTicks, Stopwatch.GetTimestamp() + Math.Min(_timeoutTicks, RecheckTicks)), false);
    }


    /// <summary>How long one call of a method takes, smoothed; recent calls weigh half (the first ones include JIT compilation).</summary>
    private sealed class MethodTimes(double micros)
    {
        public double MicrosPerItem { get; private set; } = micros;

        public void Add(double micros) => MicrosPerItem += (micros - MicrosPerItem) * 0.5;
    }
}
