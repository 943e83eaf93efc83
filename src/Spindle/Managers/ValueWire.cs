using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>
/// User values on the manager's wire: each a self-contained <see cref="ValueCodec"/> payload in a blob, so the server
/// can store and return it without decoding it (Python pickles each argument the same way).
/// </summary>
internal static class ValueWire
{
    /// <summary>Encodes <paramref name="value"/> as a blob.</summary>
    /// <exception cref="NotTransferableException">The value cannot cross to another process.</exception>
    internal static void Write<T>(WireWriter writer, T value)
    {
        var mark = writer.BeginBlob();
        ValueCodec.Encode(writer, value);
        writer.EndBlob(mark);
    }

    /// <summary>Encodes a count and then each value.</summary>
    internal static void WriteAll<T>(WireWriter writer, IEnumerable<T> values)
    {
        var mark = writer.Reserve32();
        var count = 0;
        foreach (var value in values)
        {
            Write(writer, value);
            count++;
        }
        writer.Patch32(mark, count);
    }

    internal static T Read<T>(ref WireReader reader) => ValueCodec.Decode<T>(reader.Blob());

    /// <summary>Reads a count and that many values.</summary>
    internal static List<T> ReadAll<T>(ref WireReader reader)
    {
        var count = reader.Count();
        var list = new List<T>(Math.Min(count, reader.Remaining / 4));
        for (var i = 0; i < count; i++) list.Add(Read<T>(ref reader));
        return list;
    }

    /// <summary>Reads [found: bool][value]: the value, or false.</summary>
    internal static (bool Found, T Value) ReadFound<T>(ref WireReader reader) =>
        reader.Bool() ? (true, Read<T>(ref reader)) : (false, default!);
}
