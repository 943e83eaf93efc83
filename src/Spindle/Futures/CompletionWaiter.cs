namespace Spindle;

/// <summary>
/// Collects the futures of one <see cref="Futures.Wait"/> or <see cref="Futures.AsCompleted"/> call as they complete
/// (Python: <c>_AllCompletedWaiter</c>, <c>_FirstCompletedWaiter</c>, <c>_AsCompletedWaiter</c> in one class).
/// Registered on each future, so waiting costs one wake-up per completion and no polling.
/// </summary>
internal sealed class CompletionWaiter : FutureListener
{
    private readonly object _gate = new();
    private readonly ReturnWhen _returnWhen;
    private readonly HashSet<Future> _all;
    private readonly List<Future> _registered = [];
    private readonly List<Future> _finished = [];
    private int _taken;    // how many of _finished AsCompleted has handed out
    private int _pending;
    private bool _sawException;
    private TaskCompletionSource? _signal;

    private CompletionWaiter(HashSet<Future> all, ReturnWhen returnWhen)
    {
        _all = all;
        _returnWhen = returnWhen;
        _pending = all.Count;
    }

    /// <summary>The distinct futures, by reference.</summary>
    public IReadOnlySet<Future> All => _all;

    /// <summary>Collects the futures (duplicates once) and registers on those not yet done; done ones come first.</summary>
    public static CompletionWaiter Install(IEnumerable<Future> futures, ReturnWhen returnWhen)
    {
        ArgumentNullException.ThrowIfNull(futures);
        var all = new HashSet<Future>(ReferenceEqualityComparer.Instance);
        var ordered = new List<Future>();
        foreach (var future in futures)
        {
            if (future is null) throw new ArgumentException("The futures must not contain null.", nameof(futures));
            if (all.Add(future)) ordered.Add(future);
        }
        var waiter = new CompletionWaiter(all, returnWhen);
        var notDone = new List<Future>(ordered.Count);
        foreach (var future in ordered)
        {
            if (future.IsDone) waiter.OnFutureDone(future);
            else notDone.Add(future);
        }
        foreach (var future in notDone)
        {
            if (future.TryAddListener(waiter)) waiter._registered.Add(future);
            else waiter.OnFutureDone(future);
        }
        return waiter;
    }

    /// <summary>Unregisters from every future still holding this waiter (Python removes its waiter in a finally).</summary>
    public void Uninstall()
    {
        foreach (var future in _registered) future.RemoveListener(this);
    }

    internal override void OnFutureDone(Future future)
    {
        TaskCompletionSource? signal = null;
        lock (_gate)
        {
            _finished.Add(future);
            _pending--;
            if (future.IsFaulted) _sawException = true;
            if (IsSignalled)
            {
                Monitor.PulseAll(_gate);
                signal = _signal;
                _signal = null;
            }
        }
        signal?.TrySetResult();
    }

    // For FirstCompleted the condition is "something not yet handed out", which is what AsCompleted waits for too.
    private bool IsSignalled => _returnWhen switch
    {
        ReturnWhen.FirstCompleted => _finished.Count > _taken,
        ReturnWhen.FirstException => _sawException || _pending == 0,
        _ => _pending == 0,
    };

    /// <summary>Blocks until the return condition holds; false if the deadline passed first.</summary>
    public bool WaitSignalled(Deadline deadline)
    {
        lock (_gate)
        {
            while (!IsSignalled)
            {
                var milliseconds = deadline.RemainingMilliseconds;
                if (milliseconds == 0) return false;
                Monitor.Wait(_gate, milliseconds);
            }
            return true;
        }
    }

    /// <summary>Awaitable twin of <see cref="WaitSignalled"/>.</summary>
    public async Task<bool> WaitSignalledAsync(Deadline deadline, CancellationToken cancellationToken)
    {
        Task signalled;
        lock (_gate)
        {
            if (IsSignalled) return true;
            _signal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            signalled = _signal.Task;
        }
        try
        {
            await signalled.WaitAsync(deadline.Remaining, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            lock (_gate) return IsSignalled;
        }
    }

    /// <summary>The futures completed since the last call, in completion order (for AsCompleted).</summary>
    public List<Future> TakeFinished()
    {
        lock (_gate)
        {
            var batch = _finished.GetRange(_taken, _finished.Count - _taken);
            _taken = _finished.Count;
            return batch;
        }
    }

    /// <summary>The split into done and not done, as it stands now.</summary>
    public DoneAndNotDone Snapshot()
    {
        HashSet<Future> done;
        lock (_gate) done = new HashSet<Future>(_finished, ReferenceEqualityComparer.Instance);
        var notDone = new HashSet<Future>(ReferenceEqualityComparer.Instance);
        foreach (var future in _all)
        {
            if (!done.Contains(future)) notDone.Add(future);
        }
        return new DoneAndNotDone(done, notDone);
    }
}
