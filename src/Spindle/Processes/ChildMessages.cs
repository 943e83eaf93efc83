using System.Text;

namespace Spindle.Processes;

/// <summary>The body of a <see cref="FrameKind.Start"/> frame: who the child is, its authkey, and the encoded target.</summary>
/// <remarks><see cref="Descriptors"/> are not in the body: the parent passes them with SCM_RIGHTS right after the frame; the body carries their count.</remarks>
internal sealed record StartMessage(string Name, bool Daemon, int ParentPid, string ParentName, byte[] AuthKey, byte[] Target, int[] Descriptors)
{
    internal byte[] Encode()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Name);
            writer.Write(Daemon);
            writer.Write(ParentPid);
            writer.Write(ParentName);
            writer.Write(AuthKey.Length);
            writer.Write(AuthKey);
            writer.Write(Target.Length);
            writer.Write(Target);
            writer.Write(Descriptors.Length);
        }
        return stream.ToArray();
    }

    internal static StartMessage Decode(byte[] body)
    {
        using var reader = new BinaryReader(new MemoryStream(body), Encoding.UTF8);
        var name = reader.ReadString();
        var daemon = reader.ReadBoolean();
        var parentPid = reader.ReadInt32();
        var parentName = reader.ReadString();
        var authKey = ReadBlock(reader, "authkey");
        var target = ReadBlock(reader, "target");
        var count = reader.ReadInt32();
        if (count is < 0 or > Native.Libc.MaxFdsPerMessage) throw new InvalidDataException($"Malformed Spindle start frame: {count} descriptors announced.");
        // The numbers are filled in by the receiver once the SCM_RIGHTS message has arrived.
        return new StartMessage(name, daemon, parentPid, parentName, authKey, target, new int[count]);
    }

    private static byte[] ReadBlock(BinaryReader reader, string what)
    {
        var length = reader.ReadInt32();
        if (length < 0) throw new InvalidDataException($"Malformed Spindle start frame: the {what} has length {length}.");
        var bytes = reader.ReadBytes(length);
        return bytes.Length == length ? bytes : throw new InvalidDataException($"Malformed Spindle start frame: the {what} is truncated.");
    }
}

/// <summary>The body of a <see cref="FrameKind.Failed"/> frame: the child's unhandled exception, as text.</summary>
internal sealed record FailureMessage(string TypeName, string Message, string StackTrace, string Details)
{
    internal static FailureMessage From(Exception exception) =>
        new(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.StackTrace ?? "", exception.ToString());

    internal byte[] Encode()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(TypeName);
            writer.Write(Message);
            writer.Write(StackTrace);
            writer.Write(Details);
        }
        return stream.ToArray();
    }

    internal static FailureMessage Decode(byte[] body)
    {
        using var reader = new BinaryReader(new MemoryStream(body), Encoding.UTF8);
        return new FailureMessage(reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadString());
    }
}
