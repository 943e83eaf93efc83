namespace Spindle.Processes;

/// <summary>Process-wide helpers. Python: the functions of the <c>multiprocessing</c> module.</summary>
public static class Processes
{
    /// <summary>This process: "MainProcess" in the main process, else the name its parent gave it; pid, parent pid, daemon flag. Python: <c>multiprocessing.current_process()</c>.</summary>
    public static SpindleProcessInfo Current => ProcessIdentity.Current;

    /// <summary>The parent of this child process, or null in the main process. Python: <c>multiprocessing.parent_process()</c>.</summary>
    public static SpindleProcessInfo? Parent => ProcessIdentity.Parent;

    /// <summary>
    /// This process's authentication key: the default key of the managers it starts or connects to, and the key its
    /// children inherit (each <see cref="SpindleProcess"/> takes a copy when created). The main process gets 32 random
    /// bytes; a child gets its parent's. Get and set copy the bytes. Python: <c>current_process().authkey</c>.
    /// </summary>
    public static byte[] AuthKey
    {
        get => [.. ProcessIdentity.AuthKey];
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Length == 0) throw new ArgumentException("An authkey must not be empty.", nameof(value));
            ProcessIdentity.AuthKey = [.. value];
        }
    }

    /// <summary>Number of CPUs this process may use (affinity and container limits included). Python: <c>multiprocessing.cpu_count()</c> (which counts all CPUs, like <c>os.cpu_count()</c>).</summary>
    public static int CpuCount => Environment.ProcessorCount;

    /// <summary>The live children of this process started through Spindle; finished ones are dropped. Python: <c>multiprocessing.active_children()</c>.</summary>
    /// <returns>The children still running (or not yet joined and not yet seen finished).</returns>
    public static IReadOnlyList<SpindleProcess> ActiveChildren() => ChildRegistry.Active();

    /// <summary>
    /// The one-line bootstrap for apps where .NET startup hooks are disabled (trimmed or Native AOT apps,
    /// <c>System.StartupHookProvider.IsSupported=false</c>): call it first in <c>Main</c>. In a Spindle child it
    /// runs the target and exits; elsewhere it returns at once. Other apps need not call it. Python: the
    /// <c>if __name__ == '__main__':</c> guard that <c>spawn</c> requires.
    /// </summary>
    public static void RunIfChild() => ChildRuntime.RunIfChild();

    /// <summary>Refuses to start a child where that would be wrong (a daemon) or would run the app's <c>Main</c>.</summary>
    internal static void EnsureCanStartChildren()
    {
        if (ProcessIdentity.IsDaemon) throw new InvalidOperationException("daemonic processes are not allowed to have children");
        if (Environment.GetEnvironmentVariable(ChildCommand.FdVariable) is not null && !ChildRuntime.Bootstrapped)
            throw new InvalidOperationException("This process is a Spindle child whose startup hook did not run, so its Main is running; call Processes.RunIfChild() first in Main.");
        if (ChildRuntime.HookRan) return;
        if (AppContext.TryGetSwitch("System.StartupHookProvider.IsSupported", out var hooks) && !hooks)
            throw new InvalidOperationException("Startup hooks are disabled in this app (trimmed or Native AOT), so a child would run Main: call Processes.RunIfChild() first in Main.");
        if (string.IsNullOrEmpty(typeof(StartupHook).Assembly.Location))
            throw new InvalidOperationException("Spindle.dll has no file of its own (single-file app), so it cannot be a startup hook and a child would run Main: call Processes.RunIfChild() first in Main.");
    }
}
