using System.Collections;
using System.Runtime.ExceptionServices;

namespace Spindle;

/// <summary>
/// The lazy results of <see cref="IPool.IMap{TSource, TResult}"/> and <see cref="IPool.IMapUnordered{TSource, TResult}"/>
/// (Python: <c>multiprocessing.pool.IMapIterator</c> and <c>IMapUnorderedIterator</c>): results are handed out as they
/// arrive, in input order or in completion order.
/// </summary>
/// <remarks>
/// A failed item (or, with chunks, a failed chunk) is thrown once, at its place, by <see cref="Next"/>; the following
/// call goes on with the next result, as Python's <c>next()</c> does. <c>foreach</c> stops at the first exception.
/// </remarks>
/// <typeparam name="T">The result type.</typeparam>
public sealed class PoolResultIterator<T> : IEnumerable<T>, IAsyncEnumerable<T>, IChunkSink<T>
{
    private readonly object _gate = new();
    private readonly bool _ordered;
    private readonly List<Entry> _slots = [];  // ordered: one per item fed so far
    private readonly Queue<Entry> _arrived = []; // unordered: in completion order
    private int _next;                         // ordered: next slot to hand out
    private int _expected;                     // entries to hand out for the items fed so far
    private bool _fed;                         // no more items will come
    private int _handedOut;
    private TaskCompletionSource? _signal;

    internal PoolResultIterator(bool ordered) => _ordered = ordered;

    private enum Kind : byte
    {
        Pending,
        Value,
        Error,
        Skipped, // the rest of a failed chunk: its error stands for all of it
    }

    /// <summary>
    /// Returns the next result, waiting for it at most <paramref name="timeout"/>.
    /// Python: <c>IMapIterator.next(timeout=None)</c>.
    /// </summary>
    /// <exception cref="TimeoutException">The next result did not arrive in time (Python: <c>multiprocessing.TimeoutError</c>).</exception>
    /// <exception cref="InvalidOperationException">Every result was handed out (Python: <c>StopIteration</c>).</exception>
    public T Next(TimeSpan? timeout = null) =>
        TryNext(timeout, out var value) ? value : throw new InvalidOperationException("No more results (StopIteration).");

    private bool TryNext(TimeSpan? timeout, out T value)
    {
        var deadline = Deadline.Start(timeout);
        lock (_gate)
        {
            while (true)
            {
                if (IsExhaustedLocked)
                {
                    value = default!;
                    return false;
                }
                if (TryTakeLocked(out var entry))
                {
                    value = Unwrap(entry);
                    return true;
                }
                var milliseconds = deadline.RemainingMilliseconds;
                if (milliseconds == 0) throw new TimeoutException($"The next result did not arrive within {timeout}.");
                Monitor.Wait(_gate, milliseconds);
            }
        }
    }

    /// <summary>Awaitable twin of <see cref="Next"/>.</summary>
    public async Task<T> NextAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var (more, value) = await TryNextAsync(timeout, cancellationToken).ConfigureAwait(false);
        return more ? value : throw new InvalidOperationException("No more results (StopIteration).");
    }

    private async Task<(bool More, T Value)> TryNextAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var deadline = Deadline.Start(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (IsExhaustedLocked) return (false, default!);
                if (TryTakeLocked(out var entry)) return (true, Unwrap(entry));
                _signal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                changed = _signal.Task;
            }
            try
            {
                await changed.WaitAsync(deadline.Remaining, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"The next result did not arrive within {timeout}.");
            }
        }
    }

    /// <summary>Whether results remain to be handed out (Python: <c>next()</c> would not raise <c>StopIteration</c>).</summary>
    public bool HasMore
    {
        get
        {
            lock (_gate) return !IsExhaustedLocked;
        }
    }

    private bool IsExhaustedLocked => _fed && _handedOut == _expected;

    /// <summary>Announces <paramref name="count"/> more items, before their chunk is queued.</summary>
    internal void Extend(int count)
    {
        lock (_gate)
        {
            if (_ordered) _slots.AddRange(Enumerable.Repeat(default(Entry), count));
            _expected += count;
        }
    }

    /// <summary>No more items will be announced: once the announced ones are handed out, the iteration ends.</summary>
    internal void EndFeeding()
    {
        lock (_gate)
        {
            _fed = true;
            SignalLocked();
        }
    }

    /// <summary>Enumerates the remaining results, waiting for each. Python: <c>IMapIterator.__iter__</c>.</summary>
    public IEnumerator<T> GetEnumerator()
    {
        while (TryNext(null, out var value)) yield return value;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Enumerates the remaining results asynchronously (Python: <c>IMapIterator.__iter__</c>, awaited).</summary>
    public async IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var (more, value) = await TryNextAsync(null, cancellationToken).ConfigureAwait(false);
            if (!more) yield break;
            yield return value;
        }
    }

    void IChunkSink<T>.OnChunkDone(int start, ReadOnlySpan<T> results)
    {
        lock (_gate)
        {
            for (var i = 0; i < results.Length; i++)
            {
                var entry = new Entry(Kind.Value, results[i], null);
                if (_ordered) _slots[start + i] = entry;
                else _arrived.Enqueue(entry);
            }
            SignalLocked();
        }
    }

    void IChunkSink<T>.OnChunkFailed(int start, int count, Exception error)
    {
        var failure = new Entry(Kind.Error, default!, ExceptionDispatchInfo.Capture(error));
        lock (_gate)
        {
            if (_ordered)
            {
                _slots[start] = failure;
                for (var i = 1; i < count; i++) _slots[start + i] = new Entry(Kind.Skipped, default!, null);
            }
            else
            {
                _arrived.Enqueue(failure);
            }
            _expected -= count - 1;
            SignalLocked();
        }
    }

    private bool TryTakeLocked(out Entry entry)
    {
        if (!_ordered) return _arrived.TryDequeue(out entry);
        while (_next < _slots.Count && _slots[_next].Kind == Kind.Skipped) _next++;
        entry = _next < _slots.Count ? _slots[_next] : default;
        if (entry.Kind == Kind.Pending) return false;
        _slots[_next++] = default; // do not keep results alive once handed out
        return true;
    }

    private T Unwrap(Entry entry)
    {
        _handedOut++;
        entry.Error?.Throw();
        return entry.Value;
    }

    private void SignalLocked()
    {
        Monitor.PulseAll(_gate);
        _signal?.TrySetResult();
        _signal = null;
    }

    private readonly record struct Entry(Kind Kind, T Value, ExceptionDispatchInfo? Error);
}
