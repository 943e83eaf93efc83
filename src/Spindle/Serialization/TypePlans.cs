using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Spindle.Serialization;

/// <summary>Builds and caches the <see cref="TypePlan"/> of each type: what crosses, how, and what is refused and why.</summary>
internal static class TypePlans
{
    private static readonly ConcurrentDictionary<Type, TypePlan> s_plans = new();
    private static readonly ConcurrentDictionary<Type, TypePlan> s_openGenerics = new();

    public static TypePlan For(Type type) =>
        s_plans.TryGetValue(type, out var plan) ? plan : s_plans.GetOrAdd(type, Create(type));

    /// <summary>The plan of a type named in a received payload (the same rules apply on both sides).</summary>
    public static TypePlan ForReceived(Type type) => For(type);

    /// <summary>A generic type definition named only as the definition part of a constructed type.</summary>
    public static TypePlan OpenGeneric(Type definition) => s_openGenerics.GetOrAdd(definition, static t => new AbstractPlan(t));

    private static TypePlan Create(Type type)
    {
        if (type.ContainsGenericParameters) return new AbstractPlan(type);
        if (Refusal(type) is { } reason) return new RefusedPlan(type, reason);
        if (typeof(IShareable).IsAssignableFrom(type) && !type.IsAbstract && !type.IsInterface) return ShareablePlans.Create(type);
        if (type.IsSubclassOf(typeof(Delegate)) && !type.IsAbstract) return new DelegatePlan(type);
        if (type.IsAbstract || type.IsInterface) return new AbstractPlan(type);
        if (PrimitivePlans.TryCreate(type) is { } primitive) return primitive;
        if (type.IsEnum) return PrimitivePlans.CreateEnum(type);
        if (Nullable.GetUnderlyingType(type) is { } underlying) return new NullablePlan(type, underlying);
        if (type.IsArray) return CollectionPlans.CreateArray(type);
        if (type.IsConstructedGenericType && CollectionPlans.TryCreate(type) is { } collection) return collection;
        return ObjectPlan.Create(type);
    }

    /// <summary>Types that are bound to this process; named here so the message says why, not just "private state".</summary>
    private static string? Refusal(Type type)
    {
        if (type.IsPointer || type.IsFunctionPointer || type.IsByRef || type == typeof(IntPtr) || type == typeof(UIntPtr))
            return "pointers and native handles hold addresses that mean nothing in another process";
        if (type.IsByRefLike) return "a ref struct cannot leave the stack";
        if (type.IsCOMObject) return "a COM object lives in this process";
        if (typeof(IShareable).IsAssignableFrom(type)) return null;
        if (typeof(Stream).IsAssignableFrom(type)) return "a stream is bound to this process's open files or memory";
        if (DerivesFrom(type, "System.Net.Sockets.Socket", "System.Net.Sockets")) return "a socket belongs to this process";
        if (typeof(TextWriter).IsAssignableFrom(type) || typeof(TextReader).IsAssignableFrom(type))
            return "a reader or writer wraps this process's streams";
        if (typeof(Thread).IsAssignableFrom(type)) return "a thread runs in this process only";
        if (typeof(Task).IsAssignableFrom(type) || type == typeof(ValueTask) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>)))
            return "a task completes in this process only";
        if (typeof(SafeHandle).IsAssignableFrom(type) || typeof(CriticalHandle).IsAssignableFrom(type) || typeof(WaitHandle).IsAssignableFrom(type))
            return "an OS handle means nothing in another process";
        if (DerivesFrom(type, "System.Diagnostics.Process", "System.Diagnostics.Process"))
            return "a Process object watches a process from this one";
        if (type == typeof(CancellationToken) || type == typeof(CancellationTokenSource))
            return "cancellation is signalled within this process only";
        if (typeof(MemberInfo).IsAssignableFrom(type) || typeof(Assembly).IsAssignableFrom(type) || typeof(Module).IsAssignableFrom(type))
            return "reflection objects cannot cross (send a name instead)";
        return null;
    }

    /// <summary>
    /// Whether <paramref name="type"/> is or derives from the named class, compared by name so that plans (built in
    /// every fresh child process) do not load System.Net.Sockets and System.Diagnostics.Process just to ask.
    /// </summary>
    private static bool DerivesFrom(Type type, string fullName, string assemblyName)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.FullName == fullName && t.Assembly.GetName().Name == assemblyName) return true;
        }
        return false;
    }
}
