namespace Spindle.Threading;

/// <summary>
/// A pool's result-handler thread (Python: <c>Pool._result_handler</c>): runs posted callbacks one at a time, in order,
/// never on a worker and never on a caller of <c>Get</c>.
/// </summary>
internal sealed class CallbackDispatcher
{
    private readonly Queue<Action> _callbacks = new();
    private readonly object _gate = new();
    private readonly SpindleThread _thread;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _completing;
    private bool _exitedFlag;

    public CallbackDispatcher(string name)
    {
        _thread = new SpindleThread(Run, name, daemon: true);
        _thread.Start();
    }

    /// <summary>Completes once the thread has run every callback and exited.</summary>
    public Task Exited => _exited.Task;

    public void Post(Action callback)
    {
        lock (_gate)
        {
            if (!_exitedFlag)
            {
                _callbacks.Enqueue(callback);
                Monitor.Pulse(_gate);
                return;
            }
        }
        callback(); // nothing can post once the pool is stopped; never lose a callback if something still does
    }

    /// <summary>Lets the thread exit once the queued callbacks have run.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completing = true;
            Monitor.Pulse(_gate);
        }
    }

    public void Join()
    {
        if (Threads.Current != _thread) _thread.Join();
    }

    private void Run()
    {
        while (true)
        {
            Action callback;
            lock (_gate)
            {
                while (_callbacks.Count == 0 && !_completing) Monitor.Wait(_gate);
                if (_callbacks.Count == 0)
                {
                    _exitedFlag = true;
                    break;
                }
                callback = _callbacks.Dequeue();
            }
            callback(); // posted callbacks report their own failures
        }
        _exited.TrySetResult();
    }
}
