using System.Runtime.InteropServices;

namespace Spindle.Native;

/// <summary>glibc's struct sigaction (x86-64 and arm64 share this layout): 152 bytes, blittable.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SigAction
{
    /// <summary>sa_handler / sa_sigaction; 0 is SIG_DFL, 1 is SIG_IGN.</summary>
    public nint Handler;
    public fixed ulong Mask[16];
    public int Flags;
    public nint Restorer;
}

/// <summary>struct itimerval: the reload interval, then the time to the next expiry (<see cref="TimeVal"/> is in LibcSelectors).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ITimerVal
{
    public TimeVal Interval;
    public TimeVal Value;
}

/// <summary>The signal syscalls behind Spindle.Signals.</summary>
internal static unsafe partial class Libc
{
    // glibc by its soname: "libc" alone would hit the dev package's linker script libc.so.

    internal const int ESRCH = 3;
    internal const int EINVAL = 22;

    internal const nint SIG_DFL = 0;
    internal const nint SIG_IGN = 1;

    /// <summary>sigaction(2); either pointer may be null (query only, or set only).</summary>
    [LibraryImport(LibraryName, EntryPoint = "sigaction", SetLastError = true)]
    internal static partial int SigActionCall(int signal, SigAction* action, SigAction* previous);

    [LibraryImport(LibraryName, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    /// <summary>alarm(2): schedules SIGALRM, returns the seconds left of the previous alarm.</summary>
    [LibraryImport(LibraryName, EntryPoint = "alarm")]
    internal static partial uint Alarm(uint seconds);

    /// <summary>The first real-time signal applications may use (glibc keeps 32 and 33 for itself).</summary>
    [LibraryImport(LibraryName, EntryPoint = "__libc_current_sigrtmin")]
    internal static partial int SigRtMin();

    [LibraryImport(LibraryName, EntryPoint = "__libc_current_sigrtmax")]
    internal static partial int SigRtMax();

    /// <summary>raise(3): the signal to the calling thread.</summary>
    [LibraryImport(LibraryName, EntryPoint = "raise", SetLastError = true)]
    internal static partial int Raise(int signal);

    /// <summary>strsignal(3): the system's description of a signal ("Interrupt"), in glibc's own storage.</summary>
    [LibraryImport(LibraryName, EntryPoint = "strsignal")]
    internal static partial nint StrSignal(int signal);

    /// <summary>setitimer(2); <paramref name="previous"/> may be null.</summary>
    [LibraryImport(LibraryName, EntryPoint = "setitimer", SetLastError = true)]
    internal static partial int SetITimer(int which, ITimerVal* value, ITimerVal* previous);

    /// <summary>getitimer(2).</summary>
    [LibraryImport(LibraryName, EntryPoint = "getitimer", SetLastError = true)]
    internal static partial int GetITimer(int which, ITimerVal* value);

    /// <summary>tgkill(2): a signal to one thread (tests use it to interrupt a blocked wait).</summary>
    [LibraryImport(LibraryName, EntryPoint = "tgkill", SetLastError = true)]
    internal static partial int TgKill(int tgid, int tid, int signal);
}
