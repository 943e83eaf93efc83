using System.Buffers.Binary;
using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// A fixed-length array of an unmanaged type in memory shared between processes, guarded by an optional re-entrant
/// cross-process lock. Python: <c>multiprocessing.Array(typecode_or_type, size_or_initializer, lock=True)</c>
/// (<c>Array('i', range(10))</c> is <c>new SharedArray&lt;int&gt;(Enumerable.Range(0, 10))</c>); without a lock, <c>RawArray</c>.
/// </summary>
/// <remarks>
/// <para>As in Python, the indexer, <see cref="ToArray"/>, the range indexer and <see cref="CopyFrom"/> each take the
/// lock for their whole step; <see cref="AsSpan"/> does not (hold <see cref="Lock"/> yourself). Atomic element
/// operations for <c>int</c>/<c>long</c> are in <see cref="SharedAtomics"/>.</para>
/// <para>Lives in an anonymous shared mapping (nothing in /dev/shm, nothing to leak); travels to child processes by
/// reference. The sender must keep it undisposed until the receiver has started.</para>
/// </remarks>
/// <typeparam name="T">An unmanaged type.</typeparam>
public sealed unsafe class SharedArray<T> : IShareable<SharedArray<T>>, IDisposable where T : unmanaged
{
    private const int ElementsOffset = 64; // after the lock, on its own cache line

    private readonly Segment _segment;
    private readonly T* _elements;
    private readonly SegmentGuard _guard;

    /// <summary>Creates a zero-filled array. Python: <c>multiprocessing.Array(type, size, lock=True)</c>.</summary>
    /// <param name="length">Number of elements.</param>
    /// <param name="lockEnabled">Python's <c>lock</c>: true (default) creates a <see cref="ProcessRLock"/>; false gives Python's <c>RawArray</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public SharedArray(int length, bool lockEnabled = true)
        : this(Allocate(length), length, segment => SegmentGuard.Own(segment, lockEnabled))
    {
    }

    /// <summary>
    /// Creates a zero-filled array guarded by an existing lock, which <see cref="GetLock"/> then returns. Python:
    /// <c>multiprocessing.Array(type, size, lock=existing_lock)</c>. The lock travels to a child with the array; this
    /// array does not dispose it (its creator does).
    /// </summary>
    /// <param name="length">Number of elements.</param>
    /// <param name="lockToUse">A <see cref="ProcessLock"/> or a <see cref="ProcessRLock"/>. A <see cref="ProcessLock"/> is not
    /// re-entrant: the locked members take it for each step, so holding it around them deadlocks, as in Python; hold it
    /// around <see cref="AsSpan"/> instead.</param>
    /// <exception cref="ArgumentException">Another kind of lock, which other processes could not take.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public SharedArray(int length, ILock lockToUse)
        : this(Allocate(length), length, _ => SegmentGuard.Given(lockToUse, nameof(lockToUse)))
    {
    }

    /// <summary>Creates an array holding a copy of <paramref name="initial"/>. Python: <c>multiprocessing.Array(type, initializer)</c>.</summary>
    public SharedArray(ReadOnlySpan<T> initial, bool lockEnabled = true) : this(initial.Length, lockEnabled)
    {
        initial.CopyTo(new Span<T>(_elements, initial.Length));
    }

    /// <summary>Creates an array holding a copy of <paramref name="initial"/>, guarded by an existing lock. Python: <c>multiprocessing.Array(type, initializer, lock=existing_lock)</c>.</summary>
    /// <exception cref="ArgumentException">Another kind of lock than <see cref="ProcessLock"/> or <see cref="ProcessRLock"/>.</exception>
    public SharedArray(ReadOnlySpan<T> initial, ILock lockToUse) : this(initial.Length, lockToUse)
    {
        initial.CopyTo(new Span<T>(_elements, initial.Length));
    }

    /// <summary>Creates an array holding the items of <paramref name="initial"/>. Python: <c>multiprocessing.Array('i', range(10))</c>.</summary>
    public SharedArray(IEnumerable<T> initial, bool lockEnabled = true) : this((ReadOnlySpan<T>)(initial ?? throw new ArgumentNullException(nameof(initial))).ToArray(), lockEnabled)
    {
    }

    /// <summary>Creates an array holding the items of <paramref name="initial"/>, guarded by an existing lock. Python: <c>multiprocessing.Array('i', range(10), lock=existing_lock)</c>.</summary>
    /// <exception cref="ArgumentException">Another kind of lock than <see cref="ProcessLock"/> or <see cref="ProcessRLock"/>.</exception>
    public SharedArray(IEnumerable<T> initial, ILock lockToUse) : this((ReadOnlySpan<T>)(initial ?? throw new ArgumentNullException(nameof(initial))).ToArray(), lockToUse)
    {
    }

