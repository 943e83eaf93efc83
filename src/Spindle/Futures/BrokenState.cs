namespace Spindle;

/// <summary>
/// Why an executor or a pool stopped accepting work (Python: the message of <c>BrokenExecutor</c> and its cause),
/// recorded once — the first reason wins. Callers read and write it under their own state lock.
/// </summary>
internal sealed class BrokenState
{
    private string? _reason;
    private Exception? _cause;
    private Func<string, Exception?, BrokenExecutorException>? _create;

    public bool IsBroken => _reason is not null;

    /// <param name="reason">The message every failure carries.</param>
    /// <param name="cause">What broke it (the failures' inner exception).</param>
    /// <param name="create">Makes the failures when they are a subclass (Python's <c>BrokenProcessPool</c>); default <see cref="BrokenExecutorException"/>.</param>
    public void Mark(string reason, Exception? cause, Func<string, Exception?, BrokenExecutorException>? create = null)
    {
        if (_reason is not null) return;
        _reason = reason;
        _cause = cause;
        _create = create;
    }

    /// <summary>A new exception for each failed future or call (exceptions are not shared between throws).</summary>
    public BrokenExecutorException ToException() =>
        _create is not null ? _create(_reason!, _cause)
        : _cause is null ? new BrokenExecutorException(_reason!) : new BrokenExecutorException(_reason!, _cause);
}
