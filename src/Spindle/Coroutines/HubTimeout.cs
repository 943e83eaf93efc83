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
    public HubTimeout(TimeSpan? seconds = null, Exception? exception = null) : this(seconds, exception, silent: false) { }

    private HubTimeout(TimeSpan? seconds, Exception? exception, bool silent)
    {
        if (seconds is { } s) ArgumentOutOfRangeException.ThrowIfLessThan(s, TimeSpan.Zero, nameof(seconds));
        Seconds = seconds;
        _exception = exception;
        IsSilent = silent;
    }

    /// <summary>
    /// Whether <see cref="Run"/> and <see cref="RunAsync(Func{Task})"/> end their work quietly when this expires instead
    /// of raising. Python: <c>Timeout(seconds, False)</c>.
    /// </summary>
    public bool IsSilent { get; }

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
        var result = timeoutValue;
        await Silent(seconds).RunAsync(async () => result = await function().ConfigureAwait(true)).ConfigureAwait(true);
        return result;
    }

    /// <summary>
    /// Creates a silent timeout, not yet started: run work under it with <see cref="Run"/> or
    /// <see cref="RunAsync(Func{Task})"/>, which stop the work when it expires and return false instead of raising.
    /// Python: <c>gevent.Timeout(seconds, False)</c>, as in <c>with Timeout(0.1, False): …</c>.
    /// </summary>
    /// <remarks>
    /// A C# <c>using</c> block cannot swallow the exception that ends it, so a silent timeout started by hand (or under
    /// <c>using</c>) still raises its <see cref="HubTimeoutException"/> out of the block; <see cref="Run"/> is the
    /// <c>with</c> block that catches it.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">A negative duration.</exception>
    public static HubTimeout Silent(TimeSpan? seconds) => new(seconds, null, silent: true);

    /// <summary>
    /// Runs <paramref name="body"/> under this timeout, started now for the running greenlet and cancelled when the body
    /// ends. When it expires, a silent timeout ends the body quietly (false); any other raises out of here.
    /// Python: <c>with timeout: …</c>.
    /// </summary>
    /// <returns>Whether the body finished before the timeout expired.</returns>
    /// <exception cref="InvalidOperationException">Already pending.</exception>
    public bool Run(Action body)
    {
        ArgumentNullException.ThrowIfNull(body);
        Start();
        try
        {
            body();
            return true;
        }
        catch (HubTimeoutException e) when (IsSilent && e.Timeout == this)
        {
            return false;
        }
        finally
        {
            Cancel();
        }
    }

    /// <summary>Awaitable twin of <see cref="Run"/>, for a coroutine's work. Python: <c>with timeout: …</c>.</summary>
    /// <returns>Whether the body finished before the timeout expired.</returns>
    /// <exception cref="InvalidOperationException">Already pending.</exception>
    public async Task<bool> RunAsync(Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        Start();
        try
        {
            await body().ConfigureAwait(true);
            return true;
        }
        catch (HubTimeoutException e) when (IsSilent && e.Timeout == this)
        {
            return false;
        }
        finally
        {
            Cancel();
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
