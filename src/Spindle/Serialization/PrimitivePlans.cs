using System.Runtime.CompilerServices;

namespace Spindle.Serialization;

/// <summary>Plans for primitives, strings, enums and the BCL's date, time and id structs.</summary>
internal static class PrimitivePlans
{
    public static TypePlan? TryCreate(Type type)
    {
        if (type == typeof(string)) return new StringPlan();
        if (type == typeof(bool)) return new BoolPlan();
        if (type == typeof(decimal)) return new DecimalPlan();
        if (type == typeof(DateTime)) return new DateTimePlan();
        if (type == typeof(DateTimeOffset)) return new DateTimeOffsetPlan();
        if (type == typeof(DateOnly)) return new DateOnlyPlan();
        if (type == typeof(TimeOnly)) return new TimeOnlyPlan();
        if (BlockCopy.IsBlittable(type)) return (TypePlan)Activator.CreateInstance(typeof(UnmanagedPlan<>).MakeGenericType(type))!;
        return null;
    }

    public static TypePlan CreateEnum(Type type) =>
        (TypePlan)Activator.CreateInstance(typeof(EnumPlan<,>).MakeGenericType(type, Enum.GetUnderlyingType(type)))!;
}

/// <summary>Types whose every bit pattern is a valid value, so arrays and lists of them cross as one block copy.</summary>
internal static class BlockCopy
{
    private static readonly HashSet<Type> s_blittable =
    [
        typeof(byte), typeof(sbyte), typeof(short), typeof(ushort), typeof(int), typeof(uint), typeof(long), typeof(ulong),
        typeof(float), typeof(double), typeof(char), typeof(Half), typeof(Int128), typeof(UInt128), typeof(Guid), typeof(TimeSpan),
    ];

    /// <summary>The in-memory (and payload) size of a blittable type; <c>Marshal.SizeOf</c> would say 1 for <c>char</c>.</summary>
    public static int SizeOf(Type type) => (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;

    public static bool IsBlittable(Type type) => s_blittable.Contains(type) || (type.IsEnum && s_blittable.Contains(Enum.GetUnderlyingType(type)));
}

/// <summary>A fixed-size value written as its raw little-endian bytes.</summary>
internal sealed class UnmanagedPlan<T>() : TypePlan(typeof(T)) where T : unmanaged
{
    public override int MinSize => Unsafe.SizeOf<T>();

    public override void Write(Writer writer, object value) => writer.WriteUnmanaged((T)value);

    public override object Read(ref Reader reader, int slot) => reader.ReadUnmanaged<T>();
}

internal sealed class EnumPlan<TEnum, TUnderlying>() : TypePlan(typeof(TEnum)) where TEnum : struct, Enum where TUnderlying : unmanaged
{
    public override int MinSize => Unsafe.SizeOf<TUnderlying>();

    public override void Write(Writer writer, object value)
    {
        var e = (TEnum)value;
        writer.WriteUnmanaged(Unsafe.As<TEnum, TUnderlying>(ref e));
    }

    public override object Read(ref Reader reader, int slot)
    {
        var raw = reader.ReadUnmanaged<TUnderlying>();
        return Unsafe.As<TUnderlying, TEnum>(ref raw);
    }
}

internal sealed class BoolPlan() : TypePlan(typeof(bool))
{
    private static readonly object s_true = true, s_false = false;

    public override void Write(Writer writer, object value) => writer.WriteByte((bool)value ? (byte)1 : (byte)0);

    public override object Read(ref Reader reader, int slot) => reader.ReadByte() switch
    {
        0 => s_false,
        1 => s_true,
        var b => throw reader.Malformed($"{b} is not a bool"),
    };
}

internal sealed class StringPlan() : TypePlan(typeof(string))
{
    // Strings are immutable: sharing them buys nothing and tracking them costs a hash lookup each.
    public override bool TracksIdentity => false;

    public override void Write(Writer writer, object value) => writer.WriteString((string)value);

