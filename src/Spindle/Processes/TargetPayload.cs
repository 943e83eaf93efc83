using System.Reflection;
using System.Text;

namespace Spindle.Processes;

/// <summary>The seam between process start-up and the serializer: a target delegate with its arguments, as bytes.</summary>
internal static class TargetPayload
{
    /// <summary>Encodes the call; throws (before anything is started) if something cannot cross.</summary>
    internal static byte[] Encode(Delegate target, object?[] args)
    {
        // Interim until Spindle.Serialization.CallCodec lands: static methods with primitive or string arguments.
        if (target.Target is not null)
            throw new ArgumentException($"Only static methods can cross for now, not a delegate to {target.Method.DeclaringType}.{target.Method.Name} bound to an instance.", nameof(target));
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(target.Method.Module.Assembly.FullName!);
            writer.Write(target.Method.MetadataToken);
            writer.Write(args.Length);
            foreach (var arg in args)
            {
                switch (arg)
                {
                    case null: writer.Write((byte)0); break;
                    case int i: writer.Write((byte)1); writer.Write(i); break;
                    case string s: writer.Write((byte)2); writer.Write(s); break;
                    default: throw new ArgumentException($"Argument of type {arg.GetType()} cannot cross for now.", nameof(args));
                }
            }
        }
        return stream.ToArray();
    }

    /// <summary>Decodes a call into an action that runs it.</summary>
    internal static Action Decode(byte[] payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
        var assembly = Assembly.Load(reader.ReadString());
        var method = assembly.ManifestModule.ResolveMethod(reader.ReadInt32())!;
        var args = new object?[reader.ReadInt32()];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = reader.ReadByte() switch
            {
                0 => null,
                1 => reader.ReadInt32(),
                _ => reader.ReadString(),
            };
        }
        return () => method.Invoke(null, args);
    }
}
