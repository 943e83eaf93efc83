namespace Spindle.Signals;

public static partial class Signal
{
    // Completed, then replaced, each time a Spindle handler has run: a waiter takes the current one and wakes on the next signal.
    private static TaskCompletionSource s_nextSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Blocks until a signal that has a Spindle handler arrives and that handler has run. Python: <c>signal.pause()</c>
    /// (which likewise returns only for signals with a Python handler).
    /// </summary>
    public static void Pause() => Pause(null);

    /// <summary><see cref="Pause()"/> with a timeout. Python: none (<c>signal.sigtimedwait</c> is the closest).</summary>
    /// <param name="timeout">null waits forever; <see cref="TimeSpan.Zero"/> only checks.</param>
    /// <returns>true once a handled signal arrived, false on timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative timeout other than infinite.</exception>
    public static bool Pause(TimeSpan? timeout)
    {
        var wait = Deadline.Validate(timeout, nameof(timeout));
        var next = Volatile.Read(ref s_nextSignal).Task;
        if (wait is null)
        {
            next.Wait();
            return true;
        }
        return next.Wait(wait.Value);
    }

    /// <summary>Awaitable <see cref="Pause()"/>. Python: none.</summary>
    public static Task PauseAsync(CancellationToken cancellationToken = default) =>
        Volatile.Read(ref s_nextSignal).Task.WaitAsync(cancellationToken);

    /// <summary>Awaitable <see cref="Pause(TimeSpan?)"/>: true once a handled signal arrived, false on timeout.</summary>
    public static async Task<bool> PauseAsync(TimeSpan? timeout, CancellationToken cancellationToken = default)
    {
        var wait = Deadline.Validate(timeout, nameof(timeout));
        var next = Volatile.Read(ref s_nextSignal).Task;
        if (wait is null)
        {
            await next.WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        try
        {
            await next.WaitAsync(wait.Value, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Wakes every <see cref="Pause()"/> in progress; called after a handler has run.</summary>
    internal static void NotifyHandled() =>
        Interlocked.Exchange(ref s_nextSignal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
