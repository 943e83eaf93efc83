using System.Text;

namespace Spindle.Remote;

/// <summary>What a signed message carries; the kind is signed with the rest, so one kind cannot be replayed as another.</summary>
internal enum MessageKind : byte
{
    /// <summary>A task for a worker (<see cref="TaskMessage"/>).</summary>
    Task = 1,

    /// <summary>A task's outcome for the executor that submitted it (<see cref="ResultMessage"/>).</summary>
    Result = 2,

    /// <summary>Task ids the workers must not start (<see cref="RevokeMessage"/>).</summary>
    Revoke = 3,

    /// <summary>A request that every worker of a queue report itself.</summary>
    Ping = 4,

    /// <summary>A worker's answer to a ping.</summary>
    WorkerReport = 5,
}

/// <summary>
/// The frame of every message between executors and workers, whatever carries it: an HMAC-SHA256 signature under the
/// shared <see cref="AuthKey"/>, then a header (magic, version, <see cref="MessageKind"/>) and the body, all signed.
/// A receiver checks the signature before it reads a single field (see <see cref="Open{T}"/>).
/// </summary>
internal static class Envelope
{
    private const byte Magic = 0xA5;
    private const byte Version = 1;
    private const int HeaderLength = AuthKey.SignatureLength + 3;

    /// <summary>Writes a message of <paramref name="kind"/> whose body <paramref name="write"/> writes, and signs it.</summary>
    public static byte[] Seal(AuthKey key, MessageKind kind, Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(new byte[AuthKey.SignatureLength]); // the signature's place
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write((byte)kind);
            write(writer);
        }
        var message = stream.ToArray();
        key.Sign(message.AsSpan(AuthKey.SignatureLength), message.AsSpan(0, AuthKey.SignatureLength));
        return message;
    }

    /// <summary>The kind of a message whose signature checks out.</summary>
    /// <exception cref="RejectedMessageException">The message is unsigned, signed with another key, altered, or not a Spindle message (<see cref="RejectedMessageException.Unsigned"/>), or of an unknown version.</exception>
    public static MessageKind Verify(AuthKey key, ReadOnlySpan<byte> message)
    {
        if (message.Length < HeaderLength || !key.Verifies(message[..AuthKey.SignatureLength], message[AuthKey.SignatureLength..]))
            throw new RejectedMessageException();
        var header = message[AuthKey.SignatureLength..];
        if (header[0] != Magic) throw new RejectedMessageException("The signed message does not carry the Spindle message header.");
        if (header[1] != Version) throw new RejectedMessageException($"The message has format version {header[1]}; this build reads version {Version}. Run the same Spindle version everywhere.");
        return (MessageKind)header[2];
    }

    /// <summary>Checks the signature and the kind, then reads the body with <paramref name="read"/>, which must read all of it.</summary>
    /// <exception cref="RejectedMessageException">Unsigned or wrongly signed (<see cref="RejectedMessageException.Unsigned"/>), of another kind, or malformed.</exception>
    public static T Open<T>(AuthKey key, byte[] message, MessageKind expected, Func<BinaryReader, T> read)
    {
        var kind = Verify(key, message);
        if (kind != expected) throw new RejectedMessageException($"A {kind} message arrived where a {expected} message was expected.");
        using var reader = new BinaryReader(new MemoryStream(message, HeaderLength, message.Length - HeaderLength, writable: false), Encoding.UTF8);
        T body;
        try
        {
            body = read(reader);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or FormatException or OverflowException)
        {
            throw new RejectedMessageException($"The {kind} message is malformed: {e.Message}", e);
        }
        if (reader.BaseStream.Position != reader.BaseStream.Length)
            throw new RejectedMessageException($"The {kind} message has {reader.BaseStream.Length - reader.BaseStream.Position} bytes left over after its body.");
        return body;
    }

    /// <summary>Writes a length-prefixed byte array.</summary>
    public static void WriteBytes(this BinaryWriter writer, byte[] bytes)
    {
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    /// <summary>Reads a byte array written by <see cref="WriteBytes"/>.</summary>
    public static byte[] ReadBytes(this BinaryReader reader)
    {
        var length = reader.ReadInt32();
        var remaining = reader.BaseStream.Length - reader.BaseStream.Position;
        if (length < 0 || length > remaining) throw new RejectedMessageException($"A field announces {length} bytes; {remaining} are left.");
        return reader.ReadBytes(length);
    }

    /// <summary>Writes a <see cref="Guid"/> as its 16 bytes.</summary>
    public static void Write(this BinaryWriter writer, Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        writer.Write(bytes);
    }

    /// <summary>Reads a <see cref="Guid"/> written by <see cref="Write(BinaryWriter, Guid)"/>.</summary>
    public static Guid ReadGuid(this BinaryReader reader)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (reader.Read(bytes) != 16) throw new EndOfStreamException();
        return new Guid(bytes);
    }
}

/// <summary>
/// A message a receiver refuses to act on: not signed with the shared authkey (<see cref="Unsigned"/>: unsigned, signed
/// with another key, or altered on the way), or signed but malformed or of the wrong kind.
/// </summary>
internal sealed class RejectedMessageException : Exception
{
    public RejectedMessageException()
        : this("The message is not signed with this authkey (unsigned, signed with another key, or altered); it was not read.", unsigned: true) { }

    public RejectedMessageException(string message) : this(message, unsigned: false) { }

    public RejectedMessageException(string message, Exception innerException) : base(message, innerException) { }

    public RejectedMessageException(string message, bool unsigned) : base(message) => Unsigned = unsigned;

    /// <summary>Whether the signature did not check out (nothing in the message was read).</summary>
    public bool Unsigned { get; }
}
