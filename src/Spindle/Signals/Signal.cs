using Spindle.Native;

namespace Spindle.Signals;

/// <summary>
/// Unix signals as Python's <c>signal</c> module offers them (seed 003): handle, ignore or restore a signal, send one
/// (<c>kill</c>, <c>raise_signal</c>), schedule SIGALRM (<c>alarm</c>) or arm an interval timer (<c>setitimer</c>), wait for
/// one (<c>pause</c>), wake a selector (<c>set_wakeup_fd</c>), and name and describe them (<c>kill -l</c>, <c>strsignal</c>).
/// Python: <c>signal</c>.
/// </summary>
/// <remarks>
/// <para>Handlers run on a .NET thread-pool thread, soon after the signal arrives (the runtime's signal thread queues them),
/// not "between two bytecodes of the main thread" as in Python: make them thread-safe. An exception a handler throws is
/// unhandled, as on any pool thread.</para>
/// <para>One disposition per signal, as in Python: the last <see cref="Handle(int, Action{int})"/>,
/// <see cref="Ignore(int)"/> or <see cref="RestoreDefault(int)"/> wins. Instead of returning the previous handler as
/// <c>signal.signal</c> does, <see cref="Handle(int, Action{int})"/> and <see cref="Ignore(int)"/> return a scope whose
/// Dispose puts the previous disposition back (if nothing changed the signal since), so <c>using</c> restores it.</para>
/// <para>Spindle owns the disposition of the signals it touches: do not mix its calls with
/// <see cref="System.Runtime.InteropServices.PosixSignalRegistration"/> for the same signal.</para>
/// </remarks>
public static partial class Signal
{
    /// <summary>
    /// Runs <paramref name="handler"/> (given the signal number) whenever <paramref name="signal"/> arrives, instead of its
    /// default action. Python: <c>signal.signal(signum, handler)</c>.
    /// </summary>
    /// <returns>A scope: disposing it restores the previous disposition.</returns>
    /// <exception cref="ArgumentException">SIGKILL or SIGSTOP (which cannot be caught), or a signal the .NET runtime
    /// itself uses (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, the real-time signals below <see cref="RealTimeMin"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">No such signal.</exception>
    public static IDisposable Handle(int signal, Action<int> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        CheckChangeable(signal);
        return Change(signal, SignalDisposition.Handler, handler);
    }

    /// <summary>
    /// <see cref="Handle(int, Action{int})"/> by name ("SIGUSR1", "USR1"). Python: <c>signal.signal(signal.SIGUSR1, handler)</c>.
    /// </summary>
    public static IDisposable Handle(string signal, Action<int> handler) => Handle(Number(signal), handler);

    /// <summary>
    /// Makes the kernel discard <paramref name="signal"/> (SIG_IGN; children started later inherit it). Python:
    /// <c>signal.signal(signum, signal.SIG_IGN)</c>.
    /// </summary>
    /// <returns>A scope: disposing it restores the previous disposition.</returns>
    /// <exception cref="ArgumentException">As <see cref="Handle(int, Action{int})"/>, and SIGCHLD, whose SIG_IGN would make the
    /// kernel reap children behind .NET's and Spindle's process objects.</exception>
    public static IDisposable Ignore(int signal)
    {
        CheckChangeable(signal);
        if (signal == SIGCHLD)
            throw new ArgumentException("Ignoring SIGCHLD would make the kernel reap children behind System.Diagnostics.Process and Spindle.Processes; handle it instead.", nameof(signal));
        return Change(signal, SignalDisposition.Ignore, null);
    }

    /// <summary><see cref="Ignore(int)"/> by name.</summary>
    public static IDisposable Ignore(string signal) => Ignore(Number(signal));

    /// <summary>
    /// Gives <paramref name="signal"/> back the disposition the process had before Spindle touched it: SIG_DFL for most
    /// signals (Python's <c>SIG_DFL</c>), and the runtime's own handling for those it manages (SIGINT, SIGQUIT and
    /// SIGTERM end the process gracefully; SIGPIPE stays ignored). Python: <c>signal.signal(signum, signal.SIG_DFL)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Handle(int, Action{int})"/>.</exception>
    public static void RestoreDefault(int signal)
    {
        CheckChangeable(signal);
        SignalSlot.Update(signal, slot =>
        {
            slot.Apply(SignalDisposition.Default, null, null);
            return 0;
        });
    }

    /// <summary><see cref="RestoreDefault(int)"/> by name.</summary>
    public static void RestoreDefault(string signal) => RestoreDefault(Number(signal));

