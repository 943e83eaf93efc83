using System.Collections;
using System.Runtime.InteropServices;
using System.Text;
using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>
/// A proxy to a fixed-length array of an unmanaged type held by the manager (<see cref="Manager.Array{T}(int)"/>).
/// Python: <c>ArrayProxy</c> (an <c>array.array</c> in the server: <c>Array('i', range(10))</c> is
/// <c>manager.Array&lt;int&gt;(Enumerable.Range(0, 10))</c>).
/// </summary>
/// <typeparam name="T">The element type (primitives, enums, structs of them), as Python's typecode.</typeparam>
public sealed class ArrayProxy<T> : ManagerProxy, IReadOnlyList<T>, IShareable<ArrayProxy<T>> where T : unmanaged
{
    private int _length = -1;

    internal ArrayProxy(ProxyCore core) : base(core) { }

    /// <summary>The number of elements (fixed). Python: <c>len(arr)</c>.</summary>
    public int Length => _length >= 0 ? _length : _length = ReadShape();

    /// <summary>Same as <see cref="Length"/>.</summary>
    public int Count => Length;

    /// <summary>The element at <paramref name="index"/>. Python: <c>arr[i]</c>, <c>arr[i] = x</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such position (Python: <c>IndexError</c>).</exception>
    public T this[int index]
    {
        get => MemoryMarshal.Read<T>(Read(index, 1));
        set => Write(index, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)).ToArray());
    }

    /// <summary>The elements in <paramref name="range"/>. Python: <c>arr[a:b]</c>.</summary>
    public T[] this[Range range]
    {
        get
        {
            var (offset, length) = range.GetOffsetAndLength(Length);
            return MemoryMarshal.Cast<byte, T>(Read(offset, length)).ToArray();
        }
    }

    /// <summary>A copy of every element. Python: <c>arr[:]</c>.</summary>
    public T[] ToArray() => this[..];

    /// <summary>Overwrites elements from <paramref name="start"/> with <paramref name="values"/>. Python: <c>arr[i:j] = values</c>.</summary>
    public void CopyFrom(ReadOnlySpan<T> values, int start = 0) => Write(start, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>Enumerates a snapshot. Python: <c>iter(arr)</c>.</summary>
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)ToArray()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Rebuilds a proxy in the receiving process (it borrows the array).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "IShareable<TSelf> requires a static Import on the type itself.")]
    public static ArrayProxy<T> Import(ShareableHandle handle) => new(ProxyCore.Import(handle, BuiltinTypes.Array));

    /// <summary>Python's <c>str(arr)</c>, e.g. <c>array('i', [5, 1, 2])</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("array('").Append(TypeCode).Append("', ");
        PythonRepr.AppendList(text, ToArray().Select(e => (object?)e));
        return text.Append(')').ToString();
    }

    private static string TypeCode => Type.GetTypeCode(typeof(T)) switch
    {
        System.TypeCode.SByte => "b",
        System.TypeCode.Byte => "B",
        System.TypeCode.Int16 => "h",
        System.TypeCode.UInt16 => "H",
        System.TypeCode.Int32 => "i",
        System.TypeCode.UInt32 => "I",
        System.TypeCode.Int64 => "q",
        System.TypeCode.UInt64 => "Q",
        System.TypeCode.Single => "f",
        System.TypeCode.Double => "d",
        _ => typeof(T).Name,
    };

    private int ReadShape()
    {
        var (size, length) = Core.Call((byte)ArrayMethod.Shape, static (ref WireReader r) => (r.Int32(), r.Int32()));
        if (size != Marshal.SizeOf<T>() && size != System.Runtime.CompilerServices.Unsafe.SizeOf<T>())
            throw new InvalidOperationException($"The manager's array holds {size}-byte elements, not {typeof(T).Name}s.");
        return length;
    }

    private byte[] Read(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        return Core.Call((byte)ArrayMethod.Read, (start, count), static (w, s) =>
        {
            w.Int32(s.start);
            w.Int32(s.count);
        }, static (ref WireReader r) => r.Blob().ToArray());
    }

    private void Write(int start, byte[] bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        Core.Call((byte)ArrayMethod.Write, (start, bytes), static (w, s) =>
        {
            w.Int32(s.start);
            w.Blob(s.bytes);
        });
    }
}
