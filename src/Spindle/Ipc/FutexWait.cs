using Spindle.Native;

namespace Spindle.Ipc;

/// <summary>The waiting half shared by the cross-process primitives: a short spin, then futex sleeps in slices.</summary>
/// <remarks>
/// A futex sleep and wake-up costs ≈ 35–45 µs on this VM (idle vCPUs halt) while the holder of a short critical
/// section in another process releases within a few hundred nanoseconds, so waiters spin about that long before
/// sleeping. Sleeps last at most <see cref="SliceMilliseconds"/>: long enough to cost nothing, short enough that a
/// cancellation whose wake-up raced ahead of the sleep, or a lock owner that died, is noticed promptly.
/// </remarks>
internal static unsafe class FutexWait
{
    public const int SliceMilliseconds = 100;

    private const int SpinIterations = 200;

    /// <summary>Spins until <c>*address != value</c> or the spin budget is spent; true if the word changed.</summary>
    public static bool SpinWhile(int* address, int value)
    {
        for (int i = 0; i < SpinIterations; i++)
        {
            if (Volatile.Read(ref *address) != value) return true;
            Thread.SpinWait(8);
        }
        return Volatile.Read(ref *address) != value;
    }

    /// <summary>
    /// One sleep while <c>*address == expected</c>, bounded by the deadline and one slice. Returns false when the deadline
    /// has passed (before or after sleeping); throws when the token is cancelled. <c>sliceElapsed</c> is set when the
    /// sleep lasted a whole slice without a wake-up (time for a liveness check).
    /// </summary>
    public static bool Sleep(int* address, int expected, in Deadline deadline, CancellationToken cancellationToken, out bool sliceElapsed)
    {
        sliceElapsed = false;
        cancellationToken.ThrowIfCancellationRequested();
        int remaining = deadline.RemainingMilliseconds;
        if (remaining == 0) return false;
        int slice = remaining < 0 ? SliceMilliseconds : Math.Min(remaining, SliceMilliseconds);
        sliceElapsed = !Libc.FutexWait(address, expected, slice);
        cancellationToken.ThrowIfCancellationRequested();
        return !deadline.HasExpired;
    }

    /// <summary>Wakes every sleeper on the word (they re-check; used on cancellation and by broadcasts).</summary>
    public static void WakeAll(int* address) => Libc.FutexWake(address, int.MaxValue);

    /// <summary>Wakes up to <paramref name="count"/> sleepers.</summary>
    public static void Wake(int* address, int count) => Libc.FutexWake(address, count);

    /// <summary>
    /// The awaitable twin of a blocking wait: the blocking core runs on a dedicated thread (never a pool thread, which a
    /// long futex sleep would starve), and cancellation wakes every sleeper on the word so the core sees it at once.
    /// Correct rather than clever: a contended async acquire costs a thread start (≈ 0.1 ms).
    /// </summary>
    public static ValueTask<T> RunAsync<T>(Func<CancellationToken, T> blocking, int* wakeAddress, CancellationToken cancellationToken)
    {
        nint address = (nint)wakeAddress;
        return RunAsync(blocking, () => WakeAll((int*)address), cancellationToken);
    }

    /// <summary>As <see cref="RunAsync{T}(Func{CancellationToken, T}, int*, CancellationToken)"/>, for a core that may sleep on several words: cancellation calls <paramref name="wake"/>.</summary>
    public static ValueTask<T> RunAsync<T>(Func<CancellationToken, T> blocking, Action wake, CancellationToken cancellationToken) =>
        new(Task.Factory.StartNew(() =>
        {
            using var registration = cancellationToken.CanBeCanceled
                ? cancellationToken.UnsafeRegister(static w => ((Action)w!)(), wake)
                : default;
            return blocking(cancellationToken);
        }, CancellationToken.None, TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default));
}
