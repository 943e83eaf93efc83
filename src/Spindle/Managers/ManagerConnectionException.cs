namespace Spindle.Managers;

/// <summary>
/// A manager's server cannot be reached, or closed the connection: it has shut down (or was killed), or it dropped this
/// connection because it broke the protocol. Python: the <c>ConnectionRefusedError</c>, <c>EOFError</c> or
/// <c>BrokenPipeError</c> a proxy raises when its manager is gone.
/// </summary>
public class ManagerConnectionException : IOException
{
    /// <summary>Creates the exception with the default message.</summary>
    public ManagerConnectionException() : base("The manager's server cannot be reached.") { }

    /// <summary>Creates the exception with a message.</summary>
    public ManagerConnectionException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the failure underneath.</summary>
    public ManagerConnectionException(string message, Exception innerException) : base(message, innerException) { }
}
