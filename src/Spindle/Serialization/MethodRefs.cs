using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Spindle.Serialization;

/// <summary>
/// Names a method so another process running the same build finds exactly it: the declaring type (through the type
/// table), the module version id (MVID) of the module that defines it, its metadata token and any generic method
/// arguments. A different build of the assembly has a different MVID and is refused rather than risk running
/// another method under the same token.
/// </summary>
internal static class MethodRefs
{
    // Boxed so that the dictionary is the reference-keyed, reference-valued instantiation the framework ships
    // precompiled: a struct value would cost every fresh child process JIT compilation of its own.
    private static readonly ConcurrentDictionary<Module, StrongBox<Guid>> s_mvids = new();
    private static readonly ConcurrentDictionary<Type, MethodsByToken> s_methods = new();

    private static readonly ConcurrentDictionary<MethodInfo, Identity> s_identities = new();

    public static void Write(Writer writer, MethodInfo method)
    {
        var identity = s_identities.TryGetValue(method, out var known) ? known : s_identities.GetOrAdd(method, new Identity(method));
        if (identity.DeclaringType is null)
            throw new PathException(method.GetType(), "its method was generated at run time (a DynamicMethod or compiled expression), so another process cannot find it");
        writer.WriteTypeRef(identity.DeclaringType);
        writer.WriteUnmanaged(identity.Mvid);
        writer.WriteUnmanaged(identity.Token);
        writer.WriteLength(identity.GenericArguments.Length);
        foreach (var t in identity.GenericArguments) writer.WriteTypeRef(t);
    }

    /// <summary>What names a method in a payload, worked out once per method (each of these is a reflection call).</summary>
    private sealed class Identity
    {
        public Identity(MethodInfo method)
        {
            if (method.DeclaringType is null || method.Module.Assembly.IsDynamic) return;
            DeclaringType = method.DeclaringType;
            Mvid = MethodRefs.Mvid(method.Module);
            Token = method.MetadataToken;
            GenericArguments = method.IsGenericMethod ? method.GetGenericArguments() : [];
        }

        public Type? DeclaringType { get; }

        public Guid Mvid { get; }

        public int Token { get; }

        public Type[] GenericArguments { get; } = [];
    }

    public static MethodInfo Read(ref Reader reader)
    {
        var declaringType = reader.ReadTypeRef().Type;
        var mvid = reader.ReadUnmanaged<Guid>();
        var token = reader.ReadUnmanaged<int>();
        var here = Mvid(declaringType.Module);
        if (mvid != here)
            throw new AssemblyMismatchException(
                $"The payload calls a method of {TypeNames.Display(declaringType)} from a different build of assembly '{declaringType.Assembly.GetName().Name}' " +
                $"(module version id {mvid} there, {here} here); refusing to run it. Run the same build in both processes.");
        var methods = s_methods.TryGetValue(declaringType, out var known) ? known : s_methods.GetOrAdd(declaringType, static t => new MethodsByToken(t));
        var method = methods.Find(token)
            ?? throw reader.Malformed($"{TypeNames.Display(declaringType)} has no method with token 0x{token:X8}");
        var count = reader.ReadCount(1);
        if (count == 0)
        {
            if (method.IsGenericMethodDefinition) throw reader.Malformed($"generic method {method.Name} arrived without type arguments");
            return method;
        }
        if (!method.IsGenericMethodDefinition || method.GetGenericArguments().Length != count)
            throw reader.Malformed($"method {method.Name} does not take {count} type arguments");
        var args = new Type[count];
        for (var i = 0; i < count; i++) args[i] = reader.ReadTypeRef().Type;
        try { return method.MakeGenericMethod(args); }
        catch (ArgumentException) { throw reader.Malformed($"the type arguments do not fit method {method.Name}"); }
    }

    /// <summary>
    /// The methods of one type found so far, by metadata token. A miss resolves the one token instead of listing all
    /// the type's methods, and no dictionary has a struct key: both cost a fresh child process milliseconds.
    /// </summary>
    private sealed class MethodsByToken(Type type)
    {
        private readonly Dictionary<int, MethodInfo?> _byToken = [];

        public MethodInfo? Find(int token)
        {
            lock (_byToken)
            {
                if (!_byToken.TryGetValue(token, out var method)) _byToken[token] = method = Resolve(token);
                return method;
            }
        }

        private MethodInfo? Resolve(int token)
        {
            if (!type.IsGenericType)
            {
                try
                {
                    return type.Module.ResolveMethod(token) is MethodInfo m && m.DeclaringType == type ? m : null;
                }
                catch (ArgumentException)
                {
                    return null; // not a method token of this module
                }
            }
            // A constructed generic type's methods carry its type arguments; ResolveMethod would give the definition's.
            foreach (var m in type.GetMethods(BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static))
            {
                if (m.MetadataToken == token) return m;
            }
            return null;
        }
    }

    /// <summary><c>Namespace.Type.Method</c>, with compiler-generated closure types and lambda names turned back into the source's.</summary>
    public static string Describe(MethodInfo method)
    {
        var type = method.DeclaringType;
        while (type is { IsNested: true } && type.Name.StartsWith('<')) type = type.DeclaringType;
        var name = method.Name;
        if (name.StartsWith('<'))
        {
            var close = name.IndexOf('>', StringComparison.Ordinal);
            var outer = close > 1 ? name[1..close] : "";
            var kind = name.AsSpan(close + 1).StartsWith("b__") ? "lambda" : "local function";
            name = close > 1 ? $"{outer} ({kind})" : name;
        }
        return type is null ? name : $"{type.FullName?.Replace('+', '.')}.{name}";
    }

    /// <summary>A module's version id, read once (each read is a metadata call).</summary>
    internal static Guid Mvid(Module module) =>
        (s_mvids.TryGetValue(module, out var known) ? known : s_mvids.GetOrAdd(module, static m => new StrongBox<Guid>(m.ModuleVersionId))).Value!;
}
