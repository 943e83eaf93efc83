using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Spindle.Ipc;
using Spindle.Native;
using Spindle.Processes;
using Spindle.Threading;

namespace Spindle.Pools;

/// <summary>How a <see cref="WorkerGroup"/> runs: its size and workers, and what a worker's death means.</summary>
/// <param name="Name">Names the manager thread and the workers (<c>{Name}-worker-N</c>).</param>
/// <param name="Size">Most workers at once.</param>
/// <param name="Initializer">The encoded initializer each worker runs first, or null.</param>
/// <param name="MaxTasksPerChild">Tasks after which a worker is replaced, or null.</param>
/// <param name="TaskTimeout">How long one call (one item of a chunk) may run before its worker is killed, or null.</param>
/// <param name="StartAll">Start every worker at once and keep them all (a pool); else start them as work arrives (an executor).</param>
/// <param name="BreakOnDeath">A worker that dies by itself breaks the group (an executor, as Python's); else only its running task fails.</param>
/// <param name="BrokenError">Makes the exception of work that fails because the group broke.</param>
/// <param name="OnBroken">Tells the owner the group broke (it then refuses work and fails what it has queued).</param>
internal sealed record WorkerGroupOptions(
    string Name,
    int Size,
    byte[]? Initializer,
    int? MaxTasksPerChild,
    TimeSpan? TaskTimeout,
    bool StartAll,
    bool BreakOnDeath,
    Func<string, Exception, Exception> BrokenError,
    Action<string, Exception> OnBroken);

/// <summary>
/// The worker processes of a pool or an executor and the one manager thread that drives them (Python: the task, result
/// and worker handlers of <c>multiprocessing.pool</c>, and the executor manager thread of <c>concurrent.futures.process</c>).
/// The manager owns every worker's state, so it needs no lock for it: it sends queued tasks to workers in frames, reads
/// results from all of them with one epoll, replaces workers, enforces timeouts and handles deaths.
/// </summary>
/// <remarks>
/// <para>Dispatch learns how long each method's tasks take. A task of unknown or long duration goes to an idle worker
/// only, so long tasks spread over the workers; one expected to take under 10 ms may wait behind one other (so a worker never waits for the round trip); short ones
/// (under 50 µs) go in batches of up to 512, and the worker returns their results in batches.</para>
/// <para>Each worker has a <see cref="WorkerLedger"/>. When a worker dies, the manager reads its channel to the end,
/// then the ledger: results it had not sent are delivered, the task it was running fails (with the reason: a timeout,
/// a termination, or the exit code or signal), and the tasks it had not started go back to the front of the queue —
/// unless the death breaks the group.</para>
/// </remarks>
internal sealed class WorkerGroup
{
    private const double ShortMicros = 50;
    private const double PrefetchMicros = 10_000;
    private const int MaxBatch = 512;
    private const int OutBufferLimit = 1 << 20;
    private static readonly long SpinTicks = Stopwatch.Frequency / 33_000; // 30 µs

    private readonly WorkerGroupOptions _options;
    private readonly long _timeoutTicks;

    // Shared with the threads that submit work, under _queueLock.
    private readonly Lock _queueLock = new();
    private readonly TaskDeque _queue = new();
    private int _queued;        // _queue.Count, readable without the lock
    private bool _stopping;     // no more tasks will come
    private bool _terminating;  // kill the workers, run nothing more
    private readonly ConcurrentQueue<Action> _control = new();
    private int _sleeping;      // 1 while the manager is (about to be) blocked in epoll_wait
    private volatile int[] _pids = [];

    // Owned by the manager thread.
    private readonly List<WorkerSlot> _slots = [];
    private readonly Dictionary<MethodInfo, MethodTimes> _times = [];
    private readonly int _epoll;
    private readonly int _wake;
    private int _workerCounter;
    private long _nextSeq = 1;
    private bool _broken;

