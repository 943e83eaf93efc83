using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Spindle.Native;

namespace Spindle.Managers;

/// <summary>
/// Where a <see cref="Manager"/>'s server listens: a Unix socket (a file path, or a name in Linux's abstract namespace,
/// written with a leading <c>@</c>, which leaves no file behind) or a TCP address. Python: a manager's
/// <c>address</c> — a path string for <c>AF_UNIX</c>, a <c>(host, port)</c> tuple for <c>AF_INET</c>.
/// </summary>
/// <remarks>
/// The text form (<see cref="ToString"/>, read back by <see cref="Parse"/>) is <c>unix:/path</c>, <c>unix:@name</c>
/// or <c>tcp:host:port</c> (<c>tcp:[::1]:port</c> for IPv6), so an address can be handed to another program.
/// </remarks>
public sealed class ManagerAddress : IEquatable<ManagerAddress>
{
    private const int UnixPathCapacity = 108; // sizeof(sockaddr_un.sun_path)

    private ManagerAddress(string? path, IPAddress? host, int port)
    {
        Path = path;
        Host = host;
        Port = port;
    }

    /// <summary>The Unix socket's path (<c>@name</c> for the abstract namespace), or null for a TCP address.</summary>
    public string? Path { get; }

    /// <summary>The TCP host, or null for a Unix socket.</summary>
    public IPAddress? Host { get; }

    /// <summary>The TCP port (0 before a listener has picked one); 0 for a Unix socket.</summary>
    public int Port { get; }

    /// <summary>Whether this is a TCP address. Python: the <c>AF_INET</c> family.</summary>
    public bool IsTcp => Host is not null;

    /// <summary>A Unix socket at <paramref name="path"/>; a leading <c>@</c> names Linux's abstract namespace (no file). Python: <c>address='/path'</c>.</summary>
    /// <exception cref="ArgumentException">The path is empty, contains a NUL, or is longer than a Unix socket address holds (107 bytes).</exception>
    public static ManagerAddress Unix(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException("A Unix socket path cannot contain NUL characters (write '@name' for the abstract namespace).", nameof(path));
        if (path == "@") throw new ArgumentException("An abstract Unix socket name needs at least one character after '@'.", nameof(path));
        var bytes = Encoding.UTF8.GetByteCount(path);
        if (bytes > UnixPathCapacity - 1)
            throw new ArgumentException($"The Unix socket path '{path}' is {bytes} bytes long; at most {UnixPathCapacity - 1} fit in a socket address.", nameof(path));
        return new ManagerAddress(path, null, 0);
    }

