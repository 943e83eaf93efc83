using Spindle.Native;

namespace Spindle.Signals;

public static partial class Signal
{
    /// <summary>
    /// Arms <paramref name="timer"/> to fire once after <paramref name="delay"/>, then every <paramref name="interval"/>
    /// (zero: once); a zero <paramref name="delay"/> disarms it. Each expiry sends the timer's signal (SIGALRM, SIGVTALRM
    /// or SIGPROF) to the process; without a handler for it, that ends the process. The kernel counts in microseconds:
    /// a non-zero time shorter than that is rounded up to one, as Python does. Python: <c>signal.setitimer(which, seconds, interval)</c>.
    /// </summary>
    /// <returns>The timer as it was: time left to its next expiry and its interval (zeros if it was disarmed).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative time, or an unknown timer.</exception>
    /// <exception cref="IOException">setitimer(2) failed (Python: <c>signal.ItimerError</c>).</exception>
    public static (TimeSpan Delay, TimeSpan Interval) SetIntervalTimer(IntervalTimer timer, TimeSpan delay, TimeSpan interval = default)
    {
        CheckTimer(timer);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        var value = new ITimerVal { Value = TimeVal.From(delay), Interval = TimeVal.From(interval) };
        ITimerVal previous;
        unsafe
        {
            if (Libc.SetITimer((int)timer, &value, &previous) != 0) throw TimerFailure("setitimer", timer);
        }
        return (previous.Value.ToTimeSpan(), previous.Interval.ToTimeSpan());
    }

    /// <summary>The time left to <paramref name="timer"/>'s next expiry and its interval (zeros when disarmed).
    /// Python: <c>signal.getitimer(which)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An unknown timer.</exception>
    public static (TimeSpan Delay, TimeSpan Interval) GetIntervalTimer(IntervalTimer timer)
    {
        CheckTimer(timer);
        ITimerVal value;
        unsafe
        {
            if (Libc.GetITimer((int)timer, &value) != 0) throw TimerFailure("getitimer", timer);
        }
        return (value.Value.ToTimeSpan(), value.Interval.ToTimeSpan());
    }

    private static void CheckTimer(IntervalTimer timer)
    {
        if (timer is not (IntervalTimer.Real or IntervalTimer.Virtual or IntervalTimer.Profile))
            throw new ArgumentOutOfRangeException(nameof(timer), timer, "Not an interval timer: use IntervalTimer.Real, Virtual or Profile.");
    }

    private static IOException TimerFailure(string call, IntervalTimer timer) =>
        new($"{call}({timer}) failed: {Libc.Describe(Libc.LastErrno)}.");
}
