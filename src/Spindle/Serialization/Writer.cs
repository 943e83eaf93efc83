using System.Buffers;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace Spindle.Serialization;

/// <summary>
/// The encoding side of one payload: a pooled growable buffer, the payload's type and assembly tables, and the
/// identities of the objects already written (for shared references and cycles). One per thread is reused.
/// </summary>
internal sealed class Writer
{
    internal const int MaxDepth = 512;

    [ThreadStatic] private static Writer? t_cached;

    private readonly Dictionary<Type, int> _types = [];
    private readonly Dictionary<Assembly, int> _assemblies = [];
    private readonly Dictionary<object, int> _objects = new(ReferenceEqualityComparer.Instance);
    private readonly List<object> _delegatesInProgress = [];
    private readonly List<ClosureFields?> _closureUsages = [];
    private readonly Dictionary<object, ulong> _partialClosures = new(ReferenceEqualityComparer.Instance);
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(4096);
    private int _position;
    private int _depth;

    /// <summary>Takes this thread's writer, or a new one when it is in use (an <see cref="IShareable.Export"/> that encodes).</summary>
    public static Writer Rent()
    {
        var w = t_cached ?? new Writer();
        t_cached = null;
        return w;
    }

    /// <summary>Where descriptors of shared handles are collected (a process start payload); null refuses them.</summary>
    public List<int>? Descriptors { get; set; }

    /// <summary>Send closure objects with only the fields their delegate's code touches (see <see cref="ClosureUsage"/>).</summary>
    public bool PruneClosures { get; set; } = true;

    /// <summary>Forgets everything written, to start the payload again.</summary>
    public void Reset()
    {
        _types.Clear();
        _assemblies.Clear();
        _objects.Clear();
        _delegatesInProgress.Clear();
        _closureUsages.Clear();
        _partialClosures.Clear();
        _position = 0;
        _depth = 0;
    }

