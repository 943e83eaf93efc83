using System.Collections.Concurrent;
using System.Reflection;
using System.Text;

namespace Spindle.Serialization;

/// <summary>
/// Finds the assemblies and types a payload names. Names are looked up by their raw UTF-8 bytes in process-wide
/// caches, so a steady stream of payloads allocates no strings for them.
/// </summary>
/// <remarks>Only payloads from an authenticated peer reach here: a name can make this process load an assembly.</remarks>
internal static class TypeResolver
{
    private static readonly ConcurrentDictionary<byte[], Assembly> s_assemblies = new(ByteArrayComparer.Instance);
    private static readonly ConcurrentDictionary<Assembly, ConcurrentDictionary<byte[], Type>> s_types = new();
    private static readonly ConcurrentDictionary<object, byte[]> s_encodedNames = new();

    /// <summary>A type's full name or an assembly's full name as <see cref="Writer.WriteString"/> writes it, encoded once.</summary>
    public static byte[] EncodedName(Type type) =>
        s_encodedNames.TryGetValue(type, out var bytes) ? bytes
        : s_encodedNames.GetOrAdd(type, Encode(type.FullName ?? throw new PathException(type, "it has no name that another process can look up")));

    /// <summary>An assembly as a payload names it: the module version id of its manifest module, then its full name.</summary>
    public static byte[] EncodedName(Assembly assembly) =>
        s_encodedNames.TryGetValue(assembly, out var bytes) ? bytes
        : s_encodedNames.GetOrAdd(assembly, [
            .. assembly.ManifestModule.ModuleVersionId.ToByteArray(),
            .. Encode(assembly.FullName ?? throw new PathException(typeof(Assembly), "an assembly without a name cannot be loaded elsewhere")),
        ]);

    private static byte[] Encode(string name)
    {
        var utf8 = Encoding.UTF8.GetBytes(name);
        var header = (ulong)utf8.Length << 1;
        var bytes = new List<byte>(utf8.Length + 5);
        while (header >= 0x80)
        {
            bytes.Add((byte)(header | 0x80));
            header >>= 7;
        }
        bytes.Add((byte)header);
        bytes.AddRange(utf8);
        return [.. bytes];
    }

    /// <summary><see cref="Type.MakeArrayType()"/>, cached: it is slow and payloads name the same array types again and again.</summary>
    public static Type ArrayOf(Type element, int rank) =>
        Constructed.Arrays.TryGetValue((element, rank), out var type) ? type
        : Constructed.Arrays.GetOrAdd((element, rank), static k => k.Rank == 1 ? k.Element.MakeArrayType() : k.Element.MakeArrayType(k.Rank));

    /// <summary><see cref="Type.MakeGenericType"/>, cached for the same reason.</summary>
    public static Type Construct(Type definition, Type[] args)
    {
        var key = new GenericKey(definition, args);
        return Constructed.Generics.TryGetValue(key, out var type) ? type : Constructed.Generics.GetOrAdd(key, definition.MakeGenericType(args));
    }

    /// <summary>
    /// Caches created on first use only: each dictionary over a struct key is JIT-compiled code of its own, which a
    /// fresh child process would otherwise pay for before decoding a payload that names no array or generic type.
    /// </summary>
    private static class Constructed
    {
        public static readonly ConcurrentDictionary<(Type Element, int Rank), Type> Arrays = new();
        public static readonly ConcurrentDictionary<GenericKey, Type> Generics = new();
    }

    private readonly struct GenericKey(Type definition, Type[] args) : IEquatable<GenericKey>
    {
        private readonly Type _definition = definition;
        private readonly Type[] _args = args;

        public bool Equals(GenericKey other) => _definition == other._definition && _args.AsSpan().SequenceEqual(other._args);

        public override bool Equals(object? obj) => obj is GenericKey other && Equals(other);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            hash.Add(_definition);
            foreach (var a in _args) hash.Add(a);
            return hash.ToHashCode();
        }
    }

    private static readonly ConcurrentDictionary<byte[], Assembly>.AlternateLookup<ReadOnlySpan<byte>> s_assemblyLookup =
        s_assemblies.GetAlternateLookup<ReadOnlySpan<byte>>();

    // Keyed by the name, the build checked by comparing the module version id: a dictionary keyed by Guid would be
    // one more struct instantiation to JIT-compile in every fresh child.
    private static readonly ConcurrentDictionary<byte[], Assembly>.AlternateLookup<ReadOnlySpan<byte>> s_checkedLookup =
        new ConcurrentDictionary<byte[], Assembly>(ByteArrayComparer.Instance).GetAlternateLookup<ReadOnlySpan<byte>>();

    /// <summary>
    /// The assembly a payload names, which must be the very build the sender has loaded (same module version id):
    /// with another build, type layouts and method tokens could silently mean something else.
    /// </summary>
    public static Assembly ResolveAssembly(Guid mvid, ReadOnlySpan<byte> utf8Name)
    {
        if (s_checkedLookup.TryGetValue(utf8Name, out var known) && MethodRefs.Mvid(known.ManifestModule) == mvid) return known;
        var assembly = ResolveAssembly(utf8Name);
        var here = MethodRefs.Mvid(assembly.ManifestModule);
        if (here != mvid)
            throw new AssemblyMismatchException(
                $"The payload was written by a different build of assembly '{assembly.GetName().Name}' (module version id {mvid} there, {here} here); " +
                "run the same build in both processes.");
        s_checkedLookup.TryAdd(utf8Name, assembly);
        return assembly;
    }

    private static Assembly ResolveAssembly(ReadOnlySpan<byte> utf8Name)
    {
        var lookup = s_assemblyLookup;
        if (lookup.TryGetValue(utf8Name, out var cached)) return cached;
        var name = Encoding.UTF8.GetString(utf8Name);
        Assembly? assembly = null;
        foreach (var loaded in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (loaded.FullName == name) { assembly = loaded; break; }
        }
        if (assembly is null)
        {
            try { assembly = Assembly.Load(new AssemblyName(name)); }
            catch (Exception e) when (e is IOException or BadImageFormatException or ArgumentException)
            {
                throw new SerializationFormatException($"The payload names assembly '{name}', which cannot be loaded here: {e.Message}", e);
            }
        }
        lookup.TryAdd(utf8Name, assembly);
        return assembly;
    }

    public static Type Resolve(Assembly assembly, ReadOnlySpan<byte> utf8Name)
    {
        var types = s_types.GetOrAdd(assembly, static _ => new ConcurrentDictionary<byte[], Type>(ByteArrayComparer.Instance));
        var lookup = types.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (lookup.TryGetValue(utf8Name, out var cached)) return cached;
        var name = Encoding.UTF8.GetString(utf8Name);
        var type = assembly.GetType(name, throwOnError: false, ignoreCase: false)
            ?? throw new SerializationFormatException($"The payload names type '{name}', which assembly '{assembly.GetName().Name}' does not define here.");
        lookup.TryAdd(utf8Name, type);
        return type;
    }
}