    private SharedArray(Segment segment, int length, Func<Segment, SegmentGuard> guard)
    {
        _segment = segment;
        Length = length;
        _elements = (T*)(segment.Base + Segment.HeaderSize + ElementsOffset);
        try
        {
            _guard = guard(segment);
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    /// <summary>Number of elements. Python: <c>len(arr)</c>.</summary>
    public int Length { get; }

    /// <summary>
    /// The lock that guards the array: its own <see cref="ProcessRLock"/>, the lock it was created with, or null when
    /// created with <c>lockEnabled: false</c>. Python: <c>get_lock()</c>.
    /// </summary>
    public ILock? Lock => _guard.Lock;

    /// <summary>Python: <c>get_lock()</c>; the very lock passed to the constructor, if one was.</summary>
    /// <exception cref="InvalidOperationException">The array has no lock (Python: <c>AttributeError</c> on a raw array).</exception>
    public ILock GetLock() => _guard.Lock ?? throw new InvalidOperationException("This SharedArray was created with lockEnabled: false and has no lock (Python: RawArray has no get_lock()).");

    /// <summary>One element, read or written under the lock when there is one. Python: <c>arr[i]</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside 0 … Length−1 (Python: <c>IndexError</c>).</exception>
    public T this[int index]
    {
        get
        {
            var p = ElementPointer(index);
            using (Enter()) return *p;
        }
        set
        {
            var p = ElementPointer(index);
            using (Enter()) *p = value;
        }
    }

    /// <summary>A copy of a range of elements, taken under the lock. Python: <c>arr[a:b]</c> (<c>arr[..]</c> is <c>arr[:]</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not fit the array.</exception>
    public T[] this[Range range]
    {
        get
        {
            var (start, length) = range.GetOffsetAndLength(Length);
            using (Enter()) return AsSpan().Slice(start, length).ToArray();
        }
    }

    /// <summary>A copy of every element, taken under the lock. Python: <c>arr[:]</c>.</summary>
    public T[] ToArray() => this[..];

    /// <summary>Copies <paramref name="source"/> into the array starting at <paramref name="start"/>, under the lock. Python: <c>arr[a:b] = values</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The values do not fit from <paramref name="start"/>.</exception>
    public void CopyFrom(ReadOnlySpan<T> source, int start = 0)
    {
        if ((uint)start > (uint)Length || source.Length > Length - start)
            throw new ArgumentOutOfRangeException(nameof(start), $"{source.Length} element(s) from index {start} do not fit an array of {Length}.");
        using (Enter()) source.CopyTo(AsSpan()[start..]);
    }

    /// <summary>
    /// The elements in place, without the lock: valid until <see cref="Dispose"/>, not synchronized (hold <see cref="Lock"/>
    /// yourself for consistent multi-element reads). Python: <c>get_obj()</c> / a memoryview of a <c>RawArray</c>.
    /// </summary>
    public Span<T> AsSpan() => new(Elements, Length);

    private T* Elements => _segment.IsClosed ? throw new ObjectDisposedException(nameof(SharedArray<T>)) : _elements;

    internal T* ElementPointer(int index)
    {
        var p = Elements;
        if ((uint)index >= (uint)Length)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"array index out of range: {index} is outside 0…{Length - 1} (Python: IndexError).");
        return p + index;
    }

    /// <summary>Unmaps this process's view (and its lock's, unless the lock was passed in here); other processes keep theirs.</summary>
    public void Dispose()
    {
        _segment.Dispose();
        _guard.Dispose();
    }

    /// <summary>Python's repr, e.g. <c>&lt;SharedArray&lt;Int32&gt;[10]&gt;</c>.</summary>
    public override string ToString() => $"<SharedArray<{typeof(T).Name}>[{Length}]>";

    /// <summary>Describes the array for a child process (by reference), with its lock. Python: the reducer of <c>Array</c>.</summary>
    public ShareableHandle Export()
    {
        var guard = _guard.Export();
        var extra = new byte[4 + guard.Length];
        BinaryPrimitives.WriteInt32LittleEndian(extra, Length);
        guard.CopyTo(extra.AsSpan(4));
        return _segment.ToHandle(extra);
    }

    /// <summary>Rebuilds the array in the receiving process, bound to the same shared memory and lock.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "IShareable<TSelf> requires a static Import on the type itself.")]
    public static SharedArray<T> Import(ShareableHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var extra = handle.State[Segment.ExportSize..];
        return new SharedArray<T>(Segment.Import(handle.State.Span), BinaryPrimitives.ReadInt32LittleEndian(extra.Span), segment => SegmentGuard.Import(segment, extra[4..]));
    }

    private LockScope Enter() => _guard.Enter();

    private static Segment Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return Segment.CreateAnonymous(ElementsOffset + (long)sizeof(T) * length, "array");
    }
}
