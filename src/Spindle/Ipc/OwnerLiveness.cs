using System.Globalization;

namespace Spindle.Ipc;

/// <summary>
/// Tells whether the process that holds a lock still exists. A lock word names its owner by pid; beside it the
/// owner leaves a stamp (pid, start time in clock ticks since boot: /proc/&lt;pid&gt;/stat field 22) so that a pid
/// reused by a new process is not mistaken for the dead owner.
/// </summary>
internal static class OwnerLiveness
{
    /// <summary>This process's pid (fits the 22 bits Linux allows for pids).</summary>
    public static readonly int Pid = Environment.ProcessId;

    /// <summary>
    /// This process's stamp: pid in the high half, start time in the low half; 0 (no claim, so never compared) if the
    /// start time could not be read — a wrong stamp would make a live owner look dead.
    /// </summary>
    public static readonly long Stamp = StartTime(Pid) is { } start ? ((long)Pid << 32) | (uint)start : 0;

    /// <summary>
    /// True only when <paramref name="pid"/> is certainly dead: no such process, a zombie, or a different process that
    /// reused the pid (told by <paramref name="stamp"/> when the stamp names that pid). Anything uncertain counts as alive,
    /// since taking over a live owner's lock would break mutual exclusion.
    /// </summary>
    public static bool IsDead(int pid, long stamp)
    {
        if (pid <= 0 || pid == Pid) return false;
        string stat;
        try { stat = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat")); }
        catch (FileNotFoundException) { return true; }
        catch (DirectoryNotFoundException) { return true; }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
        if (!TryParse(stat, out char state, out long start)) return false;
        if (state is 'Z' or 'X' or 'x') return true;
        return (int)(stamp >> 32) == pid && (uint)stamp != (uint)start;
    }

    private static long? StartTime(int pid)
    {
        try
        {
            return TryParse(File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat")), out _, out long start) ? start : null;
        }
        catch (IOException) { return null; }
    }

    // Field 2 (comm) may hold spaces and ')': fields are counted from after the last ')'. State is field 3, start time 22.
    private static bool TryParse(string stat, out char state, out long start)
    {
        state = '?';
        start = 0;
        int close = stat.LastIndexOf(')');
        if (close < 0 || close + 2 >= stat.Length) return false;
        var fields = stat[(close + 2)..].Split(' ');
        if (fields.Length < 20) return false;
        state = fields[0][0];
        return long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out start);
    }
}
