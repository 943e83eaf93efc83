using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// The caller-chosen lock of a condition, a shared value or a shared array: checks it, writes it into the owner's
/// export and reads it back, and takes it around one locked step.
/// </summary>
internal static class GuardLocks
{
    /// <summary>The lock as the owner uses it; only Spindle's process locks can guard memory other processes touch.</summary>
    /// <exception cref="ArgumentException">Any other lock (Python: <c>AttributeError</c> for a lock without <c>acquire</c>).</exception>
    internal static IProcessOwnedLock Require(ILock lockToUse, string paramName)
    {
        ArgumentNullException.ThrowIfNull(lockToUse, paramName);
        return lockToUse as IProcessOwnedLock ?? throw new ArgumentException(
            $"A {lockToUse.GetType().Name} cannot guard memory shared between processes: pass a ProcessLock or a ProcessRLock.", paramName);
    }

    /// <summary>Its kind (1: re-entrant) then its segment's export.</summary>
    internal static byte[] Export(IProcessOwnedLock guard)
    {
        var lockState = ((IShareable)guard).Export().State.Span;
        var state = new byte[1 + lockState.Length];
        state[0] = guard is ProcessRLock ? (byte)1 : (byte)0;
        lockState.CopyTo(state.AsSpan(1));
        return state;
    }

    /// <summary>Opens the lock <see cref="Export"/> wrote; the caller owns the new view.</summary>
    internal static IProcessOwnedLock Import(ReadOnlyMemory<byte> state)
    {
        var lockHandle = new ShareableHandle(state[1..]);
        return state.Span[0] == 1 ? ProcessRLock.Import(lockHandle) : ProcessLock.Import(lockHandle);
    }

    /// <summary>
    /// Holds <paramref name="guard"/> for one step. An RLock this thread holds already (a locked read-modify-write) is
    /// not re-entered: that would only add shared writes. A plain Lock is always taken, as Python takes it.
    /// </summary>
    internal static LockScope Enter(IProcessOwnedLock? guard) =>
        guard is null || guard is ProcessRLock { IsOwnedByCurrentThread: true } ? default : guard.EnterScope();
}

/// <summary>
/// The lock of a shared value or array: none, its own re-entrant lock in the first cache line of its segment, or
/// another lock, given by the caller (who disposes it) or opened from an export (disposed with the value).
/// </summary>
internal readonly struct SegmentGuard
{
    private const byte None = 0, InSegment = 1, Other = 2;

    private readonly byte _kind;
    private readonly bool _owned;

    private SegmentGuard(IProcessOwnedLock? guard, byte kind, bool owned)
    {
        Lock = guard;
        _kind = kind;
        _owned = owned;
    }

    internal IProcessOwnedLock? Lock { get; }

    /// <summary>Python's <c>lock=True</c> (a new RLock in <paramref name="segment"/>) or <c>lock=False</c>.</summary>
    internal static SegmentGuard Own(Segment segment, bool enabled) =>
        enabled ? new(new ProcessRLock(segment, ownsSegment: false), InSegment, owned: false) : default;

    /// <summary>Python's <c>lock=existing_lock</c>.</summary>
    internal static SegmentGuard Given(ILock lockToUse, string paramName) => new(GuardLocks.Require(lockToUse, paramName), Other, owned: false);

    /// <summary>The lock <see cref="Export"/> described, for the value imported on <paramref name="segment"/>.</summary>
    internal static SegmentGuard Import(Segment segment, ReadOnlyMemory<byte> state) => state.Span[0] switch
    {
        None => default,
        InSegment => Own(segment, enabled: true),
        _ => new(GuardLocks.Import(state[1..]), Other, owned: true),
    };

    internal byte[] Export() => Lock is { } other && _kind == Other ? [Other, .. GuardLocks.Export(other)] : [_kind];

    /// <summary>Holds the lock for one step (see <see cref="GuardLocks.Enter"/>).</summary>
    internal LockScope Enter() => GuardLocks.Enter(Lock);

    internal void Dispose()
    {
        if (_owned) Lock?.Dispose();
    }
}
