using Spindle.Native;

namespace Spindle.Processes;

/// <summary>Who this process is: the main process, or a child with the identity its parent sent.</summary>
internal static class ProcessIdentity
{
    internal const string MainProcessName = "MainProcess";

    private static StartMessage? s_start;

    internal static void BecomeChild(StartMessage start) => s_start = start;

    internal static bool IsDaemon => s_start?.Daemon ?? false;

    internal static string Name => s_start?.Name ?? MainProcessName;

    internal static SpindleProcessInfo Current =>
        new(Name, Environment.ProcessId, s_start?.ParentPid ?? Libc.GetPpid(), IsDaemon);

    // A daemon cannot have children, so a parent is never a daemon.
    internal static SpindleProcessInfo? Parent =>
        s_start is { } start ? new SpindleProcessInfo(start.ParentName, start.ParentPid, null, false) : null;
}
