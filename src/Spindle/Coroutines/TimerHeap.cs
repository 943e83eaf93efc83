namespace Spindle.Coroutines;

/// <summary>
/// Something a hub timer wakes besides a waiting greenlet (a <see cref="HubTimeout"/>, a delayed spawn).
/// </summary>
internal interface ITimerTarget
{
    /// <summary>Whether the timer numbered <paramref name="seq"/> still stands (false once cancelled or re-armed).</summary>
    bool IsCurrent(int seq);

    /// <summary>The timer fired; runs in the hub.</summary>
    void Fire(Hub hub, int seq);
}

/// <summary>
/// The hub's timers: a binary min-heap of deadlines (Stopwatch ticks), first-in first-out among equal deadlines.
/// Cancelling does not search the heap: a timer whose target moved on is stale, skipped when it surfaces, and the heap
/// is rebuilt without the stale ones when they outnumber the live ones (so short waits with long timeouts cannot pile up).
/// </summary>
internal sealed class TimerHeap
{
    private Entry[] _entries = new Entry[16];
    private long _order;

    /// <summary>Entries in the heap, stale ones included.</summary>
    public int Count { get; private set; }

    /// <summary>Timers added and neither fired nor abandoned (an estimate used to decide when to rebuild).</summary>
    public int Live { get; set; }

    /// <summary>The earliest deadline; only when <see cref="Count"/> is not zero.</summary>
    public long NextDeadline => _entries[0].Deadline;

    /// <summary>Adds a timer that wakes <paramref name="target"/> (a waiting <see cref="Greenlet"/> or an <see cref="ITimerTarget"/>).</summary>
    public void Add(long deadline, object target, int seq)
    {
        if (Count == _entries.Length) Array.Resize(ref _entries, Count * 2);
        var entry = new Entry(deadline, _order++, target, seq);
        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (!Less(entry, _entries[parent])) break;
            _entries[i] = _entries[parent];
            i = parent;
        }
        _entries[i] = entry;
        Live++;
    }

    /// <summary>Removes and returns the earliest timer.</summary>
    public (object Target, int Seq) Pop()
    {
        var top = _entries[0];
        var last = _entries[--Count];
        _entries[Count] = default;
        if (Count > 0) SiftDown(last, 0);
        return (top.Target, top.Seq);
    }

    /// <summary>Whether a popped or stored timer still stands.</summary>
    public static bool IsLive(object target, int seq) => target switch
    {
        Greenlet g => g.Waiting && g.WaitSeq == seq,
        ITimerTarget t => t.IsCurrent(seq),
        _ => false,
    };

    /// <summary>Rebuilds the heap without stale timers when they are more than half of it.</summary>
    public void CompactIfMostlyStale()
    {
        if (Count < 256 || Count < 2 * Live) return;
        var kept = 0;
        for (var i = 0; i < Count; i++)
        {
            if (IsLive(_entries[i].Target, _entries[i].Seq)) _entries[kept++] = _entries[i];
        }
        Array.Clear(_entries, kept, Count - kept);
        Count = kept;
        Live = kept;
        for (var i = Count / 2 - 1; i >= 0; i--) SiftDown(_entries[i], i);
    }

    private void SiftDown(Entry entry, int i)
    {
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= Count) break;
            if (child + 1 < Count && Less(_entries[child + 1], _entries[child])) child++;
            if (!Less(_entries[child], entry)) break;
            _entries[i] = _entries[child];
            i = child;
        }
        _entries[i] = entry;
    }

    private static bool Less(in Entry a, in Entry b) => a.Deadline < b.Deadline || (a.Deadline == b.Deadline && a.Order < b.Order);

    private readonly record struct Entry(long Deadline, long Order, object Target, int Seq);
}
