
namespace Spindle.Ipc;

/// <summary>How an acquire of an <see cref="OwnerWord"/> ended.</summary>
internal enum AcquireOutcome
{
    TimedOut,
    Acquired,
    Abandoned,
}

/// <summary>
/// A futex mutex word that names its owner process, shared by <see cref="ProcessLock"/> and <see cref="ProcessRLock"/>.
/// Layout (bytes): 0 word = owner pid | <see cref="Waiters"/> (0 = free); 8 owner stamp (see <see cref="OwnerLiveness"/>).
/// </summary>
/// <remarks>
/// Drepper's "futexes are tricky" mutex, with the owner's pid in place of the "locked" state so that a waiter can
/// tell, in the same atomic word it competes for, who holds the lock. The owner is written by the acquiring CAS
/// itself, so there is no moment where the lock is held by nobody known. A waiter that slept a whole slice without a
/// wake-up (or whose timeout is about to expire) checks whether the owner process is dead and, if so, takes the
/// lock over with a CAS on the very word it examined — only one waiter can win that race.
/// </remarks>
internal static unsafe class OwnerWord
{
    public const int Size = 16;
    public const int Waiters = unchecked((int)0x80000000);
    private const int PidMask = 0x7FFFFFFF;

    public static int OwnerOf(int word) => word & PidMask;

    /// <summary>One CAS: free → owned by this process.</summary>
    public static bool TryAcquire(int* word)
    {
        if (Interlocked.CompareExchange(ref *word, OwnerLiveness.Pid, 0) != 0) return false;
        *(long*)(word + 2) = OwnerLiveness.Stamp;
        return true;
    }

    /// <summary>Frees the word (whoever holds it) and wakes one sleeper if any announced itself. Returns the previous word.</summary>
    public static int Release(int* word)
    {
        int old = Interlocked.Exchange(ref *word, 0);
        if ((old & Waiters) != 0) FutexWait.Wake(word, 1);
        return old;
    }

    public static AcquireOutcome Acquire(int* word, Deadline deadline, CancellationToken cancellationToken, out int deadOwner)
    {
        deadOwner = 0;
        if (TryAcquire(word)) return AcquireOutcome.Acquired;
        if (deadline.HasExpired && !deadline.IsInfinite) return CheckAbandoned(word, out deadOwner);
        int seen = Volatile.Read(ref *word);
        if (seen != 0 && FutexWait.SpinWhile(word, seen) && TryAcquire(word)) return AcquireOutcome.Acquired;
        for (;;)
        {
            int w = Volatile.Read(ref *word);
            if (w == 0)
            {
                // Taken after contention: other sleepers may remain, so keep the waiters bit (Drepper's state 2).
                if (Interlocked.CompareExchange(ref *word, OwnerLiveness.Pid | Waiters, 0) == 0)
                {
                    *(long*)(word + 2) = OwnerLiveness.Stamp;
                    return AcquireOutcome.Acquired;
                }
                continue;
            }
            if ((w & Waiters) == 0)
            {
                if (Interlocked.CompareExchange(ref *word, w | Waiters, w) != w) continue;
                w |= Waiters;
            }
            if (!FutexWait.Sleep(word, w, deadline, cancellationToken, out bool sliceElapsed))
                return CheckAbandoned(word, out deadOwner);
            if (sliceElapsed && TakeOverIfDead(word, w))
            {
                deadOwner = OwnerOf(w);
                return AcquireOutcome.Abandoned;
            }
        }
    }

    // Last look before giving up on a timeout: a dead owner is reported even to a caller that would not wait long.
    private static AcquireOutcome CheckAbandoned(int* word, out int deadOwner)
    {
        int w = Volatile.Read(ref *word);
        deadOwner = OwnerOf(w);
        return w != 0 && TakeOverIfDead(word, w) ? AcquireOutcome.Abandoned : AcquireOutcome.TimedOut;
    }

    private static bool TakeOverIfDead(int* word, int seen)
    {
        if (Volatile.Read(ref *word) != seen) return false;
        if (!OwnerLiveness.IsDead(OwnerOf(seen), Volatile.Read(ref *(long*)(word + 2)))) return false;
        if (Interlocked.CompareExchange(ref *word, OwnerLiveness.Pid | Waiters, seen) != seen) return false;
        *(long*)(word + 2) = OwnerLiveness.Stamp;
        return true;
    }
}
