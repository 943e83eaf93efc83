namespace Spindle.Serialization;

/// <summary>
/// A value (an argument, a captured variable, or something reachable from them) cannot be sent to another process.
/// Thrown at encode time, before anything is written or started. Python: the <c>PicklingError</c>/<c>TypeError</c>
/// that <c>multiprocessing</c> raises when a target or argument cannot be pickled.
/// </summary>
public class NotTransferableException : ArgumentException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public NotTransferableException() : this("value", typeof(object), "it cannot be sent to another process") { }

    /// <summary>Creates the exception with a message.</summary>
    public NotTransferableException(string message) : base(message)
    {
        Path = "value";
        OffendingType = typeof(object);
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public NotTransferableException(string message, Exception innerException) : base(message, innerException)
    {
        Path = "value";
        OffendingType = typeof(object);
    }

    /// <summary>Creates the exception for the value at <paramref name="path"/> of type <paramref name="offendingType"/>.</summary>
    /// <param name="path">Where the value sits, e.g. <c>captured variable 'cfg' → property 'Log'</c>.</param>
    /// <param name="offendingType">The runtime type that cannot cross.</param>
    /// <param name="reason">Why it cannot cross.</param>
    /// <param name="innerException">What failed underneath, if anything.</param>
    public NotTransferableException(string path, Type offendingType, string reason, Exception? innerException = null)
        : base($"{path} ({TypeNames.Display(offendingType)}) cannot be sent to another process: {reason}.", innerException)
    {
        Path = path;
        OffendingType = offendingType;
    }

    /// <summary>The path of the offending value, e.g. <c>captured variable 'sock'</c> or <c>argument 1 'fs'</c>.</summary>
    public string Path { get; }

    /// <summary>The runtime type of the offending value.</summary>
    public Type OffendingType { get; }
}

/// <summary>
/// A payload could not be decoded: it is truncated, corrupt, names an unknown type, or was written by a different
/// build of an assembly. Python: the <c>UnpicklingError</c> of <c>pickle.loads</c>.
/// </summary>
public class SerializationFormatException : FormatException
{
    /// <summary>Creates the exception with the default message.</summary>
    public SerializationFormatException() : base("The payload is not a valid Spindle serialization payload.") { }

    /// <summary>Creates the exception with a message.</summary>
    public SerializationFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public SerializationFormatException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// The payload names a method of an assembly whose build differs from the one loaded here (module version ids
/// differ), so running it could run the wrong code. Python has no equivalent: pickle looks functions up by name only.
/// </summary>
public class AssemblyMismatchException : SerializationFormatException
{
    /// <summary>Creates the exception with the default message.</summary>
    public AssemblyMismatchException() : base("The payload was written by a different build of an assembly.") { }

    /// <summary>Creates the exception with a message.</summary>
    public AssemblyMismatchException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public AssemblyMismatchException(string message, Exception innerException) : base(message, innerException) { }
}
