namespace Spindle;

/// <summary>
/// Why an executor or a pool stopped accepting work (Python: the message of <c>BrokenExecutor</c> and its cause),
/// recorded once — the first reason wins. Callers read and write it under their own state lock.
/// </summary>
internal sealed class BrokenState
{
    private string? _reason;
    private Exception? _cause;

    public bool IsBroken => _reason is not null;

    public void Mark(string reason, Exception? cause)
    {
        if (_reason is not null) return;
        _reason = reason;
        _cause = cause;
    }

    /// <summary>A new exception for each failed future or call (exceptions are not shared between throws).</summary>
    public BrokenExecutorException ToException() =>
        _cause is null ? new BrokenExecutorException(_reason!) : new BrokenExecutorException(_reason!, _cause);
}
