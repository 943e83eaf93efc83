using System.Runtime.InteropServices;

namespace Spindle.Native;

// Process creation, reaping and signalling for Spindle.Processes (Linux, glibc).
// System.Diagnostics.Process is not used for children: it reaps them itself (reporting a signal death as 128+N,
// ambiguous with exit(128+N)), cannot pass an extra fd, and cannot close inherited fds. posix_spawn + pidfd give
// an exact wait status, an fd for the control channel and race-free signalling.
internal static unsafe partial class Libc
{
    internal const int SIGKILL = 9;
    internal const int SIGTERM = 15;
    internal const int PR_SET_PDEATHSIG = 1;
    internal const int POSIX_SPAWN_SETSIGDEF = 0x04;
    internal const int POSIX_SPAWN_SETSIGMASK = 0x08;
    internal const int P_PIDFD = 3;
    internal const int WNOHANG = 1;
    internal const int WEXITED = 4;
    internal const int WNOWAIT = 0x01000000;
    internal const int CLD_EXITED = 1;
    internal const int CLD_KILLED = 2;
    internal const int CLD_DUMPED = 3;
    internal const int F_SETFD = 2;
    internal const int FD_CLOEXEC = 1;
    internal const uint EPOLLONESHOT = 1u << 30;
    internal const int ECHILD = 10;

    // Opaque glibc structures, over-allocated: posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336,
    // sigset_t 128 on x86-64 and arm64.
    internal const int FileActionsSize = 256;
    internal const int SpawnAttrSize = 1024;
    internal const int SigSetSize = 128;

    // Syscall numbers of the pidfd family are the same on every architecture (unified table, ≥ 424).
    private const long SYS_pidfd_send_signal = 424;
    private const long SYS_pidfd_open = 434;

    /// <summary>siginfo_t as filled by waitid for SIGCHLD (128 bytes; the fields used sit at fixed offsets).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    internal struct SigInfo
    {
        [FieldOffset(0)] public int Signo;
        [FieldOffset(8)] public int Code;
        [FieldOffset(16)] public int Pid;
        [FieldOffset(24)] public int Status;
    }

    // AF_UNIX, SOCK_*, EPOLL*, POLLIN, EINTR, ESRCH, PollFd, socketpair, poll and epoll_create1 are declared once,
    // in LibcSelectors.cs and LibcSignals.cs.

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport(LibraryName, EntryPoint = "posix_spawn")]
    internal static partial int PosixSpawn(out int pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport(LibraryName, EntryPoint = "posix_spawn_file_actions_init")]
    internal static partial int PosixSpawnFileActionsInit(void* fileActions);

    [LibraryImport(LibraryName, EntryPoint = "posix_spawn_file_actions_destroy")]
    internal static partial int PosixSpawnFileActionsDestroy(void* fileActions);

    [LibraryImport(LibraryName, EntryPoint = "posix_spawn_file_actions_adddup2")]
    internal static partial int PosixSpawnFileActionsAddDup2(void* fileActions, int fd, int newFd);

    [LibraryImport(LibraryName, EntryPoint = "posix_spawn_file_actions_addclosefrom_np")]
    internal static partial int PosixSpawnFileActionsAddCloseFrom(void* fileActions, int lowFd);

    [LibraryImport(LibraryName, EntryPoint = "posix_spawnattr_init")]
    internal static partial int PosixSpawnAttrInit(void* attr);

    [LibraryImport(LibraryName, EntryPoint = "posix_spawnattr_destroy")]
    internal static partial int PosixSpawnAttrDestroy(void* attr);

    [LibraryImport(LibraryName, EntryPoint = "posix_spawnattr_setflags")]
    internal static partial int PosixSpawnAttrSetFlags(void* attr, short flags);

    [LibraryImport(LibraryName, EntryPoint = "posix_spawnattr_setsigmask")]
    internal static partial int PosixSpawnAttrSetSigMask(void* attr, void* sigset);

    [LibraryImport(LibraryName, EntryPoint = "posix_spawnattr_setsigdefault")]
    internal static partial int PosixSpawnAttrSetSigDefault(void* attr, void* sigset);

    [LibraryImport(LibraryName, EntryPoint = "sigemptyset")]
    internal static partial int SigEmptySet(void* set);

    [LibraryImport(LibraryName, EntryPoint = "sigfillset")]
    internal static partial int SigFillSet(void* set);

    [LibraryImport(LibraryName, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int cmd, int arg);

    [LibraryImport(LibraryName, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(LibraryName, EntryPoint = "waitid", SetLastError = true)]
    internal static partial int WaitId(int idType, int id, SigInfo* info, int options);

    [LibraryImport(LibraryName, EntryPoint = "prctl", SetLastError = true)]
    internal static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(LibraryName, EntryPoint = "getppid")]
    internal static partial int GetPpid();

    [LibraryImport(LibraryName, EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static partial int EpollCtl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport(LibraryName, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static partial int EpollWait(int epfd, EpollEvent* events, int maxEvents, int timeout);

    [LibraryImport(LibraryName, EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, nint a1, nint a2, nint a3, nint a4);

    /// <summary>pidfd_open(2): an fd that names this very process, immune to pid reuse.</summary>
    internal static int PidfdOpen(int pid) => (int)Syscall(SYS_pidfd_open, pid, 0, 0, 0);

    /// <summary>pidfd_send_signal(2).</summary>
    internal static int PidfdSendSignal(int pidfd, int signal) => (int)Syscall(SYS_pidfd_send_signal, pidfd, signal, 0, 0);
}
