using System.Buffers;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Spindle.Serialization;

/// <summary>Per-payload decoding state: the type and assembly tables and the objects read so far. One per thread is reused.</summary>
internal sealed class ReadState
{
    [ThreadStatic] private static ReadState? t_cached;

    public readonly List<TypePlan> Types = [];
    public readonly List<Assembly> Assemblies = [];
    public readonly List<object?> Objects = [];
    public readonly List<PendingDelegate> PendingDelegates = [];
    public PendingDelegate? Armed;
    public int Depth;

    /// <summary>The descriptors received beside a start payload, indexed by the payload; null when none could be.</summary>
    public IReadOnlyList<int>? Descriptors;

    public static ReadState Rent()
    {
        var s = t_cached ?? new ReadState();
        t_cached = null;
        return s;
    }

    public void Return()
    {
        Types.Clear();
        Assemblies.Clear();
        Objects.Clear();
        PendingDelegates.Clear();
        Armed = null;
        Depth = 0;
        Descriptors = null;
        t_cached = this;
    }
}

/// <summary>
/// A delegate whose target is being read: it is created as soon as the target object exists (before the target's
/// contents), so that references to the delegate from inside its own closure resolve.
/// </summary>
internal sealed class PendingDelegate(Type delegateType, System.Reflection.MethodInfo method, int delegateSlot)
{
    public int TargetSlot { get; set; } = -1;

    public int DelegateSlot { get; } = delegateSlot;

    public Delegate? Created { get; private set; }

    public Delegate Create(object? target)
    {
        Created = DelegateFactory.Create(delegateType, method, target)
            ?? throw new SerializationFormatException(
                $"Malformed payload: method {MethodRefs.Describe(method)} does not fit delegate type {TypeNames.Display(delegateType)} with a {(target is null ? "null target" : TypeNames.Display(target.GetType()) + " target")}.");
        return Created;
    }
}

