namespace Spindle.Coroutines;

/// <summary>
/// A group that runs at most <see cref="Size"/> coroutines at once: spawning waits for a free slot.
/// Python: <c>gevent.pool.Pool(size)</c>.
/// </summary>
public sealed class HubPool : HubGroup
{
    private readonly HubSemaphore? _slots; // null: no limit

    /// <summary>
    /// Creates a pool of <paramref name="size"/> slots; null (the default) places no limit, and 0 makes a pool no
    /// coroutine can ever enter (spawning blocks for ever; only <see cref="WaitAvailable"/> with a timeout makes sense).
    /// Python: <c>Pool(size=None)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is negative (Python: <c>ValueError</c>).</exception>
    public HubPool(int? size = null)
    {
        if (size is { } n)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(n, nameof(size));
            _slots = new HubSemaphore(n);
        }
        Size = size;
    }

    /// <summary>The number of slots; null when unlimited. Python: <c>Pool.size</c>.</summary>
    public int? Size { get; }

    /// <summary>Free slots; <see cref="int.MaxValue"/> when unlimited (gevent answers 1 there). Python: <c>Pool.free_count()</c>.</summary>
    public int FreeCount => _slots?.Value ?? int.MaxValue;

    /// <summary>Whether every slot is taken; never for an unlimited pool. Python: <c>Pool.full()</c>.</summary>
    public bool IsFull => FreeCount == 0;

    /// <summary>Spawns once a slot is free (main code; coroutines await <see cref="SpawnAsync(Func{Task}, CancellationToken)"/>).
    /// Python: <c>pool.spawn(function, *args)</c>.</summary>
    public override HubGreenlet Spawn(Func<Task> function) => MainGreenlet.Run("HubPool.Spawn", () => SpawnAsync(function));

    /// <summary>Spawns a coroutine with a result once a slot is free (main code). Python: <c>pool.spawn(function, *args)</c>.</summary>
    public override HubGreenlet<T> Spawn<T>(Func<Task<T>> function) => MainGreenlet.Run("HubPool.Spawn", () => SpawnAsync(function));

    /// <summary>Awaitable twin of <see cref="Spawn(Func{Task})"/>: waits for a free slot, then spawns.</summary>
    public async ValueTask<HubGreenlet> SpawnAsync(Func<Task> function, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        await TakeSlotAsync(cancellationToken).ConfigureAwait(true);
        return StartInSlot(new HubGreenlet(function));
    }

    /// <summary>Awaitable twin of <see cref="Spawn{T}(Func{Task{T}})"/>.</summary>
    public async ValueTask<HubGreenlet<T>> SpawnAsync<T>(Func<Task<T>> function, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        await TakeSlotAsync(cancellationToken).ConfigureAwait(true);
        return (HubGreenlet<T>)StartInSlot(new HubGreenlet<T>(function));
    }

    /// <summary>Adds a coroutine once a slot is free (main code). Python: <c>pool.add(greenlet)</c>.</summary>
    public override void Add(HubGreenlet greenlet)
    {
        ArgumentNullException.ThrowIfNull(greenlet);
        if (greenlet.IsDead || Contains(greenlet)) return;
        if (_slots is not null && !_slots.Acquire(TimeSpan.Zero)) MainGreenlet.Run("HubPool.Add", () => _slots.AcquireAsync());
        base.Add(greenlet);
    }

    /// <summary>Waits until a slot is free (main code). Python: <c>pool.wait_available(timeout=None)</c>.</summary>
    /// <returns>Whether a slot is free.</returns>
    public bool WaitAvailable(TimeSpan? timeout = null) => FreeCount > 0 || MainGreenlet.Run("HubPool.WaitAvailable", () => WaitAvailableAsync(timeout));

    /// <summary>Awaitable twin of <see cref="WaitAvailable"/>.</summary>
    public async ValueTask<bool> WaitAvailableAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (_slots is null) return true;
        if (!await _slots.AcquireAsync(timeout, cancellationToken).ConfigureAwait(true)) return false;
        _slots.Release();
        return true;
    }

    /// <summary>Waits for a free slot, then spawns: how the mapping methods of <see cref="HubGroup"/> enter the pool.</summary>
    private protected override async ValueTask<HubGreenlet<T>> SpawnInGroupAsync<T>(Func<Task<T>> function, CancellationToken cancellationToken) =>
        await SpawnAsync(function, cancellationToken).ConfigureAwait(true);

    private protected override void OnLeft()
    {
        _slots?.Release();
        base.OnLeft();
    }

    private async ValueTask TakeSlotAsync(CancellationToken cancellationToken)
    {
        if (_slots is not null) await _slots.AcquireAsync(null, cancellationToken).ConfigureAwait(true);
    }

    private HubGreenlet StartInSlot(HubGreenlet greenlet)
    {
        base.Add(greenlet);
        greenlet.Start();
        return greenlet;
    }
}
