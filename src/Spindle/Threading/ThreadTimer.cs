using System.Diagnostics;

namespace Spindle.Threading;

/// <summary>
/// A thread that calls a function once after an interval, unless cancelled first. Python: <c>threading.Timer(interval, function, args)</c>.
/// </summary>
/// <remarks>
/// Unlike Python's, the choice between firing and <see cref="Cancel"/> is made under one lock: a <see cref="Cancel"/> that
/// returns true guarantees the function never runs, even when the interval ends at the same moment.
/// </remarks>
public class ThreadTimer : SpindleThread
{
    private const int Pending = 0, Fired = 1, Cancelled = 2;

    private readonly Action _function;
    private readonly object _gate = new(); // Monitor, because the wait for the interval is a Monitor.Wait on it
    private int _state;

    /// <summary>
    /// Creates a timer that calls <paramref name="function"/> once, <paramref name="interval"/> after <see cref="SpindleThread.Start"/>.
    /// Python: <c>threading.Timer(interval, function)</c>.
    /// </summary>
    /// <param name="interval">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits until cancelled.</param>
    /// <param name="function">What to call.</param>
    /// <exception cref="ArgumentOutOfRangeException">The interval is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>).</exception>
    public ThreadTimer(TimeSpan interval, Action function)
    {
        ArgumentNullException.ThrowIfNull(function);
        Interval = Deadline.Validate(interval, nameof(interval)) ?? Timeout.InfiniteTimeSpan;
        _function = function;
    }

    /// <summary>The time between <see cref="SpindleThread.Start"/> and the call. Python: <c>interval</c>.</summary>
    public TimeSpan Interval { get; }

    /// <summary>
    /// Creates a timer that calls <paramref name="function"/>(<paramref name="arg1"/>) once after <paramref name="interval"/>.
    /// Python: <c>threading.Timer(interval, function, args=(arg1,))</c>.
    /// </summary>
    public static ThreadTimer Create<T1>(TimeSpan interval, Action<T1> function, T1 arg1)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new ThreadTimer(interval, () => function(arg1));
    }

    /// <summary>
    /// Creates a timer that calls <paramref name="function"/>(<paramref name="arg1"/>, <paramref name="arg2"/>) once after
    /// <paramref name="interval"/>. Python: <c>threading.Timer(interval, function, args=(arg1, arg2))</c>.
    /// </summary>
    public static ThreadTimer Create<T1, T2>(TimeSpan interval, Action<T1, T2> function, T1 arg1, T2 arg2)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new ThreadTimer(interval, () => function(arg1, arg2));
    }

    /// <summary>
    /// Stops the timer if it has not fired yet; harmless afterwards, and before <see cref="SpindleThread.Start"/> (the timer then
    /// never fires). Python: <c>cancel()</c>, which returns None.
    /// </summary>
    /// <returns>true if this call prevented the function from running; false if it had already fired or been cancelled.</returns>
    public bool Cancel()
    {
        lock (_gate)
        {
            if (_state != Pending) return false;
            _state = Cancelled;
            Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>Waits for the interval or a cancel, then calls the function if not cancelled. Python: <c>Timer.run()</c>.</summary>
    protected override void Run()
    {
        lock (_gate)
        {
            if (Interval == Timeout.InfiniteTimeSpan)
            {
                while (_state == Pending) Monitor.Wait(_gate);
            }
            else
            {
                var start = Stopwatch.GetTimestamp();
                while (_state == Pending)
                {
                    var remaining = Interval - Stopwatch.GetElapsedTime(start);
                    if (remaining <= TimeSpan.Zero) break;
                    // Monitor.Wait takes at most int.MaxValue ms; longer intervals wait in slices.
                    Monitor.Wait(_gate, remaining.TotalMilliseconds > int.MaxValue ? TimeSpan.FromMilliseconds(int.MaxValue) : remaining);
                }
            }
            if (_state != Pending) return;
            _state = Fired;
        }
        _function();
    }
}
