namespace Spindle.Processes;

/// <summary>
/// The children started through Spindle that have not been joined, and what happens to them when this process
/// exits normally: daemon children are terminated, then every child is joined (Python's
/// <c>multiprocessing.util._exit_function</c>). Non-daemon children of a parent that dies abruptly keep running,
/// as in Python.
/// </summary>
internal static class ChildRegistry
{
    private static readonly Lock s_gate = new();
    private static readonly HashSet<SpindleProcess> s_children = [];
    private static bool s_exitHandlerAdded;

    internal static void Add(SpindleProcess process)
    {
        lock (s_gate)
        {
            s_children.Add(process);
            if (s_exitHandlerAdded) return;
            s_exitHandlerAdded = true;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => OnExit();
        }
    }

    internal static void Remove(SpindleProcess process)
    {
        lock (s_gate) s_children.Remove(process);
    }

    /// <summary>Live children; finished ones are dropped from the registry on the way, as Python's <c>active_children()</c> reaps.</summary>
    internal static List<SpindleProcess> Active()
    {
        lock (s_gate)
        {
            s_children.RemoveWhere(p => p.HasFinished);
            return [.. s_children];
        }
    }

    private static void OnExit()
    {
        foreach (var child in Active())
        {
            if (child.Daemon) child.Terminate();
        }
        foreach (var child in Active()) child.Join();
        SparePool.Target = 0;
    }
}
