namespace Spindle;

/// <summary>A queued unit of executor work: its future plus what to run (Python: <c>concurrent.futures.thread._WorkItem</c>).</summary>
internal interface IWorkItem
{
    /// <summary>The future the work completes.</summary>
    Future Future { get; }

    /// <summary>The callable, for executors that ship it elsewhere (a process, a broker).</summary>
    Delegate? Function { get; }

    /// <summary>Runs the work unless the future was cancelled, and completes the future.</summary>
    void Run();

    /// <summary>Fails the future without running the work (a broken executor, a dead worker process).</summary>
    void Fail(Exception reason);

    /// <summary>
    /// Completes the future with a result computed elsewhere (a process, a broker), typed only at run time;
    /// false if the future was already done.
    /// </summary>
    bool TryComplete(object? result);
}

/// <summary>
/// The future of <see cref="ExecutorBase.Submit{T}"/> is its own work item, so a submit allocates one object
/// (plus the caller's delegate) and no kernel object.
/// </summary>
internal sealed class WorkItem<T> : Future<T>, IWorkItem
{
    private Func<T>? _fn;

    public WorkItem(Func<T> fn) => _fn = fn;

    public Future Future => this;

    public Delegate? Function => _fn;

    public void Run()
    {
        var fn = _fn;
        _fn = null; // a finished future must not keep the caller's closure alive
        if (fn is null || !SetRunningOrNotifyCancel()) return;
        T result;
        try
        {
            result = fn();
        }
#pragma warning disable CA1031 // the work's exception is the future's outcome, rethrown by Result()
        catch (Exception ex)
#pragma warning restore CA1031
        {
            TrySetException(ex);
            return;
        }
        TrySetResult(result);
    }

    public void Fail(Exception reason)
    {
        _fn = null;
        TrySetException(reason);
    }

    public bool TryComplete(object? result)
    {
        _fn = null;
        return TrySetResult((T)result!);
    }
}
