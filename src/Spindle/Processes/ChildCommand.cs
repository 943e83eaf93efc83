using System.Collections;
using System.Reflection;
using System.Text;

namespace Spindle.Processes;

/// <summary>
/// How a child is launched: the parent's own command line (/proc/self/cmdline run by /proc/self/exe — the
/// <c>dotnet</c> host for <c>dotnet app.dll</c> and <c>dotnet test</c>'s testhost, the apphost otherwise, and
/// the built app under <c>dotnet run</c>, which launches it as a child), with <c>DOTNET_STARTUP_HOOKS</c> naming
/// Spindle.dll so that <see cref="StartupHook"/> runs the child protocol before <c>Main</c> and exits.
/// </summary>
internal static class ChildCommand
{
    internal const string FdVariable = "SPINDLE_PROCESS_FD";
    internal const string PriorHooksVariable = "SPINDLE_PRIOR_STARTUP_HOOKS";
    internal const string HooksVariable = "DOTNET_STARTUP_HOOKS";

    private static readonly Lazy<(string Path, string[] Argv)> s_command = new(ReadCommand);

    internal static string Path => s_command.Value.Path;

    internal static string[] Argv => s_command.Value.Argv;

    /// <summary>The environment a child is given: this process's (managed) environment plus the Spindle variables.</summary>
    internal static string[] Environment(IDictionary current)
    {
        var env = new List<string>(current.Count + 3);
        string? priorHooks = null;
        foreach (DictionaryEntry entry in current)
        {
            var key = (string)entry.Key;
            if (key == HooksVariable) { priorHooks = (string?)entry.Value; continue; }
            if (key is FdVariable or PriorHooksVariable) continue;
            env.Add($"{key}={entry.Value}");
        }
        var spindle = typeof(StartupHook).Assembly.Location;
        if (spindle.Length == 0) spindle = null; // single-file app: the child bootstraps through Processes.RunIfChild()
        var hooks = string.Join(System.IO.Path.PathSeparator, new[] { priorHooks, spindle }.Where(h => !string.IsNullOrEmpty(h)));
        if (hooks.Length > 0) env.Add($"{HooksVariable}={hooks}");
        if (!string.IsNullOrEmpty(priorHooks)) env.Add($"{PriorHooksVariable}={priorHooks}");
        env.Add($"{FdVariable}={Spawner.ChildChannelFd}");
        // Sorted so that two snapshots of the same environment compare equal (warm spares).
        env.Sort(StringComparer.Ordinal);
        return [.. env];
    }

    private static (string, string[]) ReadCommand()
    {
        var path = System.Environment.ProcessPath
            ?? throw new PlatformNotSupportedException("Spindle cannot find this process's executable (/proc/self/exe).");
        var argv = Encoding.UTF8.GetString(File.ReadAllBytes("/proc/self/cmdline")).TrimEnd('\0').Split('\0');
        // `dotnet app.dll` names the app relative to the directory it was started from, which may no longer be the
        // current one: point the child at the entry assembly's absolute path instead.
        var entry = Assembly.GetEntryAssembly()?.Location;
        if (!string.IsNullOrEmpty(entry))
        {
            for (var i = 1; i < argv.Length; i++)
            {
                if (!System.IO.Path.IsPathRooted(argv[i]) && argv[i].EndsWith(".dll", StringComparison.Ordinal)
                    && System.IO.Path.GetFileName(argv[i]) == System.IO.Path.GetFileName(entry))
                {
                    argv[i] = entry;
                    break;
                }
            }
        }
        return (path, argv);
    }
}
