using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Spindle.Ipc;

/// <summary>
/// Removes the named <see cref="SharedMemory"/> blocks this process created and did not unlink, however it ends.
/// Python: <c>multiprocessing.resource_tracker</c>. A normal exit unlinks them at once (<see cref="AppDomain.ProcessExit"/>);
/// for a death that runs no code (SIGKILL), a tiny tracker process outlives this one: a POSIX shell detached from
/// this process, reading registrations from a pipe whose write end only this process holds. When the pipe closes —
/// this process has exited, whatever the cause — it removes every name still registered, and exits.
/// </summary>
/// <remarks>
/// Names travel as lines <c>+digits</c> / <c>-digits</c>, each UTF-8 byte as three octal digits, so no name can
/// confuse the shell. The tracker starts with the first block created (≈ 1 ms, never waited for), ignores SIGINT,
/// SIGTERM and SIGHUP as Python's does, and is not a child of this process (its launcher exits at once).
/// </remarks>
internal static class SharedMemoryTracker
{
    // The detached subshell keeps the names (digits, once each, between spaces) until EOF, then removes what is left.
    private const string Script = """
        trap '' INT TERM HUP
        exec 3<&0 </dev/null >/dev/null 2>&1
        (
          names=' '
          while IFS= read -r line <&3; do
            case $line in
              +*) n=${line#+}
                  case $names in *" $n "*) ;; *) names="$names$n " ;; esac ;;
              -*) n=${line#-}
                  case $names in *" $n "*) names="${names%%" $n "*} ${names#*" $n "}" ;; esac ;;
            esac
          done
          for n in $names; do
            f=''
            while [ -n "$n" ]; do r=${n#???}; f="$f\\${n%"$r"}"; n=$r; done
            f=$(printf "${f}x")
            rm -f -- "/dev/shm/${f%x}"
          done
        ) &
        """;

    private static readonly Lock s_gate = new();
    private static readonly HashSet<string> s_names = new(StringComparer.Ordinal);
    private static StreamWriter? s_tracker;
    private static bool s_exitHooked;

    /// <summary>Remembers a block this process just created.</summary>
    public static void Register(string name)
    {
        lock (s_gate)
        {
            s_names.Add(name);
            if (!s_exitHooked)
            {
                s_exitHooked = true;
                AppDomain.CurrentDomain.ProcessExit += static (_, _) => UnlinkAllAtExit();
            }
            Tell('+', name);
        }
    }

    /// <summary>Forgets a block this process unlinked (another process may create the name again).</summary>
    public static void Unregister(string name)
    {
        lock (s_gate)
        {
            if (s_names.Remove(name)) Tell('-', name);
        }
    }

    /// <summary>Whether the tracker process is running for this process (tests).</summary>
    internal static bool IsRunning
    {
        get { lock (s_gate) return s_tracker is not null; }
    }

    private static void UnlinkAllAtExit()
    {
        lock (s_gate)
        {
            foreach (var name in s_names)
            {
                _ = Native.Libc.Unlink("/dev/shm/" + name);
                Tell('-', name); // so that the tracker leaves alone a block another process creates under this name next
            }
            s_names.Clear();
        }
    }

    private static void Tell(char operation, string name)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var tracker = s_tracker ??= Start();
            if (tracker is null) return; // no shell: a normal exit still unlinks; a killed process leaks, as before Python 3.8
            try
            {
                tracker.Write(Line(operation, name));
                return;
            }
            catch (IOException)
            {
                // The tracker was killed: start another; Start registers every name again.
                s_tracker = null;
                tracker.Dispose();
            }
        }
    }

    private static string Line(char operation, string name)
    {
        var line = new StringBuilder(2 + name.Length * 3);
        line.Append(operation);
        foreach (var b in Encoding.UTF8.GetBytes(name)) line.Append(Convert.ToString(b, 8).PadLeft(3, '0'));
        return line.Append('\n').ToString();
    }

    private static StreamWriter? Start()
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Script);
        info.ArgumentList.Add("spindle-shm-tracker");
        Process launcher;
        try
        {
            launcher = Process.Start(info) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
        using (launcher)
        {
            launcher.WaitForExit(); // the launcher only detaches the tracker; reaped now, it leaves no child behind
            var writer = launcher.StandardInput;
            writer.AutoFlush = true;
            foreach (var name in s_names) writer.Write(Line('+', name));
            return writer;
        }
    }
}
