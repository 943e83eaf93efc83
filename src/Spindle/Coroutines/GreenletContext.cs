namespace Spindle.Coroutines;

/// <summary>
/// The synchronization context installed while a greenlet runs: a .NET task awaited inside the greenlet posts its
/// continuation here, and the thread's hub resumes the greenlet with it, on the greenlet's own thread. One per greenlet,
/// because the posted continuation must go back to the greenlet that awaited.
/// </summary>
internal sealed class GreenletContext(Greenlet owner) : SynchronizationContext
{
    /// <summary>The greenlet whose awaits post here.</summary>
    public Greenlet Owner => owner;

    /// <inheritdoc/>
    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        owner.Owner.Post(owner, d, state);
    }

    /// <summary>Runs <paramref name="d"/> now on the greenlet's thread; from another thread, posts it and waits.</summary>
    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (Thread.CurrentThread == owner.Owner.Thread)
        {
            d(state);
            return;
        }
        using var done = new ManualResetEventSlim();
        Exception? error = null;
        owner.Owner.Post(null, _ =>
        {
            try { d(state); }
#pragma warning disable CA1031 // carried back to the sending thread
            catch (Exception e) { error = e; }
#pragma warning restore CA1031
            finally { done.Set(); }
        }, null);
        done.Wait();
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }

    /// <inheritdoc/>
    public override SynchronizationContext CreateCopy() => this;
}
