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
/// <param name="Initializer">What each worker runs first (it crosses with the worker's start), or null.</param>
/// <param name="MaxTasksPerChild">Tasks after which a worker is replaced, or null.</param>
/// <param name="TaskTimeout">How long one call (one item of a chunk) may run before its worker is killed, or null.</param>
/// <param name="StartAll">Start every worker at once and keep them all (a pool); else start them as work arrives (an executor).</param>
/// <param name="BreakOnDeath">A worker that dies by itself breaks the group (an executor, as Python's); else only its running task fails.</param>
/// <param name="BrokenError">Makes the exception of work that fails because the group broke.</param>
/// <param name="OnBroken">Tells the owner the group broke (it then refuses work and fails what it has queued).</param>
internal sealed record WorkerGroupOptions(
    string Name,
    int Size,
    Action? Initializer,
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
internal sealed partial class WorkerGroup
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

    /// <summary>
    /// Sends <paramref name="signal"/> to every worker alive now, as an outsider would: their deaths are not expected,
    /// so a group that breaks on a death breaks, failing the tasks they held.
    /// </summary>
    public void SignalWorkers(int signal) => Post(() =>
    {
        foreach (var slot in _slots)
        {
            try
            {
                if (signal == Libc.SIGKILL) slot.Process.Kill();
                else slot.Process.Terminate();
            }
            catch (InvalidOperationException)
            {
                // already closed: it has exited
            }
        }
    });

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
}
