using System.Runtime.InteropServices;

namespace Spindle.Native;

// futex(2) on words in shared mappings, for Spindle.Ipc's cross-process locks, semaphores and events.
// FUTEX_PRIVATE_FLAG is deliberately absent: the waiters live in different processes, so the kernel must key the
// wait queue on the mapped file page, not on this process's address space.
internal static unsafe partial class Libc
{
    private const long SYS_futex = 202; // x86-64
    private const int FUTEX_WAIT = 0;
    private const int FUTEX_WAKE = 1;
    internal const int ETIMEDOUT = 110;

    [StructLayout(LayoutKind.Sequential)]
    internal struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport(LibraryName, EntryPoint = "syscall", SetLastError = true)]
    private static partial long FutexSyscall(long number, int* address, int op, int value, TimeSpec* timeout);

    /// <summary>
    /// Sleeps while <c>*address == expected</c>, at most <paramref name="timeoutMilliseconds"/> (−1: forever).
    /// Returns false only when the relative timeout elapsed; wake-ups, signals (EINTR) and a changed word (EAGAIN)
    /// return true, and the caller re-checks its condition.
    /// </summary>
    internal static bool FutexWait(int* address, int expected, int timeoutMilliseconds)
    {
        TimeSpec ts;
        TimeSpec* timeout = null;
        if (timeoutMilliseconds >= 0)
        {
            ts.Seconds = timeoutMilliseconds / 1000;
            ts.Nanoseconds = timeoutMilliseconds % 1000 * 1_000_000L;
            timeout = &ts;
        }
        if (FutexSyscall(SYS_futex, address, FUTEX_WAIT, expected, timeout) == 0) return true;
        return Marshal.GetLastPInvokeError() != ETIMEDOUT;
    }

    /// <summary>Wakes at most <paramref name="count"/> threads, of any process, sleeping on <paramref name="address"/>.</summary>
    internal static void FutexWake(int* address, int count) => FutexSyscall(SYS_futex, address, FUTEX_WAKE, count, null);
}
