using System.Runtime.CompilerServices;

namespace Spindle.Coroutines;

/// <summary>
/// The awaitable of <see cref="Hub.SleepAsync"/>: the coroutine switches to the hub and resumes when its wait is over.
/// Allocation-free; await it once, at once.
/// </summary>
public readonly struct HubWait : ICriticalNotifyCompletion
{
    private readonly HubPark _park;

    internal HubWait(HubPark park) => _park = park;

    /// <summary>Whether the wait is already over (it ran on the main greenlet's stack).</summary>
    public bool IsCompleted => _park.IsCompleted;

    /// <summary>The wait as a task, for APIs that take one (e.g. <c>Hub.Spawn(() =&gt; Hub.SleepAsync(t).AsTask())</c>).</summary>
    public Task AsTask() => Wrap(this);

    /// <summary>Returns this awaitable as its own awaiter.</summary>
    public HubWait GetAwaiter() => this;

    /// <summary>Ends the wait; raises an exception thrown into the coroutine meanwhile (a kill, a timeout).</summary>
    public void GetResult() => _park.GetResult();

    private static async Task Wrap(HubWait wait) => await wait;

    /// <summary>Switches to the hub.</summary>
    public void OnCompleted(Action continuation) => _park.UnsafeOnCompleted(continuation);

    /// <summary>Switches to the hub.</summary>
    public void UnsafeOnCompleted(Action continuation) => _park.UnsafeOnCompleted(continuation);
}