    public override object Read(ref Reader reader, int slot) => reader.ReadString();
}

internal sealed class DecimalPlan() : TypePlan(typeof(decimal))
{
    public override int MinSize => 16;

    public override void Write(Writer writer, object value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits((decimal)value, bits);
        foreach (var b in bits) writer.WriteUnmanaged(b);
    }

    public override object Read(ref Reader reader, int slot)
    {
        Span<int> bits = [reader.ReadUnmanaged<int>(), reader.ReadUnmanaged<int>(), reader.ReadUnmanaged<int>(), reader.ReadUnmanaged<int>()];
        try { return new decimal(bits); }
        catch (ArgumentException) { throw reader.Malformed("the bits of a decimal are invalid"); }
    }
}

internal sealed class DateTimePlan() : TypePlan(typeof(DateTime))
{
    public override int MinSize => 9;

    public override void Write(Writer writer, object value)
    {
        var d = (DateTime)value;
        writer.WriteUnmanaged(d.Ticks);
        writer.WriteByte((byte)d.Kind);
    }

    public override object Read(ref Reader reader, int slot)
    {
        var ticks = reader.ReadUnmanaged<long>();
        var kind = reader.ReadByte();
        if (kind > (byte)DateTimeKind.Local || ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
            throw reader.Malformed("a DateTime is out of range");
        return new DateTime(ticks, (DateTimeKind)kind);
    }
}

internal sealed class DateTimeOffsetPlan() : TypePlan(typeof(DateTimeOffset))
{
    public override int MinSize => 10;

    public override void Write(Writer writer, object value)
    {
        var d = (DateTimeOffset)value;
        writer.WriteUnmanaged(d.Ticks);
        writer.WriteUnmanaged((short)d.TotalOffsetMinutes);
    }

    public override object Read(ref Reader reader, int slot)
    {
        var ticks = reader.ReadUnmanaged<long>();
        var minutes = reader.ReadUnmanaged<short>();
        try { return new DateTimeOffset(ticks, TimeSpan.FromMinutes(minutes)); }
        catch (ArgumentException) { throw reader.Malformed("a DateTimeOffset is out of range"); }
    }
}

internal sealed class DateOnlyPlan() : TypePlan(typeof(DateOnly))
{
    public override int MinSize => 4;

    public override void Write(Writer writer, object value) => writer.WriteUnmanaged(((DateOnly)value).DayNumber);

    public override object Read(ref Reader reader, int slot)
    {
        var day = reader.ReadUnmanaged<int>();
        if ((uint)day > (uint)DateOnly.MaxValue.DayNumber) throw reader.Malformed("a DateOnly is out of range");
        return DateOnly.FromDayNumber(day);
    }
}

internal sealed class TimeOnlyPlan() : TypePlan(typeof(TimeOnly))
{
    public override int MinSize => 8;

    public override void Write(Writer writer, object value) => writer.WriteUnmanaged(((TimeOnly)value).Ticks);

    public override object Read(ref Reader reader, int slot)
    {
        var ticks = reader.ReadUnmanaged<long>();
        if ((ulong)ticks > (ulong)TimeOnly.MaxValue.Ticks) throw reader.Malformed("a TimeOnly is out of range");
        return new TimeOnly(ticks);
    }
}

/// <summary><c>T?</c>: a tagged slot (null or a value of the underlying type), whose value is written by the underlying plan.</summary>
internal sealed class NullablePlan(Type type, Type underlying) : TypePlan(type)
{
    private TypePlan? _underlying;

    private TypePlan Underlying => _underlying ??= TypePlans.For(underlying);

    public override Type RuntimeType => underlying;

    public override bool IsValueSlot => false;

    public override bool TracksIdentity => false;

    public override void ThrowIfRefused() => Underlying.ThrowIfRefused();

    public override void ThrowIfNotReceivable() => Underlying.ThrowIfNotReceivable();

    public override void Write(Writer writer, object value) => Underlying.Write(writer, value);

    public override object Read(ref Reader reader, int slot) => Underlying.Read(ref reader, -1);
}
