namespace Spindle.Processes;

/// <summary>
/// An exception that a child process's target threw, brought back to the parent: the remote exception's type
/// name, message and stack trace, as text (the exception object itself stays in the child). Python prints the
/// traceback in the child and gives the parent only <c>Process.exitcode == 1</c>; Spindle does both.
/// </summary>
public class RemoteException : Exception
{
    /// <summary>Creates an empty remote exception.</summary>
    public RemoteException() : this("A child process failed.") { }

    /// <summary>Creates a remote exception with a message.</summary>
    public RemoteException(string message) : base(message)
    {
        RemoteTypeName = "";
        RemoteStackTrace = "";
        RemoteDetails = message;
    }

    /// <summary>Creates a remote exception with a message and an inner exception.</summary>
    public RemoteException(string message, Exception innerException) : base(message, innerException)
    {
        RemoteTypeName = "";
        RemoteStackTrace = "";
        RemoteDetails = message;
    }

    /// <summary>Creates a remote exception from what the child reported.</summary>
    public RemoteException(string remoteTypeName, string message, string remoteStackTrace, string remoteDetails) : base(message)
    {
        RemoteTypeName = remoteTypeName;
        RemoteStackTrace = remoteStackTrace;
        RemoteDetails = remoteDetails;
    }

    /// <summary>Full name of the exception's type in the child (e.g. <c>System.InvalidOperationException</c>).</summary>
    public string RemoteTypeName { get; }

    /// <summary>The stack trace in the child, as text (Python: the traceback the child prints).</summary>
    public string RemoteStackTrace { get; }

    /// <summary>The child exception's full <c>ToString()</c>, inner exceptions included.</summary>
    public string RemoteDetails { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{GetType().FullName}: {RemoteTypeName}: {Message}{Environment.NewLine}--- Remote stack trace ---{Environment.NewLine}{RemoteStackTrace}{Environment.NewLine}--- End of remote stack trace ---{Environment.NewLine}{StackTrace}";
}
