using Spindle.Coroutines;

namespace Spindle.Cli.Bench;

/// <summary>Runs a coroutine figure on a fresh thread with a fresh hub, disposed after it.</summary>
internal static class HubThread
{
    /// <summary>
    /// Runs <paramref name="measure"/> on a new thread started without the bench's execution context: a thread that
    /// carries AsyncLocal values pays for restoring them at every resumption of an async method (about 150 ns a switch
    /// here), as any async code does. The thread's hub is disposed afterwards; an exception comes back here.
    /// </summary>
    public static T Run<T>(Func<T> measure)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = measure();
            }
#pragma warning disable CA1031 // carried back to the bench's thread
            catch (Exception e)
            {
                failure = e;
            }
#pragma warning restore CA1031
            finally
            {
                Hub.Current.Dispose();
            }
        }, maxStackSize: 256 * 1024);
        using (ExecutionContext.SuppressFlow()) thread.Start(); // the bench's own async locals must not ride on every switch
        thread.Join();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        return result;
    }
}
