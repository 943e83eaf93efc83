using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Spindle.Serialization;

/// <summary>Plans for arrays, <c>List&lt;T&gt;</c>, <c>Dictionary&lt;K,V&gt;</c> and <c>HashSet&lt;T&gt;</c>.</summary>
internal static class CollectionPlans
{
    public static TypePlan CreateArray(Type type)
    {
        var element = type.GetElementType()!;
        if (!type.IsSZArray)
            return type.GetArrayRank() == 1
                ? new RefusedPlan(type, "an array with a non-zero lower bound cannot cross")
                : new MultiArrayPlan(type);
        var plan = BlockCopy.IsBlittable(element) ? typeof(BlockArrayPlan<>) : typeof(ArrayPlan<>);
        return (TypePlan)Activator.CreateInstance(plan.MakeGenericType(element))!;
    }

    public static TypePlan? TryCreate(Type type)
    {
        var definition = type.GetGenericTypeDefinition();
        var args = type.GetGenericArguments();
        Type? plan = null;
        if (definition == typeof(List<>)) plan = (BlockCopy.IsBlittable(args[0]) ? typeof(BlockListPlan<>) : typeof(ListPlan<>)).MakeGenericType(args);
        else if (definition == typeof(Dictionary<,>)) plan = typeof(DictionaryPlan<,>).MakeGenericType(args);
        else if (definition == typeof(HashSet<>)) plan = typeof(HashSetPlan<>).MakeGenericType(args);
        return plan is null ? null : (TypePlan)Activator.CreateInstance(plan)!;
    }

    /// <summary>The fewest bytes one element in a slot of <paramref name="plan"/> takes.</summary>
    public static int MinSlotSize(TypePlan plan) => plan.IsValueSlot ? plan.MinSize : 1;

    /// <summary>The raw bytes of a span of blittable values (little-endian, as every supported runtime is).</summary>
    public static ReadOnlySpan<byte> Bytes<T>(ReadOnlySpan<T> span) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(span)), span.Length * Unsafe.SizeOf<T>());

    public static Span<byte> Bytes<T>(Span<T> span) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(span)), span.Length * Unsafe.SizeOf<T>());

    public static void WriteElements<T>(Writer writer, ReadOnlySpan<T> items, TypePlan plan)
    {
        for (var i = 0; i < items.Length; i++)
        {
            try
            {
                writer.WriteSlot(items[i], plan);
            }
            catch (PathException e)
            {
                e.Within($"element [{i}]");
                throw;
            }
        }
    }
}

/// <summary>An array of blittable values: the count, then one block copy.</summary>
internal sealed class BlockArrayPlan<T>() : TypePlan(typeof(T[]))
{
    public override void Write(Writer writer, object value)
    {
        var array = (T[])value;
        writer.WriteLength(array.Length);
        writer.WriteBytes(CollectionPlans.Bytes<T>(array));
    }

    public override object Read(ref Reader reader, int slot)
    {
        var count = reader.ReadCount(Unsafe.SizeOf<T>());
        var array = GC.AllocateUninitializedArray<T>(count);
        reader.ReadBytes(count * Unsafe.SizeOf<T>()).CopyTo(CollectionPlans.Bytes(array.AsSpan()));
        return array;
    }
}

internal sealed class ArrayPlan<T>() : TypePlan(typeof(T[]))
{
    public override bool PublishesBeforeContents => true;

    private TypePlan? _element;

    private TypePlan Element => _element ??= TypePlans.For(typeof(T));

    public override void Write(Writer writer, object value)
    {
        var array = (T[])value;
        writer.WriteLength(array.Length);
        CollectionPlans.WriteElements<T>(writer, array, Element);
    }

    public override object Read(ref Reader reader, int slot)
    {
        var count = reader.ReadCount(CollectionPlans.MinSlotSize(Element));
        var array = new T[count];
        reader.Publish(slot, array);
        for (var i = 0; i < count; i++) array[i] = (T)reader.ReadSlot(Element)!;
        return array;
    }
}

