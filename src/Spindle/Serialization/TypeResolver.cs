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

    public static Assembly ResolveAssembly(ReadOnlySpan<byte> utf8Name)
    {
        var lookup = s_assemblies.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (lookup.TryGetValue(utf8Name, out var cached)) return cached;
        var name = Encoding.UTF8.GetString(utf8Name);
        var assembly = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.FullName == name);
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

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode(obj.AsSpan());

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