    private readonly Lock _threadLock = new();
    private SpindleThread? _thread;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WorkerGroup(WorkerGroupOptions options)
    {
        _options = options;
        _timeoutTicks = options.TaskTimeout is { } timeout ? (long)(timeout.TotalSeconds * Stopwatch.Frequency) : 0;
        _epoll = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
        if (_epoll < 0) throw new IOException($"epoll_create1 failed: {Libc.Describe(Libc.LastErrno)}.");
        _wake = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (_wake < 0)
        {
            Libc.CloseFd(_epoll);
            throw new IOException($"eventfd failed: {Libc.Describe(Libc.LastErrno)}.");
        }
        Register(_wake, 0, Libc.EPOLLIN, Libc.EPOLL_CTL_ADD);
        if (!options.StartAll) return;
        // A pool starts its workers in its constructor, as Python's does, so a failure to start is raised there.
        try
        {
            for (var i = 0; i < options.Size; i++) Spawn();
        }
        catch
        {
            lock (_queueLock) _terminating = _stopping = true;
            foreach (var slot in _slots) slot.Kill();
            StartManager(); // reaps the workers it started, then exits
            throw;
        }
        StartManager();
    }

    /// <summary>Completes once the manager has exited (every worker gone).</summary>
    public Task Exited => _exited.Task;

    /// <summary>The pids of the workers now.</summary>
    public IReadOnlyList<int> Pids => _pids;

    /// <summary>Queues a task (any thread).</summary>
    public void Add(RemoteTask task)
    {
        lock (_queueLock)
        {
            _queue.AddLast(task);
            _queued = _queue.Count;
        }
        StartManager();
        Wake();
    }

    /// <summary>Removes and returns the tasks not yet sent (any thread).</summary>
    public List<RemoteTask> DrainQueued()
    {
        lock (_queueLock)
        {
            var all = _queue.RemoveAll();
            _queued = 0;
            return all;
        }
    }

    /// <summary>No more tasks will come: workers exit once the queue is empty and their tasks are done.</summary>
    public void Stop()
    {
        lock (_queueLock) _stopping = true;
        Wake();
    }

    /// <summary>Kills the workers now; their running tasks fail as terminated, their other tasks are dropped too.</summary>
    public void Terminate()
    {
        lock (_queueLock) _terminating = _stopping = true;
        Post(() =>
        {
            foreach (var slot in _slots) slot.Kill();
        });
    }

    /// <summary>Waits for the manager (and so every worker) to finish; at once on the manager thread itself.</summary>
    public void Join()
    {
        SpindleThread? thread;
        lock (_threadLock) thread = _thread;
        if (thread is null || thread == Threads.Current) return;
        thread.Join();
    }

    private void StartManager()
    {
        lock (_threadLock)
        {
            if (_thread is not null) return;
            _thread = new SpindleThread(Manage, $"{_options.Name}-manager", daemon: true);
            _thread.Start();
        }
    }

    private void Post(Action action)
    {
        _control.Enqueue(action);
        StartManager();
        Wake();
    }

    private unsafe void Wake()
    {
        if (Interlocked.CompareExchange(ref _sleeping, 0, 1) != 1) return;
        ulong one = 1;
        Libc.WriteFd(_wake, (byte*)&one, 8);
    }

