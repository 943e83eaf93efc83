using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// A block of memory, named in /dev/shm, that any process may attach to by name.
/// Python 3.8: <c>multiprocessing.shared_memory.SharedMemory(name=None, create=False, size=0)</c>.
/// </summary>
/// <remarks>
/// <para>Python's lifetime rules: <see cref="Close"/> (and <see cref="Dispose"/>) unmap this process's view only;
/// the block lives until some process calls <see cref="Unlink"/>, and the creator is expected to.</para>
/// <para>Leaks: the creating process remembers the blocks it created and has not unlinked, and unlinks them when it
/// exits normally — what Python's resource tracker does at shutdown. A creator killed by SIGKILL cannot: for that, a
/// small tracker process started with the first block outlives it and removes them once it is gone (see
/// <see cref="SharedMemoryTracker"/>). Locks, values and arrays never use /dev/shm, so they cannot leak at all;
/// prefer them when a name is not needed.</para>
/// <para>Generated names start with <c>spindle-</c>.</para>
/// </remarks>
public sealed unsafe class SharedMemory : IShareable<SharedMemory>, IDisposable
{
    private readonly Segment _segment;
    private readonly Manager _manager;

    /// <summary>Creates a block of <paramref name="size"/> bytes under a generated name. Python: <c>SharedMemory(create=True, size=size)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is not positive (Python: <c>ValueError: 'size' must be a positive number different from zero</c>).</exception>
    public SharedMemory(int size) : this(null, create: true, size) { }

    /// <summary>Attaches to the block named <paramref name="name"/>, or creates it. Python: <c>SharedMemory(name, create=False, size=0)</c>.</summary>
    /// <param name="name">The block's name (a leading <c>/</c> is accepted); null with <paramref name="create"/> generates one.</param>
    /// <param name="create">Create a new block (it must not exist) instead of attaching to an existing one.</param>
    /// <param name="size">Bytes of a new block; ignored when attaching (the block's own size is used).</param>
    /// <exception cref="IOException">Creating: a block with that name exists (Python: <c>FileExistsError</c>).</exception>
    /// <exception cref="FileNotFoundException">Attaching: no block has that name (Python: <c>FileNotFoundError</c>).</exception>
    /// <exception cref="ArgumentException">The name is missing when attaching, or contains '/'.</exception>
    public SharedMemory(string? name, bool create = false, int size = 0)
    {
        if (create && size <= 0)
            throw new ArgumentOutOfRangeException(nameof(size), size, "'size' must be a positive number different from zero.");
        if (!create && name is null)
            throw new ArgumentException("'name' can only be null if create is true.", nameof(name));
        name = name?.TrimStart('/');
        if (name is not null && (name.Length == 0 || name.Contains('/', StringComparison.Ordinal)))
            throw new ArgumentException($"Invalid shared memory name '{name}': it must be non-empty and contain no '/'.", nameof(name));
        string actual;
        if (name is null) _segment = CreateWithGeneratedName(size, out actual);
        else _segment = Segment.OpenNamed(actual = name, create, size)!;
        Name = actual;
        Size = (int)_segment.Length;
        _manager = new Manager(this);
        if (create) SharedMemoryTracker.Register(actual);
    }

    /// <summary>The block's name, without a leading slash. Python: <c>name</c>.</summary>
    public string Name { get; }

    /// <summary>Size in bytes. Python: <c>size</c>.</summary>
    public int Size { get; }

    /// <summary>The bytes, in place (valid until <see cref="Close"/>). Python: <c>buf</c>.</summary>
    /// <exception cref="ObjectDisposedException">The block is closed.</exception>
    public Span<byte> Buf => new(_segment.Base, Size);

    /// <summary>The bytes as <see cref="Memory{T}"/> (for async APIs and streams; valid until <see cref="Close"/>). Python: <c>buf</c>.</summary>
    public Memory<byte> Memory => _segment.IsClosed ? throw new ObjectDisposedException(nameof(SharedMemory)) : _manager.Memory;

    /// <summary>Unmaps this process's view; the block stays for other processes. Python: <c>close()</c>.</summary>
    public void Close() => _segment.Dispose();

    /// <summary>Same as <see cref="Close"/> (Python's <c>with</c> does not unlink either).</summary>
    public void Dispose() => Close();

    /// <summary>Removes the name: no process can attach any more, and the memory is freed once every view is closed. Python: <c>unlink()</c>.</summary>
    /// <exception cref="FileNotFoundException">Already unlinked (Python: <c>FileNotFoundError</c>).</exception>
    public void Unlink()
    {
        bool gone = Native.Libc.Unlink("/dev/shm/" + Name) != 0;
        SharedMemoryTracker.Unregister(Name); // either way the name is no longer this process's to clean up
        if (gone) throw new FileNotFoundException($"No such file or directory: shared memory '{Name}' is already unlinked.", "/dev/shm/" + Name);
    }

    /// <summary>Python's repr: <c>SharedMemory('name', size=N)</c>.</summary>
    public override string ToString() => $"SharedMemory('{Name}', size={Size})";

    /// <summary>Sends the block's name; the receiver attaches to it. Python: pickling a <c>SharedMemory</c>.</summary>
    public ShareableHandle Export() => new(Encoding.UTF8.GetBytes(Name));

    /// <summary>Attaches to the block in the receiving process (the block must not have been unlinked).</summary>
    public static SharedMemory Import(ShareableHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return new SharedMemory(Encoding.UTF8.GetString(handle.State.Span));
    }

    private static Segment CreateWithGeneratedName(int size, out string name)
    {
        Span<byte> random = stackalloc byte[6];
        for (;;)
        {
            RandomNumberGenerator.Fill(random);
            name = $"spindle-{Environment.ProcessId}-{Convert.ToHexStringLower(random)}";
            if (Segment.OpenNamed(name, create: true, size, nullIfExists: true) is { } created) return created;
        }
    }

    private sealed class Manager(SharedMemory owner) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => owner.Buf;

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, owner.Size);
            return new MemoryHandle(owner._segment.Base + elementIndex, default, this);
        }

        public override void Unpin() { }

        protected override void Dispose(bool disposing) { }
    }
}
