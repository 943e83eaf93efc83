using System.Buffers;

namespace Spindle.Serialization;

/// <summary>
/// Encodes single values (results, queue items, pipe messages) for another process, in Spindle's compact binary
/// format. Python: <c>pickle.dumps</c>/<c>pickle.loads</c> as <c>multiprocessing</c> uses them for values.
/// </summary>
/// <remarks>
/// What crosses: primitives, strings, enums, <see cref="DateTime"/>/<see cref="DateTimeOffset"/>/<see cref="TimeSpan"/>/
/// <see cref="Guid"/> and friends, arrays, <see cref="List{T}"/>, <see cref="Dictionary{TKey,TValue}"/>,
/// <see cref="HashSet{T}"/>, tuples, records and plain classes/structs whose state is public, delegates to static
/// methods or transferable targets, and <see cref="IShareable"/> objects (by reference). Shared references and cycles
/// arrive shared. Anything else is refused with <see cref="NotTransferableException"/> naming where it sits.
/// Payloads name types and assemblies: decode only payloads from an authenticated peer (the process layer
/// guarantees this), since a payload can make this process load an assembly it names.
/// </remarks>
public static class ValueCodec
{
    private static readonly TypePlan s_object = TypePlans.For(typeof(object));

    /// <summary>Encodes <paramref name="value"/> into a new array. Python: <c>pickle.dumps(obj)</c>.</summary>
    /// <exception cref="NotTransferableException">Something in the value cannot cross; the message names its path and type.</exception>
    public static byte[] Encode<T>(T value)
    {
        using var payload = EncodeRented(value);
        return Payloads.ToArray(payload.Bytes);
    }

    /// <summary>Encodes <paramref name="value"/> into <paramref name="output"/>; nothing is written if it is refused. Python: <c>pickle.dump(obj, file)</c>.</summary>
    /// <exception cref="NotTransferableException">Something in the value cannot cross; the message names its path and type.</exception>
    public static void Encode<T>(IBufferWriter<byte> output, T value) => Encode(output, value, "value");

    /// <summary>As <see cref="Encode{T}(IBufferWriter{byte}, T)"/>, naming the value <paramref name="root"/> in a refusal (e.g. "the task's result").</summary>
    internal static void Encode<T>(IBufferWriter<byte> output, T value, string root)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var payload = EncodeRented(value, root);
        output.Write(payload.Bytes);
    }

    /// <summary>
    /// Encodes <paramref name="value"/> into this thread's pooled buffer, without copying it out: for writers that copy
    /// the bytes straight where they go (the process queues' shared rings). Dispose the result before encoding again.
    /// </summary>
    /// <exception cref="NotTransferableException">Something in the value cannot cross; the message names its path and type.</exception>
    internal static RentedPayload EncodeRented<T>(T value, string root = "value")
    {
        var writer = Writer.Rent();
        if (ScalarPayloads.TryWrite(writer, value)) return new RentedPayload(writer);
        writer.Return();
        return new RentedPayload(Payloads.EncodeRented(PayloadHeader.Value, w => WriteRoot(w, value, root)));
    }

    /// <summary>Decodes a value of type <typeparamref name="T"/>. Python: <c>pickle.loads(data)</c>.</summary>
    /// <exception cref="SerializationFormatException">The data is malformed, names a type that is not here, or holds something other than a <typeparamref name="T"/>.</exception>
    public static T Decode<T>(ReadOnlySpan<byte> data)
    {
        if (ScalarPayloads.TryRead(data, out T scalar)) return scalar;
        var value = DecodeGeneral(data);
        if (value is T typed) return typed;
        if (value is null && default(T) is null) return default!;
        throw new SerializationFormatException(
            $"The payload holds {(value is null ? "null" : "a " + TypeNames.Display(value.GetType()))}, not a {TypeNames.Display(typeof(T))}.");
    }

    /// <summary>Decodes a value as whatever type it was encoded as (boxed). Python: <c>pickle.loads(data)</c>.</summary>
    /// <exception cref="SerializationFormatException">The data is malformed or names a type that is not here.</exception>
    public static object? Decode(ReadOnlySpan<byte> data) =>
        ScalarPayloads.TryRead(data, out object? scalar) ? scalar : DecodeGeneral(data);

    private static object? DecodeGeneral(ReadOnlySpan<byte> data) =>
        Payloads.Decode(data, PayloadHeader.Value, static (ref Reader r) => r.ReadSlot(s_object));

    private static void WriteRoot<T>(Writer writer, T value, string root)
    {
        try
        {
            writer.WriteSlot(value, s_object);
        }
        catch (PathException e)
        {
            throw e.ToPublic(root);
        }
    }
}

/// <summary>An encoded payload still in the encoding thread's pooled buffer (see <see cref="ValueCodec.EncodeRented{T}"/>).</summary>
internal readonly struct RentedPayload(Writer writer) : IDisposable
{
    /// <summary>The payload's bytes, valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> Bytes => writer.Written;

    /// <summary>Gives the buffer back to the thread.</summary>
    public void Dispose() => writer.Return();
}
