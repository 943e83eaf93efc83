using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Spindle.Coroutines;

/// <summary>
/// Watches a hub from its own thread and reports when code running on the hub (a coroutine between two switches, or a
/// callback) has kept the hub's thread for longer than a threshold — a blocking call or a long computation that starves
/// every other coroutine. Python: none (gevent's <c>monitor_thread</c> with <c>max_blocking_time</c> is the closest).
/// Start with <see cref="Hub.StartWatchdog"/>; dispose to stop.
/// </summary>
/// <remarks>
/// .NET cannot walk the managed stack of another running thread from inside the process (the debugger and EventPipe
/// sampling are out-of-process tools), so a report names what can be known while the offender still blocks: the
/// greenlet, the async method it resumed (or the function it started) and the kernel's view of the thread (running on a
/// CPU or asleep, and in which kernel function and syscall).
/// </remarks>
public sealed class HubWatchdog : IDisposable
{
    private readonly Hub _hub;
    private readonly TimeSpan _threshold;
    private readonly Action<HubBlockedReport> _report;
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread _thread;

    internal HubWatchdog(Hub hub, TimeSpan threshold, Action<HubBlockedReport> report)
    {
        _hub = hub;
        _threshold = threshold;
        _report = report;
        _thread = new Thread(Watch) { IsBackground = true, Name = "hub watchdog" };
        _thread.Start();
    }

    /// <summary>How long the hub may be held before a report.</summary>
    public TimeSpan Threshold => _threshold;

    /// <summary>Writes the report to stderr: the default of <see cref="Hub.StartWatchdog"/>.</summary>
    public static void WriteToStandardError(HubBlockedReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        Console.Error.Write(report + Environment.NewLine);
    }

    /// <summary>Stops watching (waits for the watchdog's thread to end).</summary>
    public void Dispose()
    {
        if (_stop.IsSet) return;
        _stop.Set();
        if (Thread.CurrentThread != _thread) _thread.Join();
        _stop.Dispose();
    }

    private void Watch()
    {
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, _threshold.Ticks / 4));
        var thread = _hub.Owner;
        var lastResumes = -1L;
        var since = Stopwatch.GetTimestamp();
        var reported = false;
        while (!_stop.Wait(period))
        {
            var resumes = Volatile.Read(ref thread.Resumes);
            var busy = thread.InTrampoline && !_hub.IsSleeping;
            if (!busy || resumes != lastResumes)
            {
                (lastResumes, since, reported) = (resumes, Stopwatch.GetTimestamp(), false);
                continue;
            }
            var held = Stopwatch.GetElapsedTime(since);
            if (reported || held < _threshold) continue;
            reported = true;
            var report = HubBlockedReport.Capture(_hub, thread, held);
            try
            {
                _report(report);
            }
#pragma warning disable CA1031 // a failing reporter must not kill the watchdog
            catch (Exception e)
            {
                Console.Error.Write($"hub watchdog: the report callback failed: {e}{Environment.NewLine}");
            }
#pragma warning restore CA1031
        }
    }
}

/// <summary>What <see cref="HubWatchdog"/> saw while the hub was held.</summary>
/// <param name="Greenlet">The greenlet holding the hub (the hub itself for a callback).</param>
/// <param name="HeldFor">How long it had held the hub when the report was made.</param>
/// <param name="ResumedAt">The async method (or function, or callback) the hub last handed control to.</param>
/// <param name="KernelState">The thread's state from <c>/proc</c>: <c>R</c> on a CPU, <c>S</c>/<c>D</c> asleep in the kernel.</param>
/// <param name="KernelWaitChannel">The kernel function the thread sleeps in (<c>wchan</c>), when it sleeps and the kernel tells.</param>
/// <param name="Syscall">The syscall it is in (<c>/proc/…/syscall</c>: number and arguments), or <c>running</c>.</param>
public sealed record HubBlockedReport(string Greenlet, TimeSpan HeldFor, string ResumedAt, string KernelState, string? KernelWaitChannel, string? Syscall)
{
    /// <summary>One paragraph for a log.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"hub watchdog: {Greenlet} has held the hub for {HeldFor.TotalMilliseconds:0} ms without yielding");
        text.Append(CultureInfo.InvariantCulture, $"{Environment.NewLine}  resumed at: {ResumedAt}");
        text.Append(CultureInfo.InvariantCulture, $"{Environment.NewLine}  thread: {KernelState}");
        if (KernelWaitChannel is { } wchan) text.Append(CultureInfo.InvariantCulture, $", waiting in {wchan}");
        if (Syscall is { } syscall) text.Append(CultureInfo.InvariantCulture, $", syscall {syscall}");
        return text.ToString();
    }

    internal static HubBlockedReport Capture(Hub hub, GreenletThread thread, TimeSpan held)
    {
        var task = $"/proc/self/task/{hub.NativeThreadId.ToString(CultureInfo.InvariantCulture)}";
        var state = ReadProc($"{task}/stat") is { } stat && stat.LastIndexOf(')') is var close and > 0 && close + 2 < stat.Length
            ? DescribeState(stat[close + 2])
            : "unknown";
        var wchan = ReadProc($"{task}/wchan") is { Length: > 0 } w && w != "0" ? w : null;
        var syscall = ReadProc($"{task}/syscall")?.Trim();
        return new HubBlockedReport(thread.Running.ToString(), held, DescribeResumed(thread.LastResumed), state, wchan, syscall);
    }

    // "<Heng>d__3" (an async method's state machine) → "Heng"; a delegate → its method.
    internal static string DescribeResumed(object? resumed)
    {
        switch (resumed)
        {
            case null:
                return "unknown";
            case Delegate d when d.Target is { } target && target.GetType() is { IsGenericType: true } box
                                 && box.GetGenericArguments() is [.., var machine] && typeof(System.Runtime.CompilerServices.IAsyncStateMachine).IsAssignableFrom(machine):
                return $"async method {AsyncMethodName(machine)}";
            case Delegate d:
                return $"{d.Method.DeclaringType?.Name}.{d.Method.Name}";
            default:
                return resumed.ToString() ?? "unknown";
        }
    }

    private static string AsyncMethodName(Type machine)
    {
        var name = machine.Name;
        var open = name.IndexOf('<', StringComparison.Ordinal);
        var close = name.IndexOf('>', StringComparison.Ordinal);
        var method = open >= 0 && close > open ? name[(open + 1)..close] : name;
        var owner = machine.DeclaringType?.Name;
        return owner is null ? method : $"{owner}.{method}";
    }

    private static string DescribeState(char state) => state switch
    {
        'R' => "R (running on a CPU: computing, or spinning)",
        'S' => "S (asleep in the kernel: a blocking call)",
        'D' => "D (uninterruptible sleep: disk or other IO)",
        _ => state.ToString(),
    };

    private static string? ReadProc(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
