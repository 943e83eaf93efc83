using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.Text;
using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// A fixed-length list of simple values stored in a <see cref="SharedMemory"/> block, which any process may attach
/// to by name. Python 3.8: <c>multiprocessing.shared_memory.ShareableList(sequence=None, *, name=None)</c>.
/// </summary>
/// <remarks>
/// <para>Items are <see cref="int"/>, <see cref="long"/>, <see cref="double"/>, <see cref="bool"/>,
/// <see cref="string"/> (UTF-8), <c>byte[]</c> or null, and read back as the type they were stored as. As in
/// Python, each position gets its storage at creation: 8 bytes for a number, bool or null, and for a string or
/// bytes its length rounded up to the next multiple of 8 (so <c>"howdy"</c> has room for 8 bytes). Any item fitting
/// a position may later be stored there, whatever its type; trailing NUL bytes of a string or bytes are not kept.</para>
/// <para>Like Python's, the list has no lock: a reader may see a half-written item while another process stores
/// one. Guard it with a <see cref="ProcessLock"/> when processes write concurrently.</para>
/// <para>Lifetime is the block's: <see cref="Dispose"/> closes this view (Python: <c>sl.shm.close()</c>) and
/// <c>Shm.Unlink()</c> removes the name.</para>
/// </remarks>
public sealed class ShareableList : IShareable<ShareableList>, IReadOnlyList<object?>, IDisposable
{
    // Layout: [count: long][offsets: long × (count + 1), relative to the data][data][type code: byte × count].
    // Offsets rather than sizes so an item's slot is found without summing; offsets[count] is the data's length.
    private const int Alignment = 8;

    private enum Kind : byte { Null, Int, Long, Double, Bool, String, Bytes }

    private readonly int _count;
    private readonly int _dataStart;
    private readonly int _kindsStart;

    /// <summary>
    /// Creates a list holding <paramref name="sequence"/> (an empty list when null) in a new block.
    /// Python: <c>ShareableList(sequence, name=None)</c>.
    /// </summary>
    /// <param name="sequence">The items; their number is fixed from now on.</param>
    /// <param name="name">The new block's name; null generates one.</param>
    /// <exception cref="ArgumentException">An item is of a type the list cannot store (Python: <c>KeyError</c> / <c>struct.error</c>).</exception>
    /// <exception cref="IOException">A block with that name exists (Python: <c>FileExistsError</c>).</exception>
    public ShareableList(IEnumerable<object?>? sequence = null, string? name = null)
    {
        var items = sequence is null ? [] : sequence.Select(Encode).ToArray();
        _count = items.Length;
        _dataStart = 8 + 8 * (_count + 1);
        long dataLength = 0;
        foreach (var (kind, payload) in items) dataLength += SlotSize(kind, payload);
        long total = _dataStart + dataLength + _count;
        if (total > int.MaxValue) throw new ArgumentException("The items do not fit one shared memory block.", nameof(sequence));
        _kindsStart = _dataStart + (int)dataLength;
        Shm = new SharedMemory(name, create: true, (int)total);
        var buf = Shm.Buf;
        BinaryPrimitives.WriteInt64LittleEndian(buf, _count);
        long offset = 0;
        for (int i = 0; i < _count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(buf[(8 + 8 * i)..], offset);
            offset += SlotSize(items[i].Kind, items[i].Payload);
        }
        BinaryPrimitives.WriteInt64LittleEndian(buf[(8 + 8 * _count)..], offset);
        for (int i = 0; i < _count; i++) Store(i, items[i].Kind, items[i].Payload);
    }

    /// <summary>Attaches to the list in the block named <paramref name="name"/>. Python: <c>ShareableList(name=name)</c>.</summary>
    /// <exception cref="FileNotFoundException">No block has that name (Python: <c>FileNotFoundError</c>).</exception>
    /// <exception cref="InvalidDataException">The block does not hold a list written by <see cref="ShareableList"/>.</exception>
    public ShareableList(string name) : this(new SharedMemory(name ?? throw new ArgumentNullException(nameof(name)))) { }

