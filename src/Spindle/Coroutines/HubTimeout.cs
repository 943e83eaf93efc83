using System.Diagnostics;
using System.Globalization;

namespace Spindle.Coroutines;

/// <summary>
/// Raises an exception in the greenlet that started it once <see cref="Seconds"/> have passed, wherever that greenlet
/// waits, so the work that overran stops there. Python: <c>gevent.Timeout(seconds=None, exception=None)</c>.
/// </summary>
/// <example><code>
/// using (HubTimeout.StartNew(TimeSpan.FromSeconds(2)))
/// {
///     await socket.ReceiveAsync(buffer); // HubTimeoutException after 2 s
/// }
/// </code></example>
/// <remarks>
/// The exception is a <see cref="HubTimeoutException"/> naming this timeout (or the one given). Dispose cancels it
/// (Python: leaving the <c>with</c> block). A greenlet inside an await of a .NET task gets it when it next yields:
/// pass <see cref="HubGreenlet.CancellationToken"/> or your own token to such calls.
/// </remarks>
public sealed class HubTimeout : IDisposable, ITimerTarget
{
    private readonly Exception? _exception;
    private Greenlet? _greenlet;
    private int _seq;

    /// <summary>Creates a timeout, not yet started. Python: <c>gevent.Timeout(seconds, exception)</c>.</summary>
    /// <param name="seconds">How long; null never fires (Python: <c>None</c>).</param>
    /// <param name="exception">What to raise; a <see cref="HubTimeoutException"/> by default.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative duration.</exception>
    public HubTimeout(TimeSpan? seconds = null, Exception? exception = null)
    {
        if (seconds is { } s) ArgumentOutOfRangeException.ThrowIfLessThan(s, TimeSpan.Zero, nameof(seconds));
        Seconds = seconds;
        _exception = exception;
    }

    /// <summary>The duration. Python: <c>Timeout.seconds</c>.</summary>
    public TimeSpan? Seconds { get; }

    /// <summary>Whether it is started and has neither fired nor been cancelled. Python: <c>Timeout.pending</c>.</summary>
    public bool IsPending { get; private set; }

    /// <summary>Creates and starts a timeout for the running greenlet. Python: <c>gevent.Timeout.start_new(seconds, exception)</c>.</summary>
    public static HubTimeout StartNew(TimeSpan? seconds, Exception? exception = null)
    {
        var timeout = new HubTimeout(seconds, exception);
        timeout.Start();
        return timeout;
    }

    /// <summary>
    /// Runs <paramref name="function"/> under a timeout and returns its result. Python: <c>gevent.with_timeout(seconds, function)</c>.
    /// </summary>
    /// <exception cref="HubTimeoutException">It overran.</exception>
    public static async Task<T> RunAsync<T>(TimeSpan? seconds, Func<Task<T>> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        using (StartNew(seconds)) return await function().ConfigureAwait(true);
    }

    /// <summary>
    /// Runs <paramref name="function"/> under a timeout; returns <paramref name="timeoutValue"/> if it overran.
    /// Python: <c>gevent.with_timeout(seconds, function, timeout_value=…)</c>.
    /// </summary>
    public static async Task<T> RunAsync<T>(TimeSpan? seconds, Func<Task<T>> function, T timeoutValue)
    {
        ArgumentNullException.ThrowIfNull(function);
        var timeout = StartNew(seconds);
        try
        {
            return await function().ConfigureAwait(true);
        }
        catch (HubTimeoutException e) when (e.Timeout == timeout)
        {
            return timeoutValue;
        }
        finally
        {
            timeout.Dispose();
        }
    }

    /// <summary>Starts the clock for the running greenlet (the main greenlet or a coroutine). Python: <c>Timeout.start()</c>.</summary>
    /// <exception cref="InvalidOperationException">Already pending (Python: <c>AssertionError</c>), or called from a hub callback.</exception>
    public void Start()
    {
        if (IsPending) throw new InvalidOperationException($"{this} is already started.");
        var thread = GreenletThread.Current;
        if (thread.Running is Hub) throw new InvalidOperationException("A timeout cannot be started in a hub callback: it would interrupt the hub.");
        _greenlet = thread.Running;
        if (Seconds is not { } s) return;
        IsPending = true;
        var ticks = s.TotalSeconds * Stopwatch.Frequency;
        thread.EnsureHub().AddTimer(ticks >= long.MaxValue / 2 ? long.MaxValue : Stopwatch.GetTimestamp() + (long)ticks, this, ++_seq);
    }

    /// <summary>Stops the clock; nothing if it already fired. Python: <c>Timeout.cancel()</c> / <c>close()</c>.</summary>
    public void Cancel()
    {
        if (!IsPending) return;
        IsPending = false;
        _seq++;
        GreenletThread.CurrentIfAny?.Hub?.TimerAbandoned();
    }

    /// <summary>Cancels the timeout (Python: leaving <c>with Timeout(…):</c>).</summary>
    public void Dispose() => Cancel();

    /// <summary>gevent's str, e.g. <c>2 seconds</c>.</summary>
    public override string ToString() => Seconds is { } s
        ? string.Create(CultureInfo.InvariantCulture, $"{s.TotalSeconds:0.###} second{(s == TimeSpan.FromSeconds(1) ? "" : "s")}")
        : "a timeout that never fires";

    bool ITimerTarget.IsCurrent(int seq) => IsPending && seq == _seq;

    // Timers fire while the hub polls; the throw happens in a callback, when the hub may switch. The greenlet may
    // cancel the timeout in between, which bumps the number and makes the callback a no-op.
    void ITimerTarget.Fire(Hub hub, int seq) => hub.Schedule(static s =>
    {
        var (timeout, fired) = ((HubTimeout, int))s!;
        if (!timeout.IsPending || fired != timeout._seq) return;
        timeout.IsPending = false;
        if (timeout._greenlet is { } target) Hub.ThrowInto(target, timeout._exception ?? new HubTimeoutException(timeout));
    }, (this, seq));
}
