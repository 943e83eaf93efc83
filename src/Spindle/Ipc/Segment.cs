using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Spindle.Native;
using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// One shared mapping: an anonymous memfd (locks, events, semaphores, values, arrays) or a /dev/shm file (a named
/// <see cref="Ipc.SharedMemory"/>). Anonymous segments have no name anywhere, so they cannot leak: the kernel frees them
/// when the last process that maps or holds them exits, however it exits (SIGKILL included).
/// </summary>
/// <remarks>
/// Another process reaches an anonymous segment through <c>/proc/&lt;pid&gt;/fd/&lt;n&gt;</c> of a process that
/// holds it (each importer re-exports through its own descriptor), so the exporting object must stay alive until the
/// receiver has rebuilt it — as Python asks of objects passed to a child. A random tag at offset 0 guards against a
/// descriptor number that was closed and reused meanwhile.
/// </remarks>
internal sealed unsafe class Segment : IDisposable
{
    /// <summary>Bytes reserved at the start of an anonymous segment (tag), keeping the objects on their own cache line.</summary>
    internal const int HeaderSize = 64;

    private readonly int _fd;
    private readonly long _tag;
    private byte* _base;

    private Segment(int fd, byte* basePointer, long length, long tag)
    {
        _fd = fd;
        _base = basePointer;
        Length = length;
        _tag = tag;
    }

    ~Segment() => Unmap();

    /// <summary>Mapped bytes.</summary>
    public long Length { get; }

    /// <summary>Whether <see cref="Dispose"/> ran.</summary>
    public bool IsClosed => _base == null;

    /// <summary>The mapping's start; throws once closed.</summary>
    public byte* Base => _base != null ? _base : throw new ObjectDisposedException(nameof(Segment), "The shared memory segment is closed.");

    /// <summary>A new anonymous segment of <paramref name="payload"/> bytes after the header, zero-filled.</summary>
    /// <param name="payload">Bytes after the header.</param>
    /// <param name="label">Shown in /proc/PID/fd links (memfd:spindle-LABEL).</param>
    /// <param name="fixedSize">
    /// Seal the size: a process that opens the segment through /proc cannot shrink it (which would make this
    /// process's reads of the mapping fault), for a segment shared with a less trusted peer.
    /// </param>
    public static Segment CreateAnonymous(long payload, string label, bool fixedSize = false)
    {
        int fd = Libc.MemfdCreate("spindle-" + label, (uint)(Libc.MFD_CLOEXEC | (fixedSize ? Libc.MFD_ALLOW_SEALING : 0)));
        if (fd < 0) throw Error("memfd_create");
        long length = HeaderSize + payload;
        var segment = MapNew(fd, length, (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue) | ((long)Environment.ProcessId << 32));
        if (fixedSize && Libc.FcntlInt(fd, Libc.F_ADD_SEALS, Libc.F_SEAL_SHRINK | Libc.F_SEAL_GROW | Libc.F_SEAL_SEAL) != 0)
        {
            var e = Error("fcntl(F_ADD_SEALS)");
            segment.Dispose();
            throw e;
        }
        *(long*)segment._base = segment._tag;
        return segment;
    }