    private ShareableList(SharedMemory shm)
    {
        Shm = shm;
        var buf = shm.Buf;
        long count = buf.Length >= 8 ? BinaryPrimitives.ReadInt64LittleEndian(buf) : -1;
        long dataStart = 8 + 8 * (count + 1);
        long dataLength = count >= 0 && dataStart <= buf.Length ? BinaryPrimitives.ReadInt64LittleEndian(buf[(int)(dataStart - 8)..]) : -1;
        if (count < 0 || dataLength < 0 || dataStart + dataLength + count > buf.Length)
        {
            shm.Close();
            throw new InvalidDataException($"Shared memory '{shm.Name}' does not hold a ShareableList.");
        }
        _count = (int)count;
        _dataStart = (int)dataStart;
        _kindsStart = _dataStart + (int)dataLength;
    }

    /// <summary>The block the items live in. Python: <c>shm</c>.</summary>
    public SharedMemory Shm { get; }

    /// <summary>The number of items, fixed at creation. Python: <c>len(sl)</c>.</summary>
    public int Count => _count;

    /// <summary>
    /// The item at <paramref name="index"/>; a negative index counts from the end, as in Python. Python: <c>sl[i]</c>, <c>sl[i] = value</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the list (Python: <c>IndexError</c>).</exception>
    /// <exception cref="ArgumentException">Setting: the value is longer than the position's storage (Python: <c>ValueError: bytes/str item exceeds available storage</c>), or of a type the list cannot store.</exception>
    /// <exception cref="ObjectDisposedException">This view is closed.</exception>
    public object? this[int index]
    {
        get
        {
            int i = Position(index);
            var slot = Slot(i);
            return (Kind)Shm.Buf[_kindsStart + i] switch
            {
                Kind.Null => null,
                Kind.Int => BinaryPrimitives.ReadInt32LittleEndian(slot),
                Kind.Long => BinaryPrimitives.ReadInt64LittleEndian(slot),
                Kind.Double => BinaryPrimitives.ReadDoubleLittleEndian(slot),
                Kind.Bool => slot[0] != 0,
                Kind.String => Encoding.UTF8.GetString(slot.TrimEnd((byte)0)),
                Kind.Bytes => slot.TrimEnd((byte)0).ToArray(),
                var k => throw new InvalidDataException($"Unknown item type {(byte)k} at position {i} of ShareableList '{Shm.Name}'."),
            };
        }
        set
        {
            int i = Position(index);
            var (kind, payload) = Encode(value);
            int room = Slot(i).Length;
            if (payload.Length > room)
                throw new ArgumentException($"bytes/str item exceeds available storage: {payload.Length} bytes for the {room} of position {index}.", nameof(value));
            Store(i, kind, payload);
        }
    }

    /// <summary>
    /// The struct format describing the items now stored, e.g. <c>8s8sdqxxxxxx?xxxxxxx?q</c> (an <see cref="int"/> is
    /// <c>ixxxx</c>, which Python has not). Python: <c>format</c>.
    /// </summary>
    public string Format
    {
        get
        {
            var sb = new StringBuilder();
            for (int i = 0; i < _count; i++)
            {
                sb.Append((Kind)Shm.Buf[_kindsStart + i] switch
                {
                    Kind.Null => "xxxxxx?x",
                    Kind.Int => "ixxxx",
                    Kind.Long => "q",
                    Kind.Double => "d",
                    Kind.Bool => "xxxxxxx?",
                    _ => Slot(i).Length.ToString(CultureInfo.InvariantCulture) + "s",
                });
            }
            return sb.ToString();
        }
    }

    /// <summary>
    /// How many items equal <paramref name="value"/>: numbers by value (<c>42</c> matches a stored <c>42L</c> or
    /// <c>42.0</c>), strings ordinally, byte arrays by content. Python: <c>count(value)</c>.
    /// </summary>
    public int CountOf(object? value)
    {
        int n = 0;
        for (int i = 0; i < _count; i++) if (ItemEquals(this[i], value)) n++;
        return n;
    }

    /// <summary>The position of the first item equal to <paramref name="value"/> (compared as by <see cref="CountOf"/>). Python: <c>index(value)</c>.</summary>
    /// <exception cref="ArgumentException">No item equals it (Python: <c>ValueError: value not in this container</c>).</exception>
    public int IndexOf(object? value)
    {
        for (int i = 0; i < _count; i++) if (ItemEquals(this[i], value)) return i;
        throw new ArgumentException($"{Repr(value)} not in this container.", nameof(value));
    }

