using Spindle.Coroutines;

namespace Spindle.Tests.Coroutines;

internal static class GreenletThreadState
{
    /// <summary>Destroys the calling thread's hub if it has one (its epoll and eventfd descriptors).</summary>
    public static void DisposeHub() => GreenletThread.CurrentIfAny?.Hub?.Dispose();
}
