namespace Spindle.Coroutines;

/// <summary>
/// Raised inside a greenlet to kill it (Python: <c>greenlet.GreenletExit</c>). A greenlet that lets it escape finishes
/// normally: its parent receives the exception object as the greenlet's return value, as Python's does.
/// <see cref="Greenlet.Throw"/> with no argument and <see cref="HubGreenlet.Kill"/> raise it.
/// </summary>
public class GreenletExitException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public GreenletExitException() : base("The greenlet was killed (GreenletExit).") { }

    /// <summary>Creates the exception with a message.</summary>
    public GreenletExitException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public GreenletExitException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// A wait on the hub can never end: nothing it watches (timers, sockets, .NET tasks being awaited) can wake anyone.
/// Raised in the thread's main greenlet instead of hanging. Python: <c>gevent.exceptions.LoopExit</c>
/// ("This operation would block forever").
/// </summary>
public class LoopExitException : InvalidOperationException
{
    /// <summary>Creates the exception with the default message.</summary>
    public LoopExitException() : base("This operation would block forever: the hub has no timer, socket or task that could wake the waiting greenlet.") { }

    /// <summary>Creates the exception with a message.</summary>
    public LoopExitException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public LoopExitException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// A <see cref="HubTimeout"/> expired: raised in the greenlet that started it, wherever it waits.
/// Python: <c>gevent.Timeout</c> (which is itself the exception); a <see cref="TimeoutException"/> here, as Python's
/// <c>TimeoutError</c> maps to it everywhere in Spindle.
/// </summary>
public class HubTimeoutException : TimeoutException
{
    /// <summary>Creates the exception with the default message.</summary>
    public HubTimeoutException() : base("The hub timeout expired.") { }

    /// <summary>Creates the exception with a message.</summary>
    public HubTimeoutException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public HubTimeoutException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception raised by <paramref name="timeout"/>.</summary>
    public HubTimeoutException(HubTimeout timeout) : base(timeout?.ToString() ?? "The hub timeout expired.") => Timeout = timeout;

    /// <summary>The timeout that expired, so nested timeouts can tell theirs apart (Python: <c>except Timeout as t: if t is not mine: raise</c>).</summary>
    public HubTimeout? Timeout { get; }
}
