namespace Spindle.Tests.Support;

/// <summary>
/// Base class for every test class: after each test it checks that the test left nothing of Spindle's behind —
/// no child process of this test process and no /dev/shm entry of Spindle's. Tests run one at a time
/// (xunit.runner.json), so process-wide counts belong to the test that just ran.
/// Leftovers are given a generous grace period to go away on their own (a child that is exiting), never a sleep
/// that the test relies on: the check polls a real condition and fails with what it found.
/// </summary>
public abstract class LeakCheckedTest : IDisposable
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);
    private readonly HashSet<int> _childrenBefore = [.. ProcessTable.ChildrenOf(Environment.ProcessId)];
    private readonly HashSet<string> _shmBefore = [.. ShmEntries()];

    /// <summary>Override to add checks of a unit (threads, processes, …); throw to fail the test.</summary>
    protected virtual void CheckForLeaks() { }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        CheckForLeaks();
        var children = WaitUntilEmpty(() => ProcessTable.ChildrenOf(Environment.ProcessId).Where(p => !_childrenBefore.Contains(p)).ToList());
        var shm = WaitUntilEmpty(() => ShmEntries().Where(e => !_shmBefore.Contains(e)).ToList());
        if (children.Count > 0)
            throw new InvalidOperationException($"Test leaked child processes: {string.Join(", ", children.Select(ProcessTable.Describe))}");
        if (shm.Count > 0)
            throw new InvalidOperationException($"Test leaked /dev/shm entries: {string.Join(", ", shm)}");
    }

    /// <summary>Polls <paramref name="probe"/> until it returns nothing or the grace period ends.</summary>
    protected static List<T> WaitUntilEmpty<T>(Func<List<T>> probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var deadline = DateTime.UtcNow + Grace;
        var found = probe();
        while (found.Count > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20); // polling interval of a leak probe, not synchronization
            found = probe();
        }
        return found;
    }

    // Entries of Spindle's, except those that a live process outside this test host's tree is known to own (generated
    // names are "spindle-PID-…"): other test runs on the same machine must not fail this one's check.
    private static IEnumerable<string> ShmEntries() =>
        Directory.Exists("/dev/shm")
            ? Directory.EnumerateFileSystemEntries("/dev/shm").Select(Path.GetFileName).OfType<string>()
                .Where(n => n.Contains("spindle", StringComparison.OrdinalIgnoreCase) && !OwnedElsewhere(n))
            : [];

    private static bool OwnedElsewhere(string name) =>
        name.Split('-') is [_, var pidText, ..]
        && int.TryParse(pidText, System.Globalization.CultureInfo.InvariantCulture, out var pid)
        && ProcessTable.Exists(pid)
        && !ProcessTable.IsDescendantOf(pid, Environment.ProcessId);
}