    /// <summary>
    /// Sends <paramref name="signal"/> to process <paramref name="pid"/> (0 only checks that it exists; pid 0 or negative
    /// address process groups, as kill(2)). Python: <c>os.kill(pid, sig)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">No such process (Python <c>ProcessLookupError</c>; .NET's
    /// <c>Process.GetProcessById</c> throws the same).</exception>
    /// <exception cref="UnauthorizedAccessException">Not allowed to signal it (Python <c>PermissionError</c>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">No such signal.</exception>
    public static void Kill(int pid, int signal)
    {
        if (signal != 0) _ = Name(signal);
        if (Libc.Kill(pid, signal) == 0) return;
        var errno = Libc.LastErrno;
        throw errno switch
        {
            Libc.ESRCH => new ArgumentException($"No process with pid {pid} is running (ESRCH).", nameof(pid)),
            Libc.EPERM => new UnauthorizedAccessException($"Not permitted to send {Name(signal)} to pid {pid} (EPERM)."),
            Libc.EINVAL => new ArgumentOutOfRangeException(nameof(signal), signal, "Invalid signal (EINVAL)."),
            _ => new IOException($"kill({pid}, {signal}) failed: {Libc.Describe(errno)}."),
        };
    }

    /// <summary><see cref="Kill(int, int)"/> with the signal by name.</summary>
    public static void Kill(int pid, string signal) => Kill(pid, Number(signal));

    /// <summary>
    /// Sends SIGALRM to this process in <paramref name="seconds"/> seconds, replacing any alarm already set (a process has
    /// one alarm clock); 0 cancels it. Without a handler for SIGALRM, the alarm ends the process, as in Python.
    /// Python: <c>signal.alarm(sec)</c>.
    /// </summary>
    /// <returns>The seconds that were left on the previous alarm, 0 if none.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Negative seconds.</exception>
    public static int Alarm(int seconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seconds);
        return (int)Libc.Alarm((uint)seconds);
    }

    /// <summary>
    /// What happens now when <paramref name="signal"/> arrives: its default action, nothing (ignored, also when the
    /// process started with it ignored), or a Spindle handler. Python: <c>signal.getsignal(signum)</c> compared with
    /// <c>SIG_DFL</c> and <c>SIG_IGN</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">No such signal.</exception>
    public static SignalDisposition GetDisposition(int signal)
    {
        _ = Name(signal);
        return signal is SIGKILL or SIGSTOP ? SignalDisposition.Default : SignalSlot.Update(signal, slot => slot.Effective);
    }

    /// <summary>The handler <see cref="Handle(int, Action{int})"/> installed for <paramref name="signal"/>, or null when it
    /// has none. Python: <c>signal.getsignal(signum)</c> returning a function.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such signal.</exception>
    public static Action<int>? GetHandler(int signal)
    {
        _ = Name(signal);
        return signal is SIGKILL or SIGSTOP ? null : SignalSlot.Update(signal, slot => slot.Handler);
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to the calling thread. A Spindle handler runs soon after on a pool thread, not
    /// before this returns as in Python (see the class remarks). Python: <c>signal.raise_signal(signum)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">No such signal.</exception>
    public static void Raise(int signal)
    {
        _ = Name(signal);
        if (Libc.Raise(signal) != 0) throw new IOException($"raise({Name(signal)}) failed: {Libc.Describe(Libc.LastErrno)}.");
    }

    /// <summary>The system's description of a signal: "Interrupt" for SIGINT, "Terminated" for SIGTERM.
    /// Python: <c>signal.strsignal(signum)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such signal.</exception>
    public static string Describe(int signal)
    {
        _ = Name(signal);
        return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(Libc.StrSignal(signal)) ?? Name(signal);
    }

    private static IDisposable Change(int signal, SignalDisposition kind, Action<int>? handler) =>
        SignalSlot.Update(signal, slot =>
        {
            var scope = new SignalScope(signal, slot.Kind, slot.Handler, slot.Owner);
            slot.Apply(kind, handler, scope);
            return (IDisposable)scope;
        });

    private static void CheckChangeable(int signal)
    {
        _ = Name(signal);
        if (signal is SIGKILL or SIGSTOP)
            throw new ArgumentException($"{Name(signal)} cannot be caught or ignored.", nameof(signal));
        // SIGILL 4, SIGTRAP 5, SIGBUS 7, SIGFPE 8, SIGSEGV 11: the runtime turns them into exceptions or debugger events;
        // below SIGRTMIN are glibc's and the runtime's thread-suspension signals.
        if (signal is 4 or 5 or 7 or 8 or 11 || (signal > StandardNames.Length && signal < RealTimeMin) || signal == RealTimeMin)
            throw new ArgumentException($"{Name(signal)} is used by the .NET runtime and cannot be changed.", nameof(signal));
    }
}