/// <summary>A multi-dimensional array: the lengths, then the elements in row-major order.</summary>
internal sealed class MultiArrayPlan(Type type) : TypePlan(type)
{
    public override bool PublishesBeforeContents => true;

    private TypePlan? _element;

    private TypePlan Element => _element ??= TypePlans.For(Type.GetElementType()!);

    public override void Write(Writer writer, object value)
    {
        var array = (Array)value;
        for (var d = 0; d < array.Rank; d++)
        {
            if (array.GetLowerBound(d) != 0) throw new PathException(Type, "an array with a non-zero lower bound cannot cross");
            writer.WriteLength(array.GetLength(d));
        }
        var i = 0;
        foreach (var item in array)
        {
            try
            {
                writer.WriteSlot(item, Element);
            }
            catch (PathException e)
            {
                e.Within($"element [{i}] (row-major)");
                throw;
            }
            i++;
        }
    }

    public override object Read(ref Reader reader, int slot)
    {
        var rank = Type.GetArrayRank();
        var lengths = new int[rank];
        long total = 1;
        var minSize = CollectionPlans.MinSlotSize(Element);
        for (var d = 0; d < rank; d++)
        {
            lengths[d] = reader.ReadCount(0);
            total *= lengths[d];
            if (total > Math.Max(reader.Remaining / Math.Max(minSize, 1), 1 << 20))
                throw reader.Malformed($"a {rank}-dimensional array of {total}+ elements does not fit in the {reader.Remaining} bytes left");
        }
        if (minSize > 0 && total > reader.Remaining / minSize)
            throw reader.Malformed($"an array of {total} elements does not fit in the {reader.Remaining} bytes left");
        var array = Array.CreateInstance(Type.GetElementType()!, lengths);
        reader.Publish(slot, array);
        var index = new int[rank];
        for (long n = 0; n < total; n++)
        {
            array.SetValue(reader.ReadSlot(Element), index);
            for (var d = rank - 1; d >= 0 && ++index[d] == lengths[d]; d--) index[d] = 0;
        }
        return array;
    }
}

internal sealed class BlockListPlan<T>() : TypePlan(typeof(List<T>))
{
    public override void Write(Writer writer, object value)
    {
        var span = CollectionsMarshal.AsSpan((List<T>)value);
        writer.WriteLength(span.Length);
        writer.WriteBytes(CollectionPlans.Bytes<T>(span));
    }

    public override object Read(ref Reader reader, int slot)
    {
        var count = reader.ReadCount(Unsafe.SizeOf<T>());
        var list = new List<T>(count);
        CollectionsMarshal.SetCount(list, count);
        reader.ReadBytes(count * Unsafe.SizeOf<T>()).CopyTo(CollectionPlans.Bytes(CollectionsMarshal.AsSpan(list)));
        return list;
    }
}

internal sealed class ListPlan<T>() : TypePlan(typeof(List<T>))
{
    public override bool PublishesBeforeContents => true;

    private TypePlan? _element;

    private TypePlan Element => _element ??= TypePlans.For(typeof(T));

    public override void Write(Writer writer, object value)
    {
        var span = CollectionsMarshal.AsSpan((List<T>)value);
        writer.WriteLength(span.Length);
        CollectionPlans.WriteElements<T>(writer, span, Element);
    }

    public override object Read(ref Reader reader, int slot)
    {
        var count = reader.ReadCount(CollectionPlans.MinSlotSize(Element));
        var list = new List<T>(count);
        reader.Publish(slot, list);
        for (var i = 0; i < count; i++) list.Add((T)reader.ReadSlot(Element)!);
        return list;
    }
}

internal sealed class DictionaryPlan<TKey, TValue>() : TypePlan(typeof(Dictionary<TKey, TValue>)) where TKey : notnull
{
    public override bool PublishesBeforeContents => true;

    private TypePlan? _key, _value;

    private TypePlan Key => _key ??= TypePlans.For(typeof(TKey));

    private TypePlan Value => _value ??= TypePlans.For(typeof(TValue));

