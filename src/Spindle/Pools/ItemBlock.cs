using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Spindle.Serialization;

namespace Spindle.Pools;

/// <summary>
/// How the items and the results of a map chunk cross: an array of primitives (or enums) as one block of its raw
/// bytes — no per-item encoding, one copy each way — and anything else through <see cref="ValueCodec"/>.
/// </summary>
/// <typeparam name="T">The item or result type.</typeparam>
internal static class ItemBlock<T>
{
    /// <summary>
    /// Whether <typeparamref name="T"/> crosses as raw bytes: primitives (but not pointer-sized integers, which often
    /// hold addresses), <see cref="decimal"/> and enums. Both processes run the same build, so the layout is the same.
    /// </summary>
    public static readonly bool IsRaw =
        (typeof(T).IsPrimitive && typeof(T) != typeof(nint) && typeof(T) != typeof(nuint)) || typeof(T) == typeof(decimal) || typeof(T).IsEnum;

    /// <summary>Bytes of one raw item.</summary>
    public static int RawSize => Unsafe.SizeOf<T>();

    /// <summary>The encoded form of items that do not cross raw (refused here, at the call, when they cannot cross at all).</summary>
    public static byte[] Encode(ReadOnlySpan<T> items) => ValueCodec.Encode(items.ToArray());

    /// <summary>The bytes of raw items, in place.</summary>
    public static ReadOnlySpan<byte> Bytes(ReadOnlySpan<T> items) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(items)), items.Length * RawSize);

    /// <summary>The raw items of a block, in place (unaligned reads are fine on every runtime Spindle supports).</summary>
    public static ReadOnlySpan<T> Cast(ReadOnlySpan<byte> block)
    {
        if (block.Length % RawSize != 0)
            throw new InvalidDataException($"Malformed pool record: a block of {block.Length} bytes is not a whole number of {typeof(T).Name} items.");
        return MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetReference(block)), block.Length / RawSize);
    }

    /// <summary>Writable raw items over a block.</summary>
    public static Span<T> CastWritable(Span<byte> block) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetReference(block)), block.Length / RawSize);

    /// <summary>The items of a block written raw (in place) or by <see cref="Encode"/>.</summary>
    public static ReadOnlySpan<T> Read(ReadOnlySpan<byte> block) =>
        IsRaw ? Cast(block) : ValueCodec.Decode<T[]>(block) ?? throw new InvalidDataException("Malformed pool record: a null block of items.");
}