    public void Return()
    {
        PruneClosures = true;
        Descriptors = null;
        Reset();
        if (_buffer.Length > 1 << 20)
        {
            // Keep a huge buffer from one big payload out of the thread's cache.
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(4096);
        }
        t_cached = this;
    }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _position);

    public Span<byte> GetSpan(int size)
    {
        if (_buffer.Length - _position < size) Grow(size);
        return _buffer.AsSpan(_position, size);
    }

    public void Advance(int count) => _position += count;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int size)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _position + size));
        _buffer.AsSpan(0, _position).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void WriteByte(byte value)
    {
        if (_position == _buffer.Length) Grow(1);
        _buffer[_position++] = value;
    }

    public void WriteVarUInt(ulong value)
    {
        var span = GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        _position += i;
    }

    public void WriteLength(int length) => WriteVarUInt((uint)length);

    /// <summary>Raw little-endian bytes of an unmanaged value (every supported runtime is little-endian).</summary>
    public void WriteUnmanaged<T>(T value) where T : unmanaged
    {
        var size = Unsafe.SizeOf<T>();
        MemoryMarshal.Write(GetSpan(size), in value);
        _position += size;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _position += bytes.Length;
    }

    /// <summary>
    /// Strings go as UTF-8 (length × 2) or, when they hold lone surrogates that UTF-8 cannot carry, as UTF-16
    /// (char count × 2 + 1), so no string is ever altered on the way.
    /// </summary>
    public void WriteString(string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        var header = (ulong)(uint)byteCount << 1;
        var headerSize = VarUIntSize(header);
        var span = GetSpan(headerSize + byteCount);
        var status = Utf8.FromUtf16(value, span[headerSize..], out _, out var written, replaceInvalidSequences: false);
        if (status == OperationStatus.Done && written == byteCount)
        {
            WriteVarUInt(header);
            _position += byteCount;
            return;
        }
        WriteVarUInt(((ulong)(uint)value.Length << 1) | 1);
        WriteBytes(MemoryMarshal.AsBytes(value.AsSpan()));
    }

    private static int VarUIntSize(ulong value)
    {
        var n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }
        return n;
    }

    /// <summary>Writes a type reference: a well-known id, an id of this payload's table, or a definition that extends the table.</summary>
    public void WriteTypeRef(Type type)
    {
        if (WellKnownTypes.TryGetId(type, out var wellKnown))
        {
            WriteVarUInt((uint)wellKnown);
            return;
        }
        if (_types.TryGetValue(type, out var id))
        {
            WriteVarUInt((uint)(WellKnownTypes.Count + id));
            return;
        }
        WriteVarUInt((uint)(WellKnownTypes.Count + _types.Count));
        var identity = TypeIdentity.Of(type);
        WriteByte(identity.Kind);
        switch (identity.Kind)
        {
            case TypeDefinition.Array:
                WriteTypeRef(identity.Parts[0]);
                break;
            case TypeDefinition.MultiArray:
                WriteLength(identity.Rank);
                WriteTypeRef(identity.Parts[0]);
                break;
            case TypeDefinition.Generic:
                WriteTypeRef(identity.Parts[0]);
                WriteLength(identity.Parts.Length - 1);
                for (var i = 1; i < identity.Parts.Length; i++) WriteTypeRef(identity.Parts[i]);
                WriteUnmanaged(identity.ShapeHash);
                break;
            default:
                WriteAssemblyRef(type.Assembly);
                WriteBytes(identity.EncodedName!);
                WriteUnmanaged(identity.ShapeHash);
                break;
        }
        _types.Add(type, _types.Count);
    }

    private void WriteAssemblyRef(Assembly assembly)
    {
        if (_assemblies.TryGetValue(assembly, out var id))
        {
            WriteVarUInt((uint)id);
            return;
        }
        WriteVarUInt((uint)_assemblies.Count);
        WriteBytes(TypeResolver.EncodedName(assembly));
        _assemblies.Add(assembly, _assemblies.Count);
    }

    /// <summary>
    /// Writes one value in a slot whose static type is <paramref name="declared"/>'s type. Value-type slots hold the
    /// value alone; reference slots start with a <see cref="SlotTag"/> so null, shared references and subtypes cross.
    /// </summary>
    public void WriteSlot(object? value, TypePlan declared)
    {
        if (declared.IsValueSlot)
        {
            if (value is null) throw new PathException(declared.Type, "a null value in a slot that cannot hold null");
            Enter();
            declared.Write(this, value);
            _depth--;
            return;
        }
        if (value is null)
        {
            WriteByte(SlotTag.Null);
            return;
        }
        var type = value.GetType();
        var plan = ReferenceEquals(type, declared.Type) ? declared : TypePlans.For(type);
        if (plan.TracksIdentity)
        {
            if (_objects.TryGetValue(value, out var id))
            {
                if (_delegatesInProgress.Count > 0 && _delegatesInProgress.Contains(value) && !CanBeReferencedWhileBuilt((Delegate)value))
                    throw new PathException(type, "the delegate refers back to itself through its target, whose kind is rebuilt only after its contents");
                if (_partialClosures.Count > 0 && _partialClosures.TryGetValue(value, out var written))
                    ((ObjectPlan)plan).CheckPartialSuffices(value, written, CurrentClosureUsage);
                WriteByte(SlotTag.BackReference);
                WriteVarUInt((uint)id);
                return;
            }
        }
        plan.ThrowIfRefused();
        if (ReferenceEquals(plan, declared))
        {
            WriteByte(SlotTag.Declared);
        }
        else
        {
            WriteByte(SlotTag.Typed);
            if (plan.WellKnownId >= 0) WriteVarUInt((uint)plan.WellKnownId);
            else WriteTypeRef(plan.Type); // the runtime type, or the base a generated type travels as
        }
        if (plan.TracksIdentity) _objects.Add(value, _objects.Count);
        Enter();
        plan.Write(this, value);
        _depth--;
    }

    /// <summary>
    /// A delegate can be referred to from inside its own target (a recursive lambda, or a delegate variable captured
    /// in its own closure) when the receiver creates that target before filling it: the delegate is made right then.
    /// </summary>
    private static bool CanBeReferencedWhileBuilt(Delegate d) =>
        d.Target is { } target && TypePlans.For(target.GetType()).PublishesBeforeContents;

    public void BeginDelegate(Delegate value)
    {
        _delegatesInProgress.Add(value);
        _closureUsages.Add(ClosureUsage.For(value.Method));
    }

    public void EndDelegate()
    {
        _delegatesInProgress.RemoveAt(_delegatesInProgress.Count - 1);
        _closureUsages.RemoveAt(_closureUsages.Count - 1);
    }

    /// <summary>The closure fields the innermost delegate being written can touch (null: all, or no delegate).</summary>
    public ClosureFields? CurrentClosureUsage => _closureUsages.Count > 0 ? _closureUsages[^1] : null;

    /// <summary>Remembers that only some fields of a closure object were written, so a later reference can be checked.</summary>
    public void RecordPartialClosure(object closure, ulong writtenMask) => _partialClosures[closure] = writtenMask;

    private void Enter()
    {
        if (++_depth > MaxDepth)
            throw new PathException(typeof(object), $"values nest deeper than {MaxDepth} levels");
    }
}