    public override void Write(Writer writer, object value)
    {
        var dictionary = (Dictionary<TKey, TValue>)value;
        writer.WriteByte(Comparers.Encode(dictionary.Comparer, Type));
        writer.WriteLength(dictionary.Count);
        var i = 0;
        foreach (var (k, v) in dictionary)
        {
            try
            {
                writer.WriteSlot(k, Key);
            }
            catch (PathException e)
            {
                e.Within($"key of entry {i}");
                throw;
            }
            try
            {
                writer.WriteSlot(v, Value);
            }
            catch (PathException e)
            {
                e.Within($"value of entry {i} (key {k})");
                throw;
            }
            i++;
        }
    }

    public override object Read(ref Reader reader, int slot)
    {
        var comparer = Comparers.Decode<TKey>(ref reader);
        var count = reader.ReadCount(Math.Max(1, CollectionPlans.MinSlotSize(Key) + CollectionPlans.MinSlotSize(Value)));
        var dictionary = new Dictionary<TKey, TValue>(count, comparer);
        reader.Publish(slot, dictionary);
        for (var i = 0; i < count; i++)
        {
            var k = reader.ReadSlot(Key) ?? throw reader.Malformed("a dictionary key is null");
            var v = reader.ReadSlot(Value);
            if (!dictionary.TryAdd((TKey)k, (TValue)v!)) throw reader.Malformed("a dictionary has the same key twice");
        }
        return dictionary;
    }
}

internal sealed class HashSetPlan<T>() : TypePlan(typeof(HashSet<T>))
{
    public override bool PublishesBeforeContents => true;

    private TypePlan? _element;

    private TypePlan Element => _element ??= TypePlans.For(typeof(T));

    public override void Write(Writer writer, object value)
    {
        var set = (HashSet<T>)value;
        writer.WriteByte(Comparers.Encode(set.Comparer, Type));
        writer.WriteLength(set.Count);
        var i = 0;
        foreach (var item in set)
        {
            try
            {
                writer.WriteSlot(item, Element);
            }
            catch (PathException e)
            {
                e.Within($"element {i}");
                throw;
            }
            i++;
        }
    }

    public override object Read(ref Reader reader, int slot)
    {
        var comparer = Comparers.Decode<T>(ref reader);
        var count = reader.ReadCount(Math.Max(1, CollectionPlans.MinSlotSize(Element)));
        var set = new HashSet<T>(count, comparer);
        reader.Publish(slot, set);
        for (var i = 0; i < count; i++)
        {
            if (!set.Add((T)reader.ReadSlot(Element)!)) throw reader.Malformed("a set has the same element twice");
        }
        return set;
    }
}

/// <summary>
/// The equality comparers a dictionary or set may use and still cross: the default and the BCL's string comparers.
/// Any other comparer is refused, since rebuilding with the default would silently change which keys are equal.
/// </summary>
internal static class Comparers
{
    private static readonly StringComparer?[] s_strings =
        [null, StringComparer.Ordinal, StringComparer.OrdinalIgnoreCase, StringComparer.InvariantCulture, StringComparer.InvariantCultureIgnoreCase];

    public static byte Encode<T>(IEqualityComparer<T> comparer, Type collection)
    {
        if (ReferenceEquals(comparer, EqualityComparer<T>.Default)) return 0;
        if (typeof(T) == typeof(string))
        {
            for (var i = 1; i < s_strings.Length; i++)
            {
                if (ReferenceEquals(comparer, s_strings[i])) return (byte)i;
            }
        }
        throw new PathException(collection, $"it compares keys with {TypeNames.Display(comparer.GetType())}, which cannot be rebuilt in another process (only the default comparer and the StringComparer ordinal/invariant ones can)");
    }

    public static IEqualityComparer<T>? Decode<T>(ref Reader reader)
    {
        var code = reader.ReadByte();
        if (code == 0) return null;
        if (typeof(T) != typeof(string) || code >= s_strings.Length) throw reader.Malformed($"unknown comparer code {code}");
        return (IEqualityComparer<T>)s_strings[code]!;
    }
}
