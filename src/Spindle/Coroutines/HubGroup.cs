using System.Globalization;

namespace Spindle.Coroutines;

/// <summary>
/// A set of coroutines to join or kill together; finished ones leave it. Python: <c>gevent.pool.Group</c>.
/// </summary>
/// <remarks>
/// Beyond gevent, <see cref="RunAsync"/> gives it trio's nursery discipline: the body spawns children into the group,
/// and the call returns only once every child has finished; if any child or the body fails, or the calling coroutine is
/// killed or times out, every child still running is killed (its <c>finally</c> blocks run, and a child running a
/// nursery of its own kills its own children in turn) before the failure is raised. <see cref="CancellationToken"/>
/// reaches .NET calls awaited by the children.
/// </remarks>
public class HubGroup
{
    private readonly HashSet<HubGreenlet> _members = [];
    private readonly WaiterQueue _emptyWaiters = new();
    private readonly Member _link;
    private Exception? _failure;
    private CancellationTokenSource? _cancellation;

    /// <summary>Creates an empty group. Python: <c>Group()</c>.</summary>
    public HubGroup() => _link = new Member(this);

    /// <summary>How many coroutines are in the group. Python: <c>len(group)</c>.</summary>
    public int Count => _members.Count;

    /// <summary>A token cancelled when the group is killed (by <see cref="Kill"/> or a failing <see cref="RunAsync"/>).</summary>
    public CancellationToken CancellationToken => (_cancellation ??= new CancellationTokenSource()).Token;

    /// <summary>
    /// Runs <paramref name="body"/> with a new group and waits for every child it spawned; on any failure (of the body,
    /// of a child, or a kill/timeout of the caller) kills the remaining children, waits for them, then raises it.
    /// Python: trio's <c>async with trio.open_nursery() as nursery:</c> (gevent has no counterpart).
    /// </summary>
    public static async Task RunAsync(Func<HubGroup, Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var group = new HubGroup();
        try
        {
            await body(group).ConfigureAwait(true);
            await group.WaitEmptyAsync(Deadline.Infinite, failFast: true, default).ConfigureAwait(true);
        }
        catch
        {
            await group.KillAsync().ConfigureAwait(true);
            throw;
        }
    }

    /// <summary>Whether <paramref name="greenlet"/> is in the group. Python: <c>greenlet in group</c>.</summary>
    public bool Contains(HubGreenlet greenlet) => _members.Contains(greenlet);

    /// <summary>Spawns a coroutine into the group. Python: <c>group.spawn(function, *args)</c>.</summary>
    public virtual HubGreenlet Spawn(Func<Task> function)
    {
        var g = new HubGreenlet(function);
        Add(g);
        g.Start();
        return g;
    }

    /// <summary>Spawns a coroutine with a result into the group. Python: <c>group.spawn(function, *args)</c>.</summary>
    public virtual HubGreenlet<T> Spawn<T>(Func<Task<T>> function)
    {
        var g = new HubGreenlet<T>(function);
        Add(g);
        g.Start();
        return g;
    }

    /// <summary>Adds a coroutine; it leaves the group when it finishes. Python: <c>group.add(greenlet)</c>.</summary>
    public virtual void Add(HubGreenlet greenlet)
    {
        ArgumentNullException.ThrowIfNull(greenlet);
        if (greenlet.IsDead || !_members.Add(greenlet)) return;
        greenlet.AddLink(_link);
    }

    /// <summary>Removes a coroutine without killing it. Python: <c>group.discard(greenlet)</c>.</summary>
    public virtual void Discard(HubGreenlet greenlet)
    {
        ArgumentNullException.ThrowIfNull(greenlet);
        if (!_members.Remove(greenlet)) return;
        greenlet.RemoveLink(_link);
        OnLeft();
    }

    /// <summary>
    /// Waits until the group is empty (at least once) or the timeout passes; then, with <paramref name="raiseError"/>,
    /// raises the exception of the first member (in the order they joined) that was in the group when the call began
    /// and has failed. Python: <c>group.join(timeout=None, raise_error=False)</c>: as there, a failure does not cut the
    /// wait short, and one that ended before the call is not raised. Main code only.
    /// </summary>
    /// <returns>Whether the group emptied within the timeout.</returns>
    public bool Join(TimeSpan? timeout = null, bool raiseError = false) =>
        MainGreenlet.Run("HubGroup.Join", () => JoinAsync(timeout, raiseError));

    /// <summary>Awaitable twin of <see cref="Join"/>.</summary>
    public async ValueTask<bool> JoinAsync(TimeSpan? timeout = null, bool raiseError = false, CancellationToken cancellationToken = default)
    {
        var watched = raiseError ? _members.ToList() : null;
        var emptied = await WaitEmptyAsync(Deadline.Start(timeout), failFast: false, cancellationToken).ConfigureAwait(true);
        if (watched is not null)
        {
            foreach (var g in watched)
            {
                if (g.Exception is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }
        }
        return emptied;
    }

    /// <summary>Kills every member; with <paramref name="block"/>, waits up to <paramref name="timeout"/> for them.
    /// Python: <c>group.kill(exception=GreenletExit, block=True, timeout=None)</c>.</summary>
    public void Kill(Exception? exception = null, bool block = true, TimeSpan? timeout = null)
    {
        if (block) Hub.RequireMain("HubGroup.Kill");
        _cancellation?.Cancel();
        Hub.KillAll([.. _members], exception, block, timeout);
    }

    /// <summary>Awaitable twin of <see cref="Kill"/>.</summary>
    public async ValueTask KillAsync(Exception? exception = null, TimeSpan? timeout = null)
    {
        _cancellation?.Cancel();
        await Hub.KillAllAsync([.. _members], exception, timeout).ConfigureAwait(true);
    }

    /// <summary>The members, as a snapshot. Python: <c>group.greenlets</c>.</summary>
    public IReadOnlyCollection<HubGreenlet> Greenlets => [.. _members];

    /// <summary>Python's repr.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"<{GetType().Name} members={Count}>");

    // The nursery cannot wait for the group to empty as gevent's join does: a failure must kill the siblings at once.
    private async ValueTask<bool> WaitEmptyAsync(Deadline deadline, bool failFast, CancellationToken cancellationToken)
    {
        _failure = null;
        while (_members.Count > 0)
        {
            if (deadline.HasExpired) return false;
            if (!await _emptyWaiters.WaitAsync("HubGroup.JoinAsync", deadline.RemainingOrNull, cancellationToken)) return _members.Count == 0;
            if (failFast && _failure is { } failure)
            {
                _failure = null;
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }
        }
        return true;
    }

    /// <summary>A member left (finished or discarded).</summary>
    private protected virtual void OnLeft()
    {
        if (_members.Count == 0 && _emptyWaiters.Count > 0) _emptyWaiters.WakeAll(Hub.Current, true);
    }

    private sealed class Member(HubGroup group) : IGreenletObserver
    {
        public void OnDone(HubGreenlet greenlet)
        {
            if (!group._members.Remove(greenlet)) return;
            if (greenlet.Exception is { } failure && group._emptyWaiters.Count > 0)
            {
                group._failure ??= failure;
                group._emptyWaiters.WakeAll(Hub.Current, true);
            }
            group.OnLeft();
        }
    }
}
