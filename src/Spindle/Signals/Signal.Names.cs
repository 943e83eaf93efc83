using System.Globalization;
using Spindle.Native;

namespace Spindle.Signals;

public static partial class Signal
{
    /// <summary>Hangup. Python: <c>signal.SIGHUP</c>.</summary>
    public const int SIGHUP = 1;
    /// <summary>Interrupt (Ctrl-C). Python: <c>signal.SIGINT</c>.</summary>
    public const int SIGINT = 2;
    /// <summary>Quit (Ctrl-\). Python: <c>signal.SIGQUIT</c>.</summary>
    public const int SIGQUIT = 3;
    /// <summary>Kill; cannot be caught or ignored. Python: <c>signal.SIGKILL</c>.</summary>
    public const int SIGKILL = 9;
    /// <summary>User-defined signal 1. Python: <c>signal.SIGUSR1</c>.</summary>
    public const int SIGUSR1 = 10;
    /// <summary>User-defined signal 2. Python: <c>signal.SIGUSR2</c>.</summary>
    public const int SIGUSR2 = 12;
    /// <summary>Broken pipe (ignored by the .NET runtime). Python: <c>signal.SIGPIPE</c>.</summary>
    public const int SIGPIPE = 13;
    /// <summary>Alarm clock, sent by <see cref="Alarm"/>. Python: <c>signal.SIGALRM</c>.</summary>
    public const int SIGALRM = 14;
    /// <summary>Termination request (Python's <c>Process.terminate()</c>). Python: <c>signal.SIGTERM</c>.</summary>
    public const int SIGTERM = 15;
    /// <summary>A child stopped or exited. Python: <c>signal.SIGCHLD</c>.</summary>
    public const int SIGCHLD = 17;
    /// <summary>Continue if stopped. Python: <c>signal.SIGCONT</c>.</summary>
    public const int SIGCONT = 18;
    /// <summary>Stop; cannot be caught or ignored. Python: <c>signal.SIGSTOP</c>.</summary>
    public const int SIGSTOP = 19;
    /// <summary>The virtual timer expired (<see cref="IntervalTimer.Virtual"/>). Python: <c>signal.SIGVTALRM</c>.</summary>
    public const int SIGVTALRM = 26;
    /// <summary>The profiling timer expired (<see cref="IntervalTimer.Profile"/>). Python: <c>signal.SIGPROF</c>.</summary>
    public const int SIGPROF = 27;

    // Linux numbering (identical on x86-64 and arm64), 1-based; real-time signals are named from SIGRTMIN/SIGRTMAX as bash does.
    private static readonly string[] StandardNames =
    [
        "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
        "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    private static readonly Dictionary<string, int> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["SIGIOT"] = 6, ["SIGCLD"] = 17, ["SIGPOLL"] = 29,
    };

    /// <summary>The first real-time signal an application may use (34 with glibc). Python: <c>signal.SIGRTMIN</c>.</summary>
    public static int RealTimeMin { get; } = Libc.SigRtMin();

    /// <summary>The last signal number (64 on Linux). Python: <c>signal.SIGRTMAX</c>.</summary>
    public static int RealTimeMax { get; } = Libc.SigRtMax();

    /// <summary>
    /// Every signal of this system as (number, name), in number order, as <c>kill -l</c> prints them.
    /// Python: <c>signal.valid_signals()</c> with <c>signal.Signals(n).name</c>.
    /// </summary>
    public static IReadOnlyList<(int Number, string Name)> List()
    {
        var all = new List<(int, string)>();
        for (var n = 1; n <= StandardNames.Length; n++) all.Add((n, StandardNames[n - 1]));
        for (var n = RealTimeMin; n <= RealTimeMax; n++) all.Add((n, Name(n)));
        return all;
    }

    /// <summary>
    /// The name of a signal ("SIGTERM" for 15; "SIGRTMIN+1" style for real-time ones). Python: <c>signal.Signals(n).name</c>
    /// or <c>signal.strsignal</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">No such signal.</exception>
    public static string Name(int signal)
    {
        if (signal >= 1 && signal <= StandardNames.Length) return StandardNames[signal - 1];
        if (signal >= RealTimeMin && signal <= RealTimeMax)
        {
            var half = (RealTimeMax - RealTimeMin) / 2;
            return signal == RealTimeMin ? "SIGRTMIN"
                : signal == RealTimeMax ? "SIGRTMAX"
                : signal - RealTimeMin <= half ? string.Create(CultureInfo.InvariantCulture, $"SIGRTMIN+{signal - RealTimeMin}")
                : string.Create(CultureInfo.InvariantCulture, $"SIGRTMAX-{RealTimeMax - signal}");
        }
        throw new ArgumentOutOfRangeException(nameof(signal), signal, $"No signal numbered {signal}; valid signals are 1–{StandardNames.Length} and {RealTimeMin}–{RealTimeMax}.");
    }

    /// <summary>
    /// The number of a signal given by name, with or without "SIG", in any case ("SIGTERM", "term", "SIGRTMIN+2"),
    /// or as a decimal number. Python: <c>signal.Signals['SIGTERM']</c>.
    /// </summary>
    /// <exception cref="ArgumentException">No signal has that name.</exception>
    public static int Number(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var trimmed = name.Trim();
        if (int.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            _ = Name(number);
            return number;
        }
        var full = trimmed.StartsWith("SIG", StringComparison.OrdinalIgnoreCase) ? trimmed : "SIG" + trimmed;
        var index = Array.FindIndex(StandardNames, n => n.Equals(full, StringComparison.OrdinalIgnoreCase));
        if (index >= 0) return index + 1;
        if (Aliases.TryGetValue(full, out var alias)) return alias;
        if (TryRealTime(full, "SIGRTMIN", RealTimeMin, +1, out number) || TryRealTime(full, "SIGRTMAX", RealTimeMax, -1, out number))
            return number;
        throw new ArgumentException($"Unknown signal name: '{name}' (see Signal.List()).", nameof(name));
    }

    private static bool TryRealTime(string full, string basis, int origin, int direction, out int number)
    {
        number = 0;
        if (!full.StartsWith(basis, StringComparison.OrdinalIgnoreCase)) return false;
        var rest = full[basis.Length..];
        var offset = 0;
        if (rest.Length > 0)
        {
            var sign = direction > 0 ? '+' : '-';
            if (rest[0] != sign || !int.TryParse(rest.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out offset)) return false;
        }
        number = origin + (direction * offset);
        return number >= RealTimeMin && number <= RealTimeMax;
    }
}
