namespace Spindle.Serialization;

/// <summary>
/// How one type is written and read, built once by reflection and cached (<see cref="TypePlans.For"/>).
/// <see cref="Write"/> gets a non-null value whose runtime type is the plan's; <see cref="Read"/> returns the value
/// and, for reference types, publishes it under <c>slot</c> as soon as it exists so cycles can refer to it.
/// </summary>
internal abstract class TypePlan(Type type)
{
    // Type.IsValueType is a virtual reflection call; slots ask on every value.
    private readonly bool _isValueType = type.IsValueType;

    public Type Type { get; } = type;

    /// <summary>The type's fixed id in <see cref="WellKnownTypes"/>, or −1; looked up once instead of on every type reference.</summary>
    public int WellKnownId { get; } = WellKnownTypes.TryGetId(type, out var id) ? id : -1;

    /// <summary>The runtime type a value in a slot of this declared type has when no type reference is needed.</summary>
    public virtual Type RuntimeType => Type;

    /// <summary>A slot of this type holds a value directly, without a tag (non-nullable value types).</summary>
    public virtual bool IsValueSlot => _isValueType;

    /// <summary>Values of this type keep their identity within a payload (shared references, cycles).</summary>
    public virtual bool TracksIdentity => !_isValueType;

    /// <summary>A fingerprint of the type's fields, compared on receipt to catch a different build of the type.</summary>
    public virtual uint ShapeHash => 0;

    /// <summary>The fewest bytes a value of this type takes in a value slot (bounds element counts on receipt).</summary>
    public virtual int MinSize => 1;

    /// <summary>
    /// <see cref="Read"/> publishes the object before reading what it contains, so references back to it (and to a
    /// delegate whose target it is) can be rebuilt.
    /// </summary>
    public virtual bool PublishesBeforeContents => false;

    /// <summary>
    /// <see cref="Read"/> may return an instance of a type derived from <see cref="Type"/> (see <see cref="ShareablePlan{T}"/>),
    /// so a slot checks the object read rather than the type named.
    /// </summary>
    public virtual bool ImportsSubtypes => false;

    public abstract void Write(Writer writer, object value);

    public abstract object Read(ref Reader reader, int slot);

    public virtual void ThrowIfRefused() { }

    public virtual void ThrowIfNotReceivable() { }
}

/// <summary>A type that cannot cross, with the reason given to the user.</summary>
internal sealed class RefusedPlan(Type type, string reason) : TypePlan(type)
{
    public string Reason { get; } = reason;

    public override void ThrowIfRefused() => throw new PathException(Type, Reason);

    public override void ThrowIfNotReceivable() =>
        throw new SerializationFormatException($"The payload holds a {TypeNames.Display(Type)}, which cannot be received: {Reason}.");

    public override void Write(Writer writer, object value) => throw new PathException(Type, Reason);

    public override object Read(ref Reader reader, int slot)
    {
        ThrowIfNotReceivable();
        return null!;
    }
}

/// <summary>An interface, abstract class or open generic type: it can declare a slot, but no value has it as runtime type.</summary>
internal sealed class AbstractPlan(Type type) : TypePlan(type)
{
    public override void ThrowIfNotReceivable() =>
        throw new SerializationFormatException($"The payload claims a value of {TypeNames.Display(Type)}, which is abstract.");

    public override void Write(Writer writer, object value) =>
        throw new InvalidOperationException($"No value has the abstract runtime type {TypeNames.Display(Type)}.");

    public override object Read(ref Reader reader, int slot)
    {
        ThrowIfNotReceivable();
        return null!;
    }
}
