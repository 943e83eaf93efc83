namespace Spindle.Processes;

/// <summary>
/// Identity of a process as Spindle knows it: the current one or its parent.
/// Python: the object returned by <c>multiprocessing.current_process()</c> / <c>parent_process()</c>.
/// </summary>
/// <param name="Name">Python: <c>Process.name</c> — "MainProcess" for the main process, else the name its parent gave it.</param>
/// <param name="Pid">Python: <c>Process.pid</c>.</param>
/// <param name="ParentPid">Python: <c>os.getppid()</c>; null when unknown (for a parent).</param>
/// <param name="Daemon">Python: <c>Process.daemon</c>.</param>
public sealed record SpindleProcessInfo(string Name, int Pid, int? ParentPid, bool Daemon)
{
    /// <summary>Same as <see cref="Pid"/>. Python: <c>Process.ident</c> (<c>current_process().ident</c>).</summary>
    public int Ident => Pid;

    /// <summary>Whether the process still exists. Python: <c>parent_process().is_alive()</c>.</summary>
    public bool IsAlive
    {
        get
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{Pid}/stat");
                return stat[stat.LastIndexOf(')')..].Split(' ')[1] != "Z";
            }
            catch (IOException) { return false; }
        }
    }
}
