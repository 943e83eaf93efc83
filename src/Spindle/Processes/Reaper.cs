using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Spindle.Native;

namespace Spindle.Processes;

/// <summary>
/// Reaps every child Spindle spawns, as soon as it exits, with its exact wait status: one background thread
/// sleeps in epoll_wait on the children's pidfds (a pidfd becomes readable when its process exits), then
/// waitid(P_PIDFD) collects the status. Exit code N stays N and death by signal N becomes −N, as in Python;
/// .NET's own SIGCHLD handling only reaps processes started by System.Diagnostics.Process, so it never races us.
/// </summary>
internal static class Reaper
{
    /// <summary>Exit code reported when the status was taken by someone else (only if SIGCHLD was ignored at start-up).</summary>
    internal const int LostStatus = 255;

    private static readonly ConcurrentDictionary<int, (int Pidfd, Action<int> OnExit)> s_watched = new();
    private static readonly int s_epoll = CreateEpoll();

    /// <summary>Calls <paramref name="onExit"/> (on the reaper thread) with the exit code once the child is reaped.</summary>
    internal static unsafe void Watch(int pid, int pidfd, Action<int> onExit)
    {
        s_watched[pid] = (pidfd, onExit);
        var ev = new Libc.EpollEvent { Events = Libc.EPOLLIN | Libc.EPOLLONESHOT, Data = (ulong)pid };
        if (Libc.EpollCtl(s_epoll, Libc.EPOLL_CTL_ADD, pidfd, &ev) != 0)
        {
            s_watched.TryRemove(pid, out _);
            throw new IOException($"epoll_ctl on the pidfd of {pid} failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    /// <summary>Exit code from a waitid status: the code for a normal exit, −signal for a death by signal.</summary>
    internal static int ExitCodeOf(in Libc.SigInfo info) =>
        info.Code is Libc.CLD_KILLED or Libc.CLD_DUMPED ? -info.Status : info.Status;

    private static int CreateEpoll()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
            throw new PlatformNotSupportedException("Spindle.Processes' epoll event layout is declared for x86-64 Linux.");
        var fd = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
        if (fd < 0) throw new IOException($"epoll_create1 failed: {Marshal.GetLastPInvokeErrorMessage()}");
        new Thread(Loop) { IsBackground = true, Name = "Spindle reaper" }.Start();
        return fd;
    }

    private static unsafe void Loop()
    {
        var events = stackalloc Libc.EpollEvent[16];
        while (true)
        {
            var n = Libc.EpollWait(s_epoll, events, 16, -1);
            if (n < 0) continue; // EINTR
            for (var i = 0; i < n; i++)
            {
                var pid = (int)events[i].Data;
                if (!s_watched.TryRemove(pid, out var entry)) continue;
                entry.OnExit(Reap(entry.Pidfd));
            }
        }
    }

    private static unsafe int Reap(int pidfd)
    {
        Libc.SigInfo info;
        while (true)
        {
            if (Libc.WaitId(Libc.P_PIDFD, pidfd, &info, Libc.WEXITED) == 0) return ExitCodeOf(info);
            if (Marshal.GetLastPInvokeError() != Libc.EINTR) return LostStatus;
        }
    }

    /// <summary>Whether the child has exited, without reaping it (waitid WNOWAIT|WNOHANG): exact even before the reaper thread has run.</summary>
    internal static unsafe bool HasExited(int pidfd)
    {
        Libc.SigInfo info = default;
        if (Libc.WaitId(Libc.P_PIDFD, pidfd, &info, Libc.WEXITED | Libc.WNOHANG | Libc.WNOWAIT) != 0) return true; // ECHILD: already reaped
        return info.Pid != 0;
    }
}
