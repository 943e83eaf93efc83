using Spindle.Tests.Support;
using Spindle.Threading;

namespace Spindle.Tests.Threading;

/// <summary>
/// A <see cref="LeakCheckedTest"/> that also fails a test which leaves a <see cref="SpindleThread"/> it started alive.
/// Threads alive before the test (another test's daemon left to die with the process) are not counted.
/// </summary>
public abstract class SpindleThreadLeakCheckedTest : LeakCheckedTest
{
    private readonly HashSet<SpindleThread> _aliveBefore = [.. Threads.Enumerate()];

    /// <summary>Which leftover threads count as leaks; all by default.</summary>
    protected virtual bool IsLeak(SpindleThread thread) => true;

    /// <inheritdoc />
    protected override void CheckForLeaks()
    {
        base.CheckForLeaks();
        var left = WaitUntilEmpty(() => Threads.Enumerate().Where(t => !_aliveBefore.Contains(t) && t.IsAlive && IsLeak(t)).ToList());
        if (left.Count > 0)
            throw new InvalidOperationException($"Test leaked live threads: {string.Join(", ", left)}");
    }
}
