using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Spindle.Serialization;

/// <summary>
/// Records, plain classes and structs, tuples, and the compiler's closure classes: all instance fields are copied,
/// and the object is rebuilt uninitialized (no constructor runs) with the same field values.
/// </summary>
/// <remarks>
/// Copying fields is exact (a constructor could normalise or validate differently), needs no default constructor and
/// lets cycles be rebuilt. What may cross is decided by the public surface: every field must be public state, or the
/// backing field of a public property that has a public setter or <c>init</c>, or that a public constructor takes as
/// a parameter of the same name (positional records, tuples, anonymous types), or a private field named after such a
/// property (<c>_name</c>, <c>m_name</c>, <c>name</c> for <c>Name</c>). Any other private field is hidden state the
/// public surface does not round-trip, and the type is refused naming that field.
/// </remarks>
internal sealed class ObjectPlan : TypePlan
{
    private readonly Member[] _members;
    private readonly uint _shapeHash;

    // Closure objects send only the fields the delegate's code can touch (see ClosureUsage), chosen by a bit mask.
    private readonly bool _prunable;
    private readonly ulong _allMask;
    private int _minSize = -1;

    private ObjectPlan(Type type, Member[] members, bool closure) : base(type)
    {
        _members = members;
        _prunable = closure && members.Length <= 63;
        _allMask = members.Length >= 64 ? ulong.MaxValue : (1UL << members.Length) - 1;
        var hash = 2166136261u;
        foreach (var m in members)
        {
            foreach (var c in m.Field.Name) hash = (hash ^ c) * 16777619u;
            foreach (var c in TypeNames.Display(m.Field.FieldType)) hash = (hash ^ c) * 16777619u;
        }
        _shapeHash = hash;
    }

    public override uint ShapeHash => _shapeHash;

    public override bool PublishesBeforeContents => !Type.IsValueType;

    public override int MinSize
    {
        get
        {
            if (_minSize >= 0) return _minSize;
            if (!Type.IsValueType) return _minSize = 1;
            // A struct cannot contain itself by value, so this recursion ends.
            var size = 0;
            foreach (var m in _members) size += m.Plan.IsValueSlot ? m.Plan.MinSize : 1;
            return _minSize = size;
        }
    }

    public static TypePlan Create(Type type)
    {
        var fields = new List<FieldInfo>();
        for (var t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
        {
            var declared = t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly);
            fields.InsertRange(0, declared);
        }
        var closure = IsClosure(type);
        // Loops rather than LINQ: plans are built in every fresh child process, where each LINQ instantiation is
        // more JIT compilation (and System.Linq one more assembly to load) before the target can run.
        var properties = new List<PropertyInfo>();
        foreach (var p in type.GetProperties(BindingFlags.Instance | BindingFlags.Public))
        {
            if (p.GetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0) properties.Add(p);
        }
        var constructorParameters = new List<ParameterInfo>();
        foreach (var c in type.GetConstructors(BindingFlags.Instance | BindingFlags.Public)) constructorParameters.AddRange(c.GetParameters());
        bool Reachable(PropertyInfo p) =>
            p.SetMethod is { IsPublic: true }
            || constructorParameters.Exists(c => string.Equals(c.Name, p.Name, StringComparison.OrdinalIgnoreCase) && c.ParameterType == p.PropertyType);

        var members = new Member[fields.Count];
        for (var i = 0; i < fields.Count; i++)
        {
            var f = fields[i];
            string? segment;
            if (f.IsPublic)
            {
                segment = closure ? ClosureSegment(f.Name) : $"field '{f.Name}'";
            }
            else if (BackedProperty(f.Name) is { } propertyName)
            {
                var property = properties.Find(p => p.Name == propertyName);
                if (property is null)
                    return new RefusedPlan(type, $"its property '{propertyName}' is not public, so its value is hidden state");
                if (!Reachable(property))
                    return new RefusedPlan(type, $"its property '{propertyName}' has no public setter or init accessor and no constructor parameter '{propertyName}' that sets it");
                segment = $"property '{propertyName}'";
            }
            else
            {
                var stripped = f.Name.StartsWith("m_", StringComparison.Ordinal) ? f.Name[2..] : f.Name.TrimStart('_');
                var property = properties.Find(p => string.Equals(p.Name, stripped, StringComparison.OrdinalIgnoreCase));
                if (property is null || !Reachable(property))
                    return new RefusedPlan(type, $"its private field '{f.Name}' is not reachable through its public state (only public fields and properties with a public setter, init accessor or constructor parameter cross)");
                segment = $"property '{property.Name}'";
            }
            if (f.FieldType.IsPointer || f.FieldType.IsFunctionPointer || f.FieldType.IsByRef)
                return new RefusedPlan(type, $"its field '{f.Name}' is a pointer");
            members[i] = new Member(f, segment);
        }
        return new ObjectPlan(type, members, closure);
    }

    private static bool IsClosure(Type type) =>
        type.Name.StartsWith("<>c__DisplayClass", StringComparison.Ordinal) && type.IsDefined(typeof(CompilerGeneratedAttribute), false);

