namespace Spindle.Coroutines;

/// <summary>
/// The synchronous API of the hub's primitives: the thread's main code runs the async twin, whose waits run the hub
/// loop on the main greenlet's own stack, so the twin has always completed when it returns.
/// </summary>
internal static class MainGreenlet
{
    /// <summary>Runs <paramref name="wait"/>'s body from the main greenlet and returns its result.</summary>
    /// <exception cref="InvalidOperationException">Called inside a coroutine or a hub callback (<paramref name="operation"/> names the call).</exception>
    public static T Run<T>(string operation, Func<ValueTask<T>> wait)
    {
        Hub.RequireMain(operation);
        var task = wait();
#pragma warning disable CA2012 // consumed once: IsCompleted only checks that the main greenlet's wait really ended
        return task.IsCompleted ? task.GetAwaiter().GetResult() : throw new InvalidOperationException($"{operation}: a wait of the main greenlet did not complete.");
#pragma warning restore CA2012
    }

    /// <summary>Runs <paramref name="wait"/>'s body from the main greenlet.</summary>
    public static void Run(string operation, Func<ValueTask> wait)
    {
        Hub.RequireMain(operation);
        var task = wait();
#pragma warning disable CA2012 // see above
        if (!task.IsCompleted) throw new InvalidOperationException($"{operation}: a wait of the main greenlet did not complete.");
        task.GetAwaiter().GetResult();
#pragma warning restore CA2012
    }
}
