namespace Spindle.Serialization;

/// <summary>The first byte of every reference slot.</summary>
internal static class SlotTag
{
    public const byte Null = 0;
    /// <summary>A value whose runtime type is the slot's declared type: no type reference follows.</summary>
    public const byte Declared = 1;
    /// <summary>A value of another runtime type (a subtype, a boxed value in an <c>object</c> slot): a type reference follows.</summary>
    public const byte Typed = 2;
    /// <summary>An object already written in this payload: its id follows.</summary>
    public const byte BackReference = 3;
}

/// <summary>The kinds of type definitions that extend a payload's type table.</summary>
internal static class TypeDefinition
{
    public const byte Named = 1;
    public const byte Generic = 2;
    public const byte Array = 3;
    public const byte MultiArray = 4;
}

/// <summary>The payload header: a magic byte, the format version, and what the payload holds.</summary>
internal static class PayloadHeader
{
    public const byte Magic = 0xB7;
    public const byte Version = 1;
    public const byte Call = 1;
    public const byte Value = 2;
}
