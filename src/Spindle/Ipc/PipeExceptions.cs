namespace Spindle.Ipc;

/// <summary>
/// <see cref="Connection.RecvBytesInto(byte[], int)"/> met a message longer than the room in the buffer; the message
/// was consumed and travels in <see cref="ReceivedMessage"/>. Python: <c>multiprocessing.BufferTooShort</c>, whose
/// <c>args[0]</c> holds the message (named <see cref="ReceivedMessage"/> here: <see cref="Exception.Message"/> is the text).
/// </summary>
public sealed class BufferTooShortException : Exception
{
    /// <summary>Creates the error for a message that did not fit. Python: <c>BufferTooShort(message)</c>.</summary>
    public BufferTooShortException(byte[] receivedMessage, int room)
        : base($"The message of {receivedMessage?.Length} bytes does not fit in the {room} bytes left in the buffer; it is in ReceivedMessage.")
    {
        ArgumentNullException.ThrowIfNull(receivedMessage);
        ReceivedMessage = receivedMessage;
    }

    /// <summary>Creates the error with a message of no bytes (serializers and tests).</summary>
    public BufferTooShortException() : this([], 0) { }

    /// <summary>Creates the error with a text only (the received message is empty).</summary>
    public BufferTooShortException(string message) : base(message) => ReceivedMessage = [];

    /// <summary>Creates the error with a text and a cause (the received message is empty).</summary>
    public BufferTooShortException(string message, Exception innerException) : base(message, innerException) => ReceivedMessage = [];

    /// <summary>The whole message that was received. Python: <c>e.args[0]</c>.</summary>
#pragma warning disable CA1819 // The message is the payload of the error, as in Python.
    public byte[] ReceivedMessage { get; }
#pragma warning restore CA1819
}

/// <summary>
/// <see cref="Connection.RecvBytes(int?)"/> met a message longer than its <c>maxLength</c>; the message is left unread,
/// so the connection cannot be read from any more. Python: <c>OSError("bad message length")</c>.
/// </summary>
public sealed class MessageLengthException : IOException
{
    /// <summary>Creates the error. Python: <c>OSError("bad message length")</c>.</summary>
    public MessageLengthException() : base("bad message length") { }

    /// <summary>Creates the error with a text.</summary>
    public MessageLengthException(string message) : base(message) { }

    /// <summary>Creates the error with a text and a cause.</summary>
    public MessageLengthException(string message, Exception innerException) : base(message, innerException) { }
}
