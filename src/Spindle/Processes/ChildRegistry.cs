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
    private static readonly Dictionary<object, Action> s_exitActions = new(ReferenceEqualityComparer.Instance);
    private static bool s_exitHandlerAdded;

    internal static void Add(SpindleProcess process)
    {
        lock (s_gate)
        {
            s_children.Add(process);
            EnsureExitHandler();
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> at normal exit before children are terminated and joined — a manager's shutdown,
    /// without which joining its server process would wait forever (Python: a <c>Finalize</c> with <c>exitpriority=0</c>).
    /// </summary>
    internal static void AddExitAction(object owner, Action action)
    {
        lock (s_gate)
        {
            s_exitActions[owner] = action;
            EnsureExitHandler();
        }
    }

    internal static void RemoveExitAction(object owner)
    {
        lock (s_gate) s_exitActions.Remove(owner);
    }

    private static void EnsureExitHandler()
    {
        if (s_exitHandlerAdded) return;
        s_exitHandlerAdded = true;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => OnExit();
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
        List<Action> actions;
        lock (s_gate) actions = [.. s_exitActions.Values];
        foreach (var action in actions)
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"Spindle: an exit action failed: {e}");
            }
        }
        foreach (var child in Active())
        {
            if (child.Daemon) child.Terminate();
        }
        foreach (var child in Active()) child.Join();
        SparePool.Target = 0;
    }
}
