using System.Runtime.CompilerServices;
using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// One value of an unmanaged type in memory shared between processes, guarded by an optional re-entrant
/// cross-process lock. Python: <c>multiprocessing.Value(typecode_or_type, *args, lock=True)</c>
/// (<c>Value('d', 0.0)</c> is <c>new SharedValue&lt;double&gt;(0.0)</c>); without a lock, <c>RawValue</c>.
/// </summary>
/// <remarks>
/// <para>As in Python, <see cref="Value"/> takes the lock for each read and each write, so <c>v.Value += 1</c> is two
/// separately locked steps: hold <see cref="Lock"/> around a read-modify-write
/// (<c>using (v.Lock!.EnterScope()) v.Value += 1;</c>), or use the lock-free atomics of <see cref="SharedAtomics"/>
/// for <c>int</c>, <c>long</c> and <c>double</c>.</para>
/// <para>Lives in an anonymous shared mapping (nothing in /dev/shm, nothing to leak); travels to child processes by
/// reference. The sender must keep it undisposed until the receiver has started.</para>
/// </remarks>
/// <typeparam name="T">An unmanaged type (primitives, enums, structs of them).</typeparam>
public sealed unsafe class SharedValue<T> : IShareable<SharedValue<T>>, IDisposable where T : unmanaged
{
    private const int ValueOffset = 64; // after the lock, on its own cache line

    private readonly Segment _segment;
    private readonly T* _value;
    private readonly SegmentGuard _guard;

    /// <summary>Creates a shared value. Python: <c>multiprocessing.Value(type, value, lock=True)</c>.</summary>
    /// <param name="value">The initial value (Python's <c>*args</c>).</param>
    /// <param name="lockEnabled">Python's <c>lock</c>: true (default) creates a <see cref="ProcessRLock"/>; false gives Python's <c>RawValue</c>.</param>
    public SharedValue(T value = default, bool lockEnabled = true)
        : this(Segment.CreateAnonymous(ValueOffset + sizeof(T), "value"), segment => SegmentGuard.Own(segment, lockEnabled))
    {
        *_value = value;
    }

    /// <summary>
    /// Creates a shared value guarded by an existing lock, which <see cref="GetLock"/> then returns. Python:
    /// <c>multiprocessing.Value(type, value, lock=existing_lock)</c>. The lock travels to a child with the value; this
    /// value does not dispose it (its creator does).
    /// </summary>
    /// <param name="value">The initial value.</param>
    /// <param name="lockToUse">A <see cref="ProcessLock"/> or a <see cref="ProcessRLock"/>. A <see cref="ProcessLock"/> is not
    /// re-entrant: <see cref="Value"/> takes it for each get and set, so holding it around them deadlocks, as in Python;
    /// hold it around <see cref="Ref"/> instead.</param>
    /// <exception cref="ArgumentException">Another kind of lock, which other processes could not take.</exception>
    public SharedValue(T value, ILock lockToUse)
        : this(Segment.CreateAnonymous(ValueOffset + sizeof(T), "value"), _ => SegmentGuard.Given(lockToUse, nameof(lockToUse)))
    {
        *_value = value;
    }

    private SharedValue(Segment segment, Func<Segment, SegmentGuard> guard)
    {
        _segment = segment;
        _value = (T*)(segment.Base + Segment.HeaderSize + ValueOffset);
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

    /// <summary>
    /// The lock that guards the value: its own <see cref="ProcessRLock"/>, the lock it was created with, or null when
    /// created with <c>lockEnabled: false</c>. Python: <c>get_lock()</c>.
    /// </summary>
    public ILock? Lock => _guard.Lock;

    /// <summary>Python: <c>get_lock()</c>; the very lock passed to the constructor, if one was.</summary>
    /// <exception cref="InvalidOperationException">The value has no lock (Python: <c>AttributeError</c> on a raw value).</exception>
    public ILock GetLock() => _guard.Lock ?? throw new InvalidOperationException("This SharedValue was created with lockEnabled: false and has no lock (Python: RawValue has no get_lock()).");

    /// <summary>The value; each get and each set takes the lock when there is one. Python: <c>.value</c>.</summary>
    public T Value
    {
        get
        {
            var p = Pointer;
            using (_guard.Enter()) return *p;
        }
        set
        {
            var p = Pointer;
            using (_guard.Enter()) *p = value;
        }
    }

    /// <summary>
    /// The value in place, without the lock: reads and writes through it are not synchronized (hold <see cref="Lock"/>
    /// yourself). Valid until <see cref="Dispose"/>. Python: <c>get_obj()</c>.
    /// </summary>
    public ref T Ref => ref Unsafe.AsRef<T>(Pointer);

    internal T* Pointer => _segment.IsClosed ? throw new ObjectDisposedException(nameof(SharedValue<T>)) : _value;

    /// <summary>Unmaps this process's view (and its lock's, unless the lock was passed in here); other processes keep theirs.</summary>
    public void Dispose()
    {
        _segment.Dispose();
        _guard.Dispose();
    }

    /// <summary>Python's repr, e.g. <c>&lt;SharedValue&lt;Double&gt;(3.14)&gt;</c>.</summary>
    public override string ToString() => $"<SharedValue<{typeof(T).Name}>({Value})>";

    /// <summary>Describes the value for a child process (by reference), with its lock. Python: the reducer of <c>Value</c>.</summary>
    public ShareableHandle Export() => _segment.ToHandle(_guard.Export());

    /// <summary>Rebuilds the value in the receiving process, bound to the same shared memory and lock.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "IShareable<TSelf> requires a static Import on the type itself.")]
    public static SharedValue<T> Import(ShareableHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var state = handle.State;
        return new SharedValue<T>(Segment.Import(state.Span), segment => SegmentGuard.Import(segment, state[Segment.ExportSize..]));
    }
}
