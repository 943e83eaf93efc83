namespace Spindle.Signals;

/// <summary>The three interval timers of a process (setitimer(2)). Python: <c>signal.ITIMER_REAL</c>, <c>ITIMER_VIRTUAL</c>, <c>ITIMER_PROF</c>.</summary>
public enum IntervalTimer
{
    /// <summary>Counts wall-clock time and delivers SIGALRM (the clock <see cref="Signal.Alarm"/> also sets). Python: <c>signal.ITIMER_REAL</c>.</summary>
    Real = 0,

    /// <summary>Counts the process's user CPU time and delivers SIGVTALRM. Python: <c>signal.ITIMER_VIRTUAL</c>.</summary>
    Virtual = 1,

    /// <summary>Counts the process's user and system CPU time and delivers SIGPROF. Python: <c>signal.ITIMER_PROF</c>.</summary>
    Profile = 2,
}