    /// <summary>Creates (exclusive) or opens /dev/shm/<paramref name="name"/>, resized to <paramref name="length"/> when created.</summary>
    public static Segment? OpenNamed(string name, bool create, long length, bool nullIfExists = false)
    {
        var path = "/dev/shm/" + name;
        int fd = Libc.Open(path, Libc.O_RDWR | Libc.O_CLOEXEC | (create ? Libc.O_CREAT | Libc.O_EXCL : 0), 0x180 /* 0600 */);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (create && errno == Libc.EEXIST && nullIfExists) return null;
            if (create && errno == Libc.EEXIST) throw new IOException($"File exists: shared memory '{name}' already exists (Python: FileExistsError).");
            if (!create && errno == Libc.ENOENT) throw new FileNotFoundException($"No such file or directory: no shared memory named '{name}' (Python: FileNotFoundError).", path);
            throw Error("open " + path, errno);
        }
        if (!create)
        {
            length = Libc.Lseek(fd, 0, 2 /* SEEK_END */);
            if (length <= 0)
            {
                _ = Libc.Close(fd);
                throw new ArgumentException($"The shared memory '{name}' is empty (Python: ValueError, cannot mmap an empty file).", nameof(name));
            }
        }
        try
        {
            return MapNew(fd, length, 0);
        }
        catch
        {
            if (create) _ = Libc.Unlink(path);
            throw;
        }
    }

    private static Segment MapNew(int fd, long length, long tag)
    {
        if (Libc.Ftruncate(fd, length) != 0 && Libc.Lseek(fd, 0, 2) < length)
        {
            var e = Error("ftruncate");
            _ = Libc.Close(fd);
            throw e;
        }
        return Map(fd, length, tag);
    }

    private static Segment Map(int fd, long length, long tag)
    {
        nint p = Libc.Mmap(0, (nuint)length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
        if (p == -1)
        {
            var e = Error("mmap");
            _ = Libc.Close(fd);
            throw e;
        }
        return new Segment(fd, (byte*)p, length, tag);
    }

    /// <summary>Pointer to an aligned word at <paramref name="offset"/> after the header.</summary>
    public int* Int(int offset) => (int*)(Base + HeaderSize + offset);

    /// <summary>Writes this anonymous segment's reference: creator-visible fd path, length and tag.</summary>
    public void Export(Span<byte> destination)
    {
        _ = Base;
        BinaryPrimitives.WriteInt32LittleEndian(destination, Environment.ProcessId);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], _fd);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], Length);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], _tag);
    }

    /// <summary>A handle carrying this segment's reference followed by <paramref name="extra"/> (the owner's own parameters).</summary>
    public ShareableHandle ToHandle(ReadOnlySpan<byte> extra = default)
    {
        var state = new byte[ExportSize + extra.Length];
        Export(state);
        extra.CopyTo(state.AsSpan(ExportSize));
        return new ShareableHandle(state);
    }

    /// <summary>Bytes written by <see cref="Export"/>.</summary>
    public const int ExportSize = 24;

    /// <summary>Re-opens an anonymous segment exported by another process (which must still be alive).</summary>
    public static Segment Import(ReadOnlySpan<byte> source)
    {
        int pid = BinaryPrimitives.ReadInt32LittleEndian(source);
        int fd = BinaryPrimitives.ReadInt32LittleEndian(source[4..]);
        long length = BinaryPrimitives.ReadInt64LittleEndian(source[8..]);
        long tag = BinaryPrimitives.ReadInt64LittleEndian(source[16..]);
        var path = string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/fd/{fd}");
        int mine = Libc.Open(path, Libc.O_RDWR | Libc.O_CLOEXEC, 0);
        if (mine < 0)
            throw new InvalidOperationException(
                $"The shared object's memory is gone: process {pid}, which sent it, has exited or closed it before this process opened it ({path}). Keep the object alive (undisposed) in the sender until the receiver has started.");
        var segment = Map(mine, length, tag);
        if (*(long*)segment._base != tag)
        {
            segment.Dispose();
            throw new InvalidOperationException($"The shared object's memory was replaced: {path} now names another file.");
        }
        return segment;
    }

    /// <summary>Unmaps and closes the descriptor; other processes keep their mappings.</summary>
    public void Dispose()
    {
        Unmap();
        GC.SuppressFinalize(this);
    }

    private void Unmap()
    {
        var p = _base;
        if (p == null) return;
        _base = null;
        _ = Libc.Munmap((nint)p, (nuint)Length);
        _ = Libc.Close(_fd);
    }

    private static IOException Error(string what, int errno = -1)
    {
        if (errno < 0) errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
    }
}
