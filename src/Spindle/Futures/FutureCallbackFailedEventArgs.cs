namespace Spindle;

/// <summary>
/// A done-callback threw (Python logs <c>"exception calling callback for &lt;Future …&gt;"</c> from
/// <c>Future._invoke_callbacks</c>). Raised through <see cref="Future.CallbackFailed"/>.
/// </summary>
public sealed class FutureCallbackFailedEventArgs : EventArgs
{
    /// <summary>Creates the event data (Python passes the future to <c>LOGGER.exception</c>).</summary>
    public FutureCallbackFailedEventArgs(Future future, Exception exception)
    {
        Future = future;
        Exception = exception;
    }

    /// <summary>The future whose callback failed (Python: the future named in the log message).</summary>
    public Future Future { get; }

    /// <summary>What the callback threw (Python: the logged <c>exc_info</c>).</summary>
    public Exception Exception { get; }
}
