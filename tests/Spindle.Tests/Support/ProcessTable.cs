namespace Spindle.Tests.Support;

/// <summary>Reads the Linux process table (/proc) to find a process's children, for leak checks.</summary>
public static class ProcessTable
{
    /// <summary>Pids whose parent is <paramref name="pid"/> and that have not been reaped (zombies count: they leak too).</summary>
    public static IEnumerable<int> ChildrenOf(int pid)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var candidate)) continue;
            var ppid = ParentOf(candidate);
            if (ppid == pid) yield return candidate;
        }
    }

    /// <summary>The parent pid, or −1 if the process is gone.</summary>
    public static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Field 2 (comm) may contain spaces and parentheses: parse after the last ')'.
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(rest[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException) { return -1; }
        catch (UnauthorizedAccessException) { return -1; }
    }

    /// <summary>Whether <paramref name="pid"/> is <paramref name="ancestor"/> or one of its descendants (live ones).</summary>
    public static bool IsDescendantOf(int pid, int ancestor)
    {
        for (var hops = 0; pid > 1 && hops < 64; hops++)
        {
            if (pid == ancestor) return true;
            pid = ParentOf(pid);
        }
        return false;
    }

    /// <summary>Whether a process with this pid exists (zombies included).</summary>
    public static bool Exists(int pid) => File.Exists($"/proc/{pid}/stat");

    /// <summary>"pid (cmdline)" for messages.</summary>
    public static string Describe(int pid)
    {
        try { return $"{pid} ({File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim()})"; }
        catch (IOException) { return pid.ToString(System.Globalization.CultureInfo.InvariantCulture); }
    }
}
