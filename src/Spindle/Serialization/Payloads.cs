using System.Reflection;

namespace Spindle.Serialization;

/// <summary>The frame shared by every payload: header, rented state, error translation, and the trailing-bytes check.</summary>
internal static class Payloads
{
    public delegate void Body(Writer writer);

    public delegate T ReadBody<T>(ref Reader reader);

    public static readonly Func<ReadOnlySpan<byte>, byte[]> ToArray = static bytes =>
    {
        // Every byte is overwritten at once: skip the zeroing (the runtime does for arrays of 2 KiB and more).
        var array = GC.AllocateUninitializedArray<byte>(bytes.Length);
        bytes.CopyTo(array);
        return array;
    };

    /// <summary>Encodes into the thread's pooled buffer and hands the bytes to <paramref name="emit"/>; nothing is emitted on refusal.</summary>
    public static TResult Encode<TResult>(byte kind, Body body, Func<ReadOnlySpan<byte>, TResult> emit, List<int>? descriptors = null)
    {
        var writer = EncodeRented(kind, body, descriptors);
        try
        {
            return emit(writer.Written);
        }
        finally
        {
            writer.Return();
        }
    }

    /// <summary>Encodes into the thread's pooled writer and returns it; the caller reads <see cref="Writer.Written"/> and hands it back with <see cref="Writer.Return"/>.</summary>
    public static Writer EncodeRented(byte kind, Body body, List<int>? descriptors = null)
    {
        var writer = Writer.Rent();
        try
        {
            writer.Descriptors = descriptors;
            try
            {
                WriteAll(writer, kind, body);
            }
            catch (PruningConflictException)
            {
                writer.Reset();
                writer.PruneClosures = false;
                descriptors?.Clear();
                writer.Descriptors = descriptors;
                WriteAll(writer, kind, body);
            }
            return writer;
        }
        catch
        {
            writer.Return();
            throw;
        }
    }

    private static void WriteAll(Writer writer, byte kind, Body body)
    {
        writer.WriteByte(PayloadHeader.Magic);
        writer.WriteByte(PayloadHeader.Version);
        writer.WriteByte(kind);
        body(writer);
    }

    public static T Decode<T>(ReadOnlySpan<byte> payload, byte kind, ReadBody<T> body, IReadOnlyList<int>? descriptors = null)
    {
        if (payload.Length < 3 || payload[0] != PayloadHeader.Magic)
            throw new SerializationFormatException("Malformed payload: it does not start with the Spindle payload header.");
        if (payload[1] != PayloadHeader.Version)
            throw new SerializationFormatException($"The payload has format version {payload[1]}; this build reads version {PayloadHeader.Version}.");
        if (payload[2] != kind)
            throw new SerializationFormatException($"The payload holds a {(payload[2] == PayloadHeader.Call ? "call" : payload[2] == PayloadHeader.Value ? "value" : "payload of unknown kind " + payload[2])}, not a {(kind == PayloadHeader.Call ? "call" : "value")}.");
        var state = ReadState.Rent();
        state.Descriptors = descriptors;
        try
        {
            var reader = new Reader(payload[3..], state);
            var result = body(ref reader);
            if (reader.Remaining != 0)
                throw reader.Malformed($"{reader.Remaining} bytes are left over after the end of the payload");
            return result;
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or OverflowException or MemberAccessException
                                      or TypeLoadException or NotSupportedException or TargetInvocationException or InvalidOperationException)
        {
            // Reflection and collection APIs validate what the payload claims (a type that does not fit, a
            // constructor refusing state); to the caller these are all the same thing: a bad payload.
            throw new SerializationFormatException($"Malformed payload: {e.Message}", e);
        }
        finally
        {
            state.Return();
        }
    }
}