/// <summary>
/// The decoding side of one payload. Every read is bounded by the remaining input, so truncated or corrupt input
/// ends in <see cref="SerializationFormatException"/>, never in a huge allocation or an out-of-range read.
/// </summary>
internal ref struct Reader(ReadOnlySpan<byte> data, ReadState state)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly ReadState State = state;

    public readonly int Remaining => _data.Length - _position;

    public readonly int Position => _position;

    public byte ReadByte()
    {
        if (_position >= _data.Length) throw Truncated(1);
        return _data[_position++];
    }

    public ulong ReadVarUInt()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw Malformed("a variable-length integer is longer than 10 bytes");
    }

    /// <summary>A count of items that each take at least <paramref name="minItemSize"/> bytes, checked against the input left.</summary>
    public int ReadCount(int minItemSize)
    {
        var value = ReadVarUInt();
        var limit = minItemSize == 0 ? Math.Max((ulong)Remaining, 1UL << 20) : (ulong)(Remaining / minItemSize);
        if (value > limit)
            throw Malformed($"a count of {value} items does not fit in the {Remaining} bytes left");
        return (int)value;
    }

    public int ReadIndex(int count, string what)
    {
        var value = ReadVarUInt();
        if (value >= (ulong)count) throw Malformed($"{what} {value} is out of range (0–{count - 1})");
        return (int)value;
    }

    public T ReadUnmanaged<T>() where T : unmanaged
    {
        var size = Unsafe.SizeOf<T>();
        if (Remaining < size) throw Truncated(size);
        var value = MemoryMarshal.Read<T>(_data.Slice(_position, size));
        _position += size;
        return value;
    }

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if ((uint)count > (uint)Remaining) throw Truncated(count);
        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    public string ReadString()
    {
        var header = ReadVarUInt();
        if (header > int.MaxValue) throw Malformed($"a string length of {header >> 1} is out of range");
        var length = (int)(header >> 1);
        if ((header & 1) == 0) return Encoding.UTF8.GetString(ReadBytes(length));
        if (length > Remaining / 2) throw Truncated(length * 2);
        return new string(MemoryMarshal.Cast<byte, char>(ReadBytes(length * 2)));
    }

    /// <summary>The raw UTF-8 bytes of a name written by <see cref="Writer.WriteString"/> (names are always valid UTF-8).</summary>
    public ReadOnlySpan<byte> ReadNameBytes()
    {
        var header = ReadVarUInt();
        if ((header & 1) != 0 || header > int.MaxValue) throw Malformed("a type or assembly name is not in the name encoding");
        return ReadBytes((int)(header >> 1));
    }

    public TypePlan ReadTypeRef()
    {
        var id = ReadVarUInt();
        if (id < (ulong)WellKnownTypes.Count) return WellKnownTypes.Plan((int)id);
        var index = id - (ulong)WellKnownTypes.Count;
        var types = State.Types;
        if (index < (ulong)types.Count) return types[(int)index];
        if (index != (ulong)types.Count)
            throw Malformed($"type id {id} is neither known nor the next definition");
        if (++State.Depth > Writer.MaxDepth) throw Malformed("type definitions nest too deeply");
        var plan = ReadTypeDefinition();
        State.Depth--;
        types.Add(plan);
        return plan;
    }

    private TypePlan ReadTypeDefinition()
    {
        var kind = ReadByte();
        switch (kind)
        {
            case TypeDefinition.Array:
                return TypePlans.ForReceived(TypeResolver.ArrayOf(ReadTypeRef().Type, 1));
            case TypeDefinition.MultiArray:
            {
                var rank = ReadCount(0);
                if (rank is < 2 or > 32) throw Malformed($"an array rank of {rank} is out of range");
                return TypePlans.ForReceived(TypeResolver.ArrayOf(ReadTypeRef().Type, rank));
            }
            case TypeDefinition.Generic:
            {
                var definition = ReadTypeRef().Type;
                if (!definition.IsGenericTypeDefinition) throw Malformed($"{TypeNames.Display(definition)} is not a generic type definition");
                var count = ReadCount(1);
                if (count is 0 or > 64) throw Malformed($"{count} type arguments for {TypeNames.Display(definition)}");
                var args = new Type[count];
                for (var i = 0; i < count; i++) args[i] = ReadTypeRef().Type;
                Type closed;
                try { closed = TypeResolver.Construct(definition, args); }
                catch (ArgumentException e) { throw new SerializationFormatException($"Malformed payload: the type arguments do not fit {TypeNames.Display(definition)}.", e); }
                return CheckShape(TypePlans.ForReceived(closed), ReadUnmanaged<uint>());
            }
            case TypeDefinition.Named:
            {
                var assembly = ReadAssemblyRef();
                var type = TypeResolver.Resolve(assembly, ReadNameBytes());
                var hash = ReadUnmanaged<uint>();
                return type.IsGenericTypeDefinition ? TypePlans.OpenGeneric(type) : CheckShape(TypePlans.ForReceived(type), hash);
            }
            default:
                throw Malformed($"unknown type definition kind {kind}");
        }
    }

    private static TypePlan CheckShape(TypePlan plan, uint hash)
    {
        if (plan.ShapeHash != hash)
            throw new AssemblyMismatchException(
                $"Type {TypeNames.Display(plan.Type)} has different fields here than in the process that sent it (a different build of {plan.Type.Assembly.GetName().Name}).");
        return plan;
    }

    private Assembly ReadAssemblyRef()
    {
        var id = ReadVarUInt();
        var assemblies = State.Assemblies;
        if (id < (ulong)assemblies.Count) return assemblies[(int)id];
        if (id != (ulong)assemblies.Count) throw Malformed($"assembly id {id} is neither known nor the next definition");
        var mvid = ReadUnmanaged<Guid>();
        var assembly = TypeResolver.ResolveAssembly(mvid, ReadNameBytes());
        assemblies.Add(assembly);
        return assembly;
    }

    /// <summary>Reads a slot written by <see cref="Writer.WriteSlot"/>.</summary>
    public object? ReadSlot(TypePlan declared)
    {
        if (++State.Depth > Writer.MaxDepth) throw Malformed($"values nest deeper than {Writer.MaxDepth} levels");
        var armed = State.Armed;
        State.Armed = null;
        object? result;
        if (declared.IsValueSlot)
        {
            result = declared.Read(ref this, -1);
        }
        else
        {
            var tag = ReadByte();
            switch (tag)
            {
                case SlotTag.Null:
                    result = null;
                    break;
                case SlotTag.BackReference:
                {
                    var objects = State.Objects;
                    var id = ReadIndex(objects.Count, "object id");
                    result = objects[id] ?? throw Malformed("a reference points to an object that is still being built");
                    if (!ReferenceEquals(declared.Type, typeof(object)) && !declared.Type.IsInstanceOfType(result))
                        throw Malformed($"a {TypeNames.Display(result.GetType())} was found where a {TypeNames.Display(declared.Type)} belongs");
                    break;
                }
                case SlotTag.Declared:
                    result = ReadBody(declared, armed);
                    break;
                case SlotTag.Typed:
                {
                    var plan = ReadTypeRef();
                    var check = !ReferenceEquals(declared.Type, typeof(object)) && !declared.Type.IsAssignableFrom(plan.Type);
                    if (check && !plan.ImportsSubtypes)
                        throw Malformed($"a {TypeNames.Display(plan.Type)} was found where a {TypeNames.Display(declared.Type)} belongs");
                    result = ReadBody(plan, armed);
                    // A generated subtype (see ShareablePlan) is checked once it exists.
                    if (check && !declared.Type.IsInstanceOfType(result))
                        throw Malformed($"a {TypeNames.Display(result.GetType())} was found where a {TypeNames.Display(declared.Type)} belongs");
                    break;
                }
                default:
                    throw Malformed($"unknown slot tag {tag}");
            }
        }
        State.Depth--;
        return result;
    }

    private object ReadBody(TypePlan plan, PendingDelegate? armed)
    {
        plan.ThrowIfNotReceivable();
        if (!plan.TracksIdentity) return plan.Read(ref this, -1);
        var objects = State.Objects;
        var slot = objects.Count;
        objects.Add(null);
        armed?.TargetSlot = slot;
        var value = plan.Read(ref this, slot);
        Publish(slot, value);
        return value;
    }

    /// <summary>
    /// Reads the target of a delegate, creating the delegate as soon as the target exists (see <see cref="PendingDelegate"/>).
    /// </summary>
    public object? ReadDelegateTarget(PendingDelegate pending, TypePlan declared)
    {
        State.PendingDelegates.Add(pending);
        State.Armed = pending;
        var target = ReadSlot(declared);
        State.PendingDelegates.RemoveAt(State.PendingDelegates.Count - 1);
        return target;
    }

    /// <summary>Publishes an object under construction so that references inside it (cycles) can find it.</summary>
    public readonly void Publish(int slot, object value)
    {
        if (slot < 0) return;
        State.Objects[slot] = value;
        var pending = State.PendingDelegates;
        for (var i = pending.Count - 1; i >= 0; i--)
        {
            var p = pending[i];
            if (p.TargetSlot != slot || p.Created is not null) continue;
            var created = p.Create(value);
            if (p.DelegateSlot >= 0) Publish(p.DelegateSlot, created);
        }
    }

    public readonly SerializationFormatException Truncated(int needed) =>
        new($"Malformed payload: truncated at byte {_position} of {_data.Length} ({needed} more bytes needed).");

    public readonly SerializationFormatException Malformed(string what) =>
        new($"Malformed payload at byte {_position}: {what}.");
}