    /// <summary>The items in order, each read when reached. Python: <c>iter(sl)</c>.</summary>
    public IEnumerator<object?> GetEnumerator()
    {
        for (int i = 0; i < _count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Closes this process's view of the block (the block stays). Python: <c>sl.shm.close()</c>.</summary>
    public void Dispose() => Shm.Close();

    /// <summary>Python's repr: <c>ShareableList(['howdy', 42, None], name='…')</c>.</summary>
    public override string ToString() => $"ShareableList([{string.Join(", ", this.Select(Repr))}], name='{Shm.Name}')";

    /// <summary>Sends the block's name; the receiver attaches to it. Python: pickling a <c>ShareableList</c>.</summary>
    public ShareableHandle Export() => Shm.Export();

    /// <summary>Attaches to the list in the receiving process (the block must not have been unlinked).</summary>
    public static ShareableList Import(ShareableHandle handle) => new(SharedMemory.Import(handle));

    private int Position(int index)
    {
        int i = index < 0 ? index + _count : index;
        if ((uint)i >= (uint)_count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Index out of range for a ShareableList of {_count} items.");
        return i;
    }

    private Span<byte> Slot(int i)
    {
        var buf = Shm.Buf;
        int start = (int)BinaryPrimitives.ReadInt64LittleEndian(buf[(8 + 8 * i)..]);
        int end = (int)BinaryPrimitives.ReadInt64LittleEndian(buf[(16 + 8 * i)..]);
        return buf.Slice(_dataStart + start, end - start);
    }

    private void Store(int i, Kind kind, byte[] payload)
    {
        var slot = Slot(i);
        payload.CopyTo(slot);
        slot[payload.Length..].Clear(); // what a shorter item left behind must not read back as part of this one
        Shm.Buf[_kindsStart + i] = (byte)kind;
    }

    // Numbers, bools and null take one aligned word; a string or bytes its length rounded up past the next multiple
    // of 8, as Python's 8 * (len // 8 + 1) gives.
    private static int SlotSize(Kind kind, byte[] payload) => kind is Kind.String or Kind.Bytes
        ? Alignment * (payload.Length / Alignment + 1)
        : Alignment;

    private static (Kind Kind, byte[] Payload) Encode(object? value)
    {
        switch (value)
        {
            case null: return (Kind.Null, new byte[Alignment]);
            case int v: return (Kind.Int, Word(w => BinaryPrimitives.WriteInt32LittleEndian(w, v)));
            case long v: return (Kind.Long, Word(w => BinaryPrimitives.WriteInt64LittleEndian(w, v)));
            case double v: return (Kind.Double, Word(w => BinaryPrimitives.WriteDoubleLittleEndian(w, v)));
            case bool v: return (Kind.Bool, Word(w => w[0] = v ? (byte)1 : (byte)0));
            case string s: return (Kind.String, Encoding.UTF8.GetBytes(s));
            case byte[] b: return (Kind.Bytes, b);
            default:
                throw new ArgumentException(
                    $"A ShareableList cannot store a {value.GetType()}: items are int, long, double, bool, string, byte[] or null.", nameof(value));
        }
    }

    private static byte[] Word(Action<byte[]> write)
    {
        var word = new byte[Alignment];
        write(word);
        return word;
    }

    private static bool ItemEquals(object? item, object? value) => (item, value) switch
    {
        (null, null) => true,
        (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
        (byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b),
        (bool a, bool b) => a == b,
        (int or long, int or long) => Convert.ToInt64(item, CultureInfo.InvariantCulture) == Convert.ToInt64(value, CultureInfo.InvariantCulture),
        (int or long or double, int or long or double) => Convert.ToDouble(item, CultureInfo.InvariantCulture) == Convert.ToDouble(value, CultureInfo.InvariantCulture),
        _ => false,
    };

    private static string Repr(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        string s => $"'{s}'",
        byte[] b => $"b'{Encoding.Latin1.GetString(b)}'",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