    private void Manage()
    {
        try
        {
            while (true)
            {
                while (_control.TryDequeue(out var action)) action();
                Dispatch();
                EnsureWorkers();
                if (Finished()) break;
                WaitForEvents(NextDeadlineMilliseconds());
                CheckTimeouts();
            }
        }
#pragma warning disable CA1031 // a fault of the manager itself must fail the work, never leave it hanging
        catch (Exception e)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"{_options.Name}: the pool manager failed: {e}");
            Break("The process pool's manager failed, the pool is not usable anymore", e);
            foreach (var slot in _slots)
            {
                FailAll(slot, _options.BrokenError("The process pool's manager failed", e));
                slot.Kill();
                slot.Process.Join(TimeSpan.FromSeconds(30));
                slot.Release();
            }
            _slots.Clear();
        }
        finally
        {
            Libc.CloseFd(_wake);
            Libc.CloseFd(_epoll);
            _pids = [];
            _exited.TrySetResult();
        }
    }

    private bool Finished()
    {
        if (_slots.Count > 0) return false;
        lock (_queueLock) return (_stopping && _queue.Count == 0) || _broken || _terminating;
    }

    // ---- workers ----

    private void EnsureWorkers()
    {
        bool stopping;
        int queued;
        lock (_queueLock)
        {
            if (_terminating || _broken) return;
            stopping = _stopping;
            queued = _queue.Count;
        }
        var live = 0;
        var idle = false;
        foreach (var slot in _slots)
        {
            if (!slot.Accepting) continue;
            live++;
            idle |= slot.Outstanding.Count == 0;
        }
        int wanted;
        if (_options.StartAll) wanted = !stopping || queued > 0 ? _options.Size : 0;
        else wanted = queued > 0 && !idle ? live + 1 : 0; // Python's executor: a new worker only while none is idle
        try
        {
            for (; live < Math.Min(wanted, _options.Size); live++) Spawn();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or Serialization.NotTransferableException)
        {
            Break("A worker process could not be started, the process pool is not usable anymore", e);
        }
    }

    private void Spawn()
    {
        var (channel, workerEnd) = Pipe.Create(duplex: true);
        SharedArray<byte>? ledger = null;
        SpindleProcess? process = null;
        try
        {
            ledger = WorkerLedger.CreateMemory();
            var number = ++_workerCounter;
            process = SpindleProcess.Create(WorkerMain.Run, new WorkerStart(workerEnd, ledger, _options.Initializer),
                name: string.Create(CultureInfo.InvariantCulture, $"{_options.Name}-worker-{number}"), daemon: true);
            process.Start();
        }
        catch
        {
            channel.Dispose();
            ledger?.Dispose();
            process?.Dispose();
            throw;
        }
        finally
        {
            workerEnd.Dispose(); // the worker has its own copy: with ours closed, its death reads as end of stream
        }
        var fd = channel.FileDescriptor;
        Libc.FcntlInt(fd, Libc.F_SETFL, Libc.FcntlInt(fd, Libc.F_GETFL, 0) | Libc.O_NONBLOCK);
        var slot = new WorkerSlot(_workerCounter, process, channel, ledger);
        _slots.Add(slot);
        Register(fd, (ulong)slot.Id, Libc.EPOLLIN, Libc.EPOLL_CTL_ADD);
        _pids = [.. _slots.Select(s => s.Pid)];
        process.JoinAsync().ContinueWith(_ => Post(() => OnExited(slot)), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private unsafe void Register(int fd, ulong id, uint events, int operation)
    {
        var ev = new Libc.EpollEvent { Events = events, Data = id };
        if (Libc.EpollCtl(_epoll, operation, fd, &ev) != 0 && operation != Libc.EPOLL_CTL_DEL)
            throw new IOException($"epoll_ctl failed: {Libc.Describe(Libc.LastErrno)}.");
    }

    // ---- dispatch ----

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

    // ---- events ----

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

    // ---- deaths ----

    private void OnExited(WorkerSlot slot)
    {
        if (!_slots.Contains(slot)) return;
        Read(slot); // everything it sent before it died is in the socket: read it to the end
        var pending = slot.Ledger.PendingBytes;
        if (pending > 0) Deliver(slot, slot.Ledger.Area[..pending], replay: true);
        var exitCode = slot.Process.ExitCode ?? Reaper.LostStatus;
        var expected = slot.Retiring && !slot.Killed && slot.Outstanding.Count == 0 && exitCode == 0;
        if (!expected) Died(slot, exitCode);
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

    // ---- timeouts ----

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
    /// When the task the worker runs must end: its start (from the ledger) plus the timeout; when it has not started
    /// its first task yet, the earliest it could end (sent + timeout), to look again then.
    /// </summary>
    private (long At, bool Started)? Deadline(WorkerSlot slot)
    {
        if (slot.Killed || !slot.Outstanding.TryPeek(out var head)) return null;
        var running = slot.Ledger.RunningSeq;
        var started = slot.Ledger.StartedAt;
        return running >= head.Seq ? (started + _timeoutTicks, true) : (head.SentAt + _timeoutTicks, false);
    }

    /// <summary>How long one call of a method takes, smoothed; recent calls weigh half (the first ones include JIT compilation).</summary>
    private sealed class MethodTimes(double micros)
    {
        public double MicrosPerItem { get; private set; } = micros;

        public void Add(double micros) => MicrosPerItem += (micros - MicrosPerItem) * 0.5;
    }
}
