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

    /// <summary>
    /// Runs <paramref name="function"/> in the group (in a <see cref="HubPool"/>, once a slot is free) and returns its
    /// result, raising its exception (main code; coroutines await <see cref="ApplyAsync"/>). Python:
    /// <c>group.apply(func, args, kwds)</c>.
    /// </summary>
    public T Apply<T>(Func<Task<T>> function) => MainGreenlet.Run("HubGroup.Apply", () => ApplyAsync(function));

    /// <summary>
    /// Awaitable twin of <see cref="Apply"/>. Called from a member of the group it runs <paramref name="function"/> in
    /// the caller, as gevent does: a member waiting for a slot of its own full pool would wait for ever.
    /// </summary>
    public async ValueTask<T> ApplyAsync<T>(Func<Task<T>> function, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (Greenlet.Current is HubGreenlet self && Contains(self)) return await function().ConfigureAwait(true);
        var g = await SpawnInGroupAsync(function, cancellationToken).ConfigureAwait(true);
        return (await g.GetAsync(null, cancellationToken).ConfigureAwait(true))!;
    }

    /// <summary>
    /// Spawns <paramref name="function"/> into the group and returns the greenlet without waiting for it; once it
    /// succeeds, <paramref name="callback"/> gets its result in the hub (main code; coroutines await
    /// <see cref="ApplyInBackgroundAsync"/>). Python: <c>group.apply_async(func, args, kwds, callback)</c> (named so
    /// here because an <c>…Async</c> method is the awaitable twin of a blocking one).
    /// </summary>
    public HubGreenlet<T> ApplyInBackground<T>(Func<Task<T>> function, Action<T>? callback = null) =>
        MainGreenlet.Run("HubGroup.ApplyInBackground", () => ApplyInBackgroundAsync(function, callback));

    /// <summary>Awaitable twin of <see cref="ApplyInBackground"/>: in a <see cref="HubPool"/>, waits for a free slot.</summary>
    public async ValueTask<HubGreenlet<T>> ApplyInBackgroundAsync<T>(
        Func<Task<T>> function, Action<T>? callback = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        var g = await SpawnInGroupAsync(function, cancellationToken).ConfigureAwait(true);
        if (callback is not null) g.LinkValue(x => callback(((HubGreenlet<T>)x).Value!));
        return g;
    }

    /// <summary>
    /// Applies <paramref name="function"/> to every item in the group (in a <see cref="HubPool"/>, at most its size at a
    /// time) and returns the results in the order of the items, raising the first failure in that order (main code).
    /// Python: <c>group.map(func, iterable)</c>.
    /// </summary>
    public IReadOnlyList<TResult> Map<TItem, TResult>(Func<TItem, Task<TResult>> function, IEnumerable<TItem> items) =>
        MainGreenlet.Run("HubGroup.Map", () => MapAsync(function, items));

    /// <summary>Awaitable twin of <see cref="Map"/>.</summary>
    public async ValueTask<IReadOnlyList<TResult>> MapAsync<TItem, TResult>(
        Func<TItem, Task<TResult>> function, IEnumerable<TItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(items);
        var spawned = new List<HubGreenlet<TResult>>();
        foreach (var item in items) spawned.Add(await SpawnInGroupAsync(() => function(item), cancellationToken).ConfigureAwait(true));
        var results = new List<TResult>(spawned.Count);
        foreach (var g in spawned) results.Add((await g.GetAsync(null, cancellationToken).ConfigureAwait(true))!);
        return results;
    }

    /// <summary>
    /// Starts <see cref="Map"/> in a greenlet of its own (outside the group, so it takes no slot) and returns that
    /// greenlet at once; its value is the list of results, and <paramref name="callback"/> gets the list in the hub
    /// once it succeeds. Python: <c>group.map_async(func, iterable, callback)</c>.
    /// </summary>
    public HubGreenlet<IReadOnlyList<TResult>> MapInBackground<TItem, TResult>(
        Func<TItem, Task<TResult>> function, IEnumerable<TItem> items, Action<IReadOnlyList<TResult>>? callback = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(items);
        var g = Hub.Spawn(() => MapAsync(function, items).AsTask());
        if (callback is not null) g.LinkValue(x => callback(((HubGreenlet<IReadOnlyList<TResult>>)x).Value!));
        return g;
    }

    /// <summary>
    /// Applies <paramref name="function"/> to the items in the group, spawning them as the group (or the pool's slots)
    /// allows, and yields the results lazily in the order of the items; a failure is raised when its turn comes. Each
    /// step blocks the main code while the hub runs; coroutines use <see cref="IMapAsync"/>. Python:
    /// <c>group.imap(func, iterable)</c>.
    /// </summary>
    public IEnumerable<TResult> IMap<TItem, TResult>(Func<TItem, Task<TResult>> function, IEnumerable<TItem> items) =>
        Blocking(IMapAsync(function, items), "HubGroup.IMap");

    /// <summary>Awaitable twin of <see cref="IMap"/>.</summary>
    public IAsyncEnumerable<TResult> IMapAsync<TItem, TResult>(
        Func<TItem, Task<TResult>> function, IEnumerable<TItem> items, CancellationToken cancellationToken = default) =>
        MapLazily(function, items, ordered: true, cancellationToken);

    /// <summary>
    /// Like <see cref="IMap"/>, but yields each result as soon as it is ready, whatever its item's place. Python:
    /// <c>group.imap_unordered(func, iterable)</c>.
    /// </summary>
    public IEnumerable<TResult> IMapUnordered<TItem, TResult>(Func<TItem, Task<TResult>> function, IEnumerable<TItem> items) =>
        Blocking(IMapUnorderedAsync(function, items), "HubGroup.IMapUnordered");

    /// <summary>Awaitable twin of <see cref="IMapUnordered"/>.</summary>
    public IAsyncEnumerable<TResult> IMapUnorderedAsync<TItem, TResult>(
        Func<TItem, Task<TResult>> function, IEnumerable<TItem> items, CancellationToken cancellationToken = default) =>
        MapLazily(function, items, ordered: false, cancellationToken);

    /// <summary>The members, as a snapshot. Python: <c>group.greenlets</c>.</summary>
    public IReadOnlyCollection<HubGreenlet> Greenlets => [.. _members];

    /// <summary>Python's repr.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"<{GetType().Name} members={Count}>");

    /// <summary>Spawns into the group; a <see cref="HubPool"/> first waits for a free slot.</summary>
    private protected virtual ValueTask<HubGreenlet<T>> SpawnInGroupAsync<T>(Func<Task<T>> function, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Spawn(function));

    private static IEnumerable<T> Blocking<T>(IAsyncEnumerable<T> source, string operation)
    {
        Hub.RequireMain(operation);
        return Iterate(source, operation);

        static IEnumerable<T> Iterate(IAsyncEnumerable<T> source, string operation)
        {
            var e = source.GetAsyncEnumerator();
            try
            {
                while (MainGreenlet.Run(operation, e.MoveNextAsync)) yield return e.Current;
            }
            finally
            {
                MainGreenlet.Run(operation, e.DisposeAsync);
            }
        }
    }

    // gevent's IMap: a feeder greenlet spawns the items as the group allows, so the caller can take early results
    // while later items wait for a slot. Ordered, a greenlet is queued when spawned (the caller waits for each in
    // turn); unordered, when it finishes. The null the feeder's end queues says how many to expect.
    private async IAsyncEnumerable<TResult> MapLazily<TItem, TResult>(
        Func<TItem, Task<TResult>> function, IEnumerable<TItem> items, bool ordered,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(items);
        var queue = new HubQueue<HubGreenlet<TResult>?>();
        var spawned = 0;
        var feeder = Hub.Spawn(async () =>
        {
            foreach (var item in items)
            {
                var g = await SpawnInGroupAsync(() => function(item), cancellationToken).ConfigureAwait(true);
                spawned++;
                if (ordered) queue.PutNoWait(g);
                else g.RawLink(done => queue.PutNoWait((HubGreenlet<TResult>)done));
            }
        });
        feeder.RawLink(_ => queue.PutNoWait(null));
        try
        {
            var fed = false;
            var taken = 0;
            while (!fed || (!ordered && taken < spawned))
            {
                var g = await queue.GetAsync(null, cancellationToken).ConfigureAwait(true);
                if (g is null)
                {
                    fed = true;
                    await feeder.GetAsync(null, cancellationToken).ConfigureAwait(true); // the items' own failure
                    continue;
                }
                taken++;
                yield return (await g.GetAsync(null, cancellationToken).ConfigureAwait(true))!;
            }
        }
        finally
        {
            // A caller that stops early stops the spawning; the greenlets already spawned finish in the group.
            feeder.Kill(block: false);
        }
    }

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
