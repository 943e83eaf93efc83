using Spindle.Coroutines;

namespace Spindle.Tests.Coroutines;

internal static class FreshThread
{
    /// <summary>
    /// Runs <paramref name="body"/> on a new thread (its own greenlets and hub), destroys that thread's hub, and rethrows
    /// what the body threw. Test threads of xunit are reused, so a hub left on one would leak into the next test.
    /// </summary>
    public static void Run(Action body, int stackSize = 0)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                GreenletThread.CurrentIfAny?.Hub?.Dispose();
            }
        }, stackSize);
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "the test thread did not finish");
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }
}

/// <summary>Collects what <see cref="Hub.ErrorHandler"/> receives during a test, and restores the handler after.</summary>
internal sealed class CapturedHubErrors : IDisposable
{
    private readonly Action<object, Exception> _previous = Hub.ErrorHandler;
    private readonly List<(object Source, Exception Error)> _errors = [];

    public CapturedHubErrors() => Hub.ErrorHandler = (source, error) =>
    {
        lock (_errors) _errors.Add((source, error));
    };

    public IReadOnlyList<(object Source, Exception Error)> Errors
    {
        get
        {
            lock (_errors) return [.. _errors];
        }
    }

    public void Dispose() => Hub.ErrorHandler = _previous;
}