    /// <summary>The path segment of a closure field: the captured variable, or nothing for a link to an outer scope.</summary>
    private static string? ClosureSegment(string name) =>
        name == "<>4__this" ? "captured 'this'"
        : name.StartsWith("CS$<>8__locals", StringComparison.Ordinal) ? null
        : $"captured variable '{name}'";

    /// <summary><c>&lt;Name&gt;k__BackingField</c> (auto-property) or <c>&lt;Name&gt;i__Field</c> (anonymous type) → <c>Name</c>.</summary>
    private static string? BackedProperty(string fieldName)
    {
        if (!fieldName.StartsWith('<')) return null;
        var close = fieldName.IndexOf('>', StringComparison.Ordinal);
        if (close < 0) return null;
        var suffix = fieldName.AsSpan(close + 1);
        return suffix is "k__BackingField" or "i__Field" ? fieldName[1..close] : null;
    }

    public override void Write(Writer writer, object value)
    {
        var mask = _allMask;
        if (_prunable)
        {
            mask = writer.PruneClosures ? MaskFor(value, writer.CurrentClosureUsage) : _allMask;
            writer.WriteVarUInt(mask);
            if (mask != _allMask) writer.RecordPartialClosure(value, mask);
        }
        for (var i = 0; i < _members.Length; i++)
        {
            if ((mask & (1UL << i)) == 0) continue;
            var m = _members[i];
            if (m.RawSize > 0)
            {
                m.RawWrite(value, ref MemoryMarshal.GetReference(writer.GetSpan(m.RawSize)));
                writer.Advance(m.RawSize);
                continue;
            }
            try
            {
                writer.WriteSlot(m.Get(value), m.Plan);
            }
            catch (PathException e)
            {
                e.Within(m.Segment);
                throw;
            }
        }
    }

    public override object Read(ref Reader reader, int slot)
    {
        var mask = _allMask;
        if (_prunable)
        {
            mask = reader.ReadVarUInt();
            if ((mask & ~_allMask) != 0) throw reader.Malformed($"a field mask names fields that {TypeNames.Display(Type)} does not have");
        }
        var value = RuntimeHelpers.GetUninitializedObject(Type);
        reader.Publish(slot, value);
        for (var i = 0; i < _members.Length; i++)
        {
            if ((mask & (1UL << i)) == 0) continue;
            var m = _members[i];
            if (m.RawSize > 0) m.RawRead(value, ref MemoryMarshal.GetReference(reader.ReadBytes(m.RawSize)));
            else m.Set(value, reader.ReadSlot(m.Plan));
        }
        return value;
    }

    /// <summary>
    /// The fields of closure object <paramref name="value"/> that code using <paramref name="usage"/> can reach: the
    /// ones it touches, plus those touched by delegates stored in them (a lambda calling a neighbour of its scope).
    /// </summary>
    private ulong MaskFor(object value, ClosureFields? usage)
    {
        if (usage is null) return _allMask;
        var mask = Touched(usage, 0);
        bool grew;
        do
        {
            grew = false;
            for (var i = 0; i < _members.Length; i++)
            {
                if ((mask & (1UL << i)) == 0 || !_members[i].MayHoldDelegate || _members[i].Get(value) is not Delegate d) continue;
                var more = ClosureUsage.For(d.Method) is { } inner ? Touched(inner, mask) : _allMask;
                if (more == mask) continue;
                mask = more;
                grew = true;
            }
        }
        while (grew);
        return mask;
    }

    private ulong Touched(ClosureFields usage, ulong mask)
    {
        for (var i = 0; i < _members.Length; i++)
        {
            if (usage.Contains(_members[i].Module, _members[i].Token)) mask |= 1UL << i;
        }
        return mask;
    }

    /// <summary>A closure object sent with some fields only is referred to again, by code that may need others: refuse rather than send it short.</summary>
    public void CheckPartialSuffices(object value, ulong written, ClosureFields? usage)
    {
        var missing = MaskFor(value, usage) & ~written;
        if (missing == 0) return;
        throw new PruningConflictException();
    }

    private sealed class Member(FieldInfo field, string? segment)
    {
        private TypePlan? _plan;
        private Func<object, object?>? _get;
        private Action<object, object?>? _set;
        private RawFieldAccess? _rawWrite, _rawRead;

        public FieldInfo Field { get; } = field;

        public int Token { get; } = field.MetadataToken;

        public Module Module { get; } = field.Module;

        /// <summary>The byte size of a blittable field, copied without boxing; 0 for fields written through their plan.</summary>
        public int RawSize { get; } = BlockCopy.IsBlittable(field.FieldType) ? BlockCopy.SizeOf(field.FieldType) : 0;

        public RawFieldAccess RawWrite => _rawWrite ??= FieldAccessors.RawWriter(Field);

        public RawFieldAccess RawRead => _rawRead ??= FieldAccessors.RawReader(Field);

        public bool MayHoldDelegate { get; } = field.FieldType == typeof(object) || typeof(Delegate).IsAssignableFrom(field.FieldType);

        public string? Segment { get; } = segment;

        public TypePlan Plan => _plan ??= TypePlans.For(Field.FieldType);

        public Func<object, object?> Get => _get ??= FieldAccessors.Getter(Field);

        public Action<object, object?> Set => _set ??= FieldAccessors.Setter(Field);
    }
}
