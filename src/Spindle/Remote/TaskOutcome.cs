using System.Buffers;
using System.Reflection;
using Spindle.Pools;
using Spindle.Processes;
using Spindle.Serialization;

namespace Spindle.Remote;

/// <summary>
/// How a task ended, as bytes: its value (<see cref="ValueCodec"/>), or the exception it raised with type, message and
/// remote stack trace. Decoded by the executor into the future, where the exception is raised as its own type when
/// that type can be built from a message and an inner exception — the inner exception being a
/// <see cref="RemoteException"/> with the remote stack trace (Python re-raises the task's exception with the remote
/// traceback as its <c>__cause__</c>) — and as the <see cref="RemoteException"/> itself otherwise, as the process pools do
/// (<see cref="RemoteErrors"/>).
/// </summary>
internal static class TaskOutcome
{
    private const byte ValueTag = 0;
    private const byte FailureTag = 1;

    /// <summary>A value outcome.</summary>
    /// <exception cref="NotTransferableException">The value cannot cross to another process.</exception>
    public static byte[] Success(object? value)
    {
        var output = new ArrayBufferWriter<byte>(64);
        output.Write([ValueTag]);
        ValueCodec.Encode(output, value);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>A failure outcome: <paramref name="error"/>'s type, message and stack trace, as text.</summary>
    public static byte[] Failure(Exception error)
    {
        if (error is TargetInvocationException { InnerException: { } inner }) error = inner;
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(FailureTag);
            writer.Write(error.GetType().AssemblyQualifiedName ?? "");
            writer.WriteBytes(FailureMessage.From(error).Encode());
        }
        return stream.ToArray();
    }

    /// <summary>For a failure outcome, "Type: message" of the exception (what a worker logs); null for a value.</summary>
    public static string? FailureSummary(byte[] outcome)
    {
        if (outcome is not [FailureTag, ..]) return null;
        try
        {
            using var reader = new BinaryReader(new MemoryStream(outcome, 1, outcome.Length - 1, writable: false));
            reader.ReadString();
            var failure = FailureMessage.Decode(reader.ReadBytes());
            return $"{failure.TypeName}: {failure.Message}";
        }
        catch (IOException)
        {
            return "a malformed failure";
        }
    }

    /// <summary>Completes <paramref name="item"/> with the outcome; false if it was already done (a duplicate, or cancelled).</summary>
    public static bool Deliver(byte[] outcome, IWorkItem item)
    {
        if (item.Future.IsDone) return false;
        if (outcome.Length == 0) return Fail(item, new InvalidDataException("The task's outcome is empty."));
        if (outcome[0] == ValueTag)
        {
            object? value;
            try
            {
                value = ValueCodec.Decode(outcome.AsSpan(1));
            }
            catch (SerializationFormatException e)
            {
                return Fail(item, e);
            }
            try
            {
                return item.TryComplete(value);
            }
            catch (InvalidCastException e)
            {
                return Fail(item, new SerializationFormatException($"The task returned {(value is null ? "null" : "a " + TypeNames.Display(value.GetType()))}, which its future cannot hold: {e.Message}", e));
            }
        }
        if (outcome[0] != FailureTag) return Fail(item, new InvalidDataException($"The task's outcome has unknown tag {outcome[0]}."));
        try
        {
            using var reader = new BinaryReader(new MemoryStream(outcome, 1, outcome.Length - 1, writable: false));
            var qualifiedName = reader.ReadString();
            var failure = FailureMessage.Decode(reader.ReadBytes());
            return Fail(item, Rebuild(qualifiedName, failure));
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return Fail(item, new InvalidDataException($"The task's failure outcome is malformed: {e.Message}", e));
        }
    }

    private static bool Fail(IWorkItem item, Exception error)
    {
        if (item.Future.IsDone) return false;
        item.Fail(error);
        return true;
    }

    private static Exception Rebuild(string qualifiedName, FailureMessage failure)
    {
        var remote = new RemoteException(failure.TypeName, failure.Message, failure.StackTrace, failure.Details);
        return RemoteErrors.Rebuild(qualifiedName, failure.Message, remote) ?? remote;
    }
}
