using System.Collections.Concurrent;

namespace Spindle.Serialization;

/// <summary>
/// How a type is named in a payload's type table, worked out once per type: reflection calls such as
/// <see cref="Type.GetGenericArguments"/> allocate and cost more than writing the whole definition.
/// </summary>
internal sealed class TypeIdentity
{
    private static readonly ConcurrentDictionary<Type, TypeIdentity> s_identities = new();

    private TypeIdentity(Type type)
    {
        if (type.IsSZArray)
        {
            Kind = TypeDefinition.Array;
            Parts = [type.GetElementType()!];
        }
        else if (type.IsArray)
        {
            Kind = TypeDefinition.MultiArray;
            Rank = type.GetArrayRank();
            Parts = [type.GetElementType()!];
        }
        else if (type.IsConstructedGenericType)
        {
            Kind = TypeDefinition.Generic;
            Parts = [type.GetGenericTypeDefinition(), .. type.GetGenericArguments()];
            ShapeHash = TypePlans.For(type).ShapeHash;
        }
        else
        {
            Kind = TypeDefinition.Named;
            Parts = [];
            EncodedName = TypeResolver.EncodedName(type);
            ShapeHash = type.IsGenericTypeDefinition ? 0u : TypePlans.For(type).ShapeHash;
        }
    }

    public byte Kind { get; }

    /// <summary>The element type of an array; the definition then the arguments of a constructed generic type.</summary>
    public Type[] Parts { get; }

    public int Rank { get; }

    public byte[]? EncodedName { get; }

    public uint ShapeHash { get; }

    public static TypeIdentity Of(Type type) =>
        s_identities.TryGetValue(type, out var identity) ? identity : s_identities.GetOrAdd(type, new TypeIdentity(type));
}