    /// <summary>A TCP address; port 0 lets the listener pick a free port. Python: <c>address=(host, port)</c>.</summary>
    /// <param name="host">An IP address, or <c>localhost</c>. Only loopback unless you pass another address on purpose.</param>
    /// <param name="port">0 to 65535.</param>
    /// <exception cref="ArgumentException">The host is not an IP address or <c>localhost</c>.</exception>
    public static ManagerAddress Tcp(string host, int port)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        var address = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : IPAddress.TryParse(host.Trim('[', ']'), out var parsed) ? parsed
            : throw new ArgumentException($"'{host}' is not an IP address (or 'localhost'); resolve host names before making a manager address.", nameof(host));
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return new ManagerAddress(null, address, port);
    }

    /// <summary>A TCP address on the loopback interface (127.0.0.1); port 0 lets the listener pick one. Python: <c>address=('127.0.0.1', port)</c>.</summary>
    public static ManagerAddress Tcp(int port = 0) => Tcp("127.0.0.1", port);

    /// <summary>Reads the text form: <c>unix:/path</c>, <c>unix:@name</c>, <c>tcp:host:port</c>; a bare <c>/path</c> or <c>@name</c> is a Unix socket, a bare <c>host:port</c> a TCP address.</summary>
    /// <exception cref="FormatException">The text is not an address.</exception>
    public static ManagerAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var address) ? address : throw new FormatException($"'{text}' is not a manager address (expected unix:/path, unix:@name or tcp:host:port).");
    }

    /// <summary>Reads the text form of <see cref="Parse"/>; false if it is not an address.</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ManagerAddress? address)
    {
        address = null;
        if (string.IsNullOrEmpty(text)) return false;
        var body = text.StartsWith("unix:", StringComparison.Ordinal) ? text[5..] : text;
        try
        {
            if (body.StartsWith('/') || body.StartsWith('@') || body.StartsWith('.'))
            {
                address = Unix(body);
                return true;
            }
            if (text.StartsWith("unix:", StringComparison.Ordinal)) return false;
            if (text.StartsWith("tcp:", StringComparison.Ordinal)) body = text[4..];
            var colon = body.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(body.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)) return false;
            address = Tcp(body[..colon], port);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The text form, e.g. <c>unix:@spindle-manager-…</c> or <c>tcp:127.0.0.1:50000</c>; <see cref="Parse"/> reads it back.</summary>
    public override string ToString() => Host is { } host
        ? host.AddressFamily == AddressFamily.InterNetworkV6
            ? string.Create(CultureInfo.InvariantCulture, $"tcp:[{host}]:{Port}")
            : string.Create(CultureInfo.InvariantCulture, $"tcp:{host}:{Port}")
        : $"unix:{Path}";

    /// <inheritdoc />
    public bool Equals(ManagerAddress? other) =>
        other is not null && Path == other.Path && Equals(Host, other.Host) && Port == other.Port;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ManagerAddress);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Path, Host, Port);

    /// <summary>A fresh abstract-namespace name for a manager that was given no address (Python picks a temporary path).</summary>
    internal static ManagerAddress CreateDefault()
    {
        Span<byte> random = stackalloc byte[8];
        Libc.FillRandom(random);
        return Unix(string.Create(CultureInfo.InvariantCulture, $"@spindle-manager-{Environment.ProcessId}-{Convert.ToHexStringLower(random)}"));
    }

    /// <summary>The socket family to create for this address.</summary>
    internal int Family => Host is null ? Libc.AF_UNIX : Host.AddressFamily == AddressFamily.InterNetworkV6 ? Libc.AF_INET6 : Libc.AF_INET;

    /// <summary>Writes the sockaddr for this address into <paramref name="buffer"/> (at least <see cref="Libc.SockAddrCapacity"/> bytes); returns its length.</summary>
    internal int WriteSockAddr(Span<byte> buffer)
    {
        buffer[..Libc.SockAddrCapacity].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(buffer, (ushort)Family);
        if (Host is null)
        {
            var path = Path!;
            var abstractName = path.StartsWith('@');
            var name = abstractName ? path.AsSpan(1) : path.AsSpan();
            var start = abstractName ? 3 : 2; // sun_path[0] = NUL marks the abstract namespace
            var written = Encoding.UTF8.GetBytes(name, buffer[start..]);
            // A path socket's name ends with its NUL; an abstract name is exactly the bytes given.
            return start + written + (abstractName ? 0 : 1);
        }
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], (ushort)Port);
        if (Host.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Host.TryWriteBytes(buffer[8..24], out _);
            BinaryPrimitives.WriteUInt32LittleEndian(buffer[24..], (uint)Host.ScopeId);
            return 28;
        }
        Host.TryWriteBytes(buffer[4..8], out _);
        return 16;
    }

    /// <summary>The TCP address in a sockaddr (a peer's, from accept); null for any other family (a Unix peer is unnamed).</summary>
    internal static ManagerAddress? FromSockAddr(ReadOnlySpan<byte> sockaddr)
    {
        // An unnamed Unix peer's sockaddr is the family alone.
        if (sockaddr.Length < 4) return null;
        var port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);
        return BinaryPrimitives.ReadUInt16LittleEndian(sockaddr) switch
        {
            Libc.AF_INET => new ManagerAddress(null, new IPAddress(sockaddr[4..8]), port),
            Libc.AF_INET6 => new ManagerAddress(null, new IPAddress(sockaddr[8..24], BinaryPrimitives.ReadUInt32LittleEndian(sockaddr[24..])), port),
            _ => null,
        };
    }

    /// <summary>This address with the port the kernel bound <paramref name="fd"/> to (for a TCP listener given port 0).</summary>
    internal unsafe ManagerAddress WithBoundPort(int fd)
    {
        if (Host is null || Port != 0) return this;
        var buffer = stackalloc byte[Libc.SockAddrCapacity];
        var length = Libc.SockAddrCapacity;
        if (Libc.GetSockName(fd, buffer, &length) != 0) throw new IOException($"getsockname failed: {Libc.Describe(Libc.LastErrno)}.");
        var port = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(buffer + 2, 2));
        return new ManagerAddress(null, Host, port);
    }
}
