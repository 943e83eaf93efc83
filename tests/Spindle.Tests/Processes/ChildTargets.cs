using System.Globalization;
using Spindle.Processes;
using ProcessesApi = Spindle.Processes.Processes;

namespace Spindle.Tests.Processes;

/// <summary>Targets the process tests run in children. A child that must "wait" polls for a file the test creates.</summary>
internal static class ChildTargets
{
    /// <summary>A static the isolation test changes in a child.</summary>
    public static int Counter;

    public static void Noop() { }

    /// <summary>Polls for <paramref name="path"/> (a condition the test controls) for at most 30 s.</summary>
    public static bool WaitForFile(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(path))
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(5); // polling interval, not synchronization
        }
        return true;
    }

    public static void Wait(string path) => WaitForFile(path);

    /// <summary>Writes a file all at once (write then rename), so a test polling for it never reads it half-written.</summary>
    public static void WriteAtomically(string path, string text)
    {
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public static void Write(string path, string text) => WriteAtomically(path, text);

    public static void WriteIdentity(string path)
    {
        var me = ProcessesApi.Current;
        var parent = ProcessesApi.Parent;
        WriteAtomically(path, string.Join('|', me.Name, me.Pid, me.ParentPid, me.Daemon, parent?.Name, parent?.Pid, parent?.IsAlive));
    }

    public static void Throw(string message) => throw new InvalidOperationException(message);

    public static void Exit(int code) => Environment.Exit(code);

    public static void IncrementCounter(string path)
    {
        Counter += 1;
        WriteAtomically(path, Counter.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Starts a child from a child: refused in a daemon.</summary>
    public static void StartGrandchild()
    {
        using var p = new SpindleProcess(Noop);
        p.Start();
        p.Join();
    }

    /// <summary>Starts a daemon grandchild that waits forever, writes its pid, then waits for "release" (which never comes: the test kills us).</summary>
    public static void StartDaemonAndWait(string dir)
    {
        var daemon = SpindleProcess.Create(Wait, Path.Combine(dir, "never"), daemon: true);
        daemon.Start();
        WriteAtomically(Path.Combine(dir, "daemon.pid"), daemon.Pid!.Value.ToString(CultureInfo.InvariantCulture));
        WaitForFile(Path.Combine(dir, "release"));
    }

    /// <summary>Creates DIR/started, then waits for DIR/release.</summary>
    public static void WriteAndWait(string dir)
    {
        WriteAtomically(Path.Combine(dir, "started"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        WaitForFile(Path.Combine(dir, "release"));
    }

    /// <summary>Writes "pid|$SPINDLE_TEST_MARK|cwd".</summary>
    public static void WriteContext(string path) =>
        WriteAtomically(path, $"{Environment.ProcessId}|{Environment.GetEnvironmentVariable("SPINDLE_TEST_MARK")}|{Environment.CurrentDirectory}");

    /// <summary>Writes what a grandchild would inherit of Spindle's variables: "fd=…|hooks=…".</summary>
    public static void WriteSpindleVariables(string path) =>
        WriteAtomically(path, $"fd={Environment.GetEnvironmentVariable("SPINDLE_PROCESS_FD")}|hooks={Environment.GetEnvironmentVariable("DOTNET_STARTUP_HOOKS")}");
}
