using System.Runtime.InteropServices;

namespace Spindle;

/// <summary>A unit of pool work (Python: one <c>(job, i, func, args, kwds)</c> task tuple of <c>multiprocessing.pool</c>).</summary>
internal abstract class PoolTask
{
    /// <summary>Runs the work and delivers its outcome (a pool whose workers are threads calls this).</summary>
    public abstract void Run();

    /// <summary>Delivers <paramref name="reason"/> instead of running (the pool was terminated or broke).</summary>
    public abstract void Abandon(Exception reason);

    /// <summary>
    /// Called once before the work first starts, wherever it runs: false when its caller cancelled it meanwhile (its
    /// outcome is then already delivered, and the work must not run).
    /// </summary>
    public abstract bool TryStart();
}

/// <summary>Where the results of chunks go: a whole-list result, or an iterator.</summary>
internal interface IChunkSink<TResult>
{
    /// <summary>A chunk's results, in a span the sink copies from before it returns (a worker's receive buffer, or an array).</summary>
    void OnChunkDone(int start, ReadOnlySpan<TResult> results);

    void OnChunkFailed(int start, int count, Exception error);
}

/// <summary>Where a chunk computed elsewhere (in a worker process) is started and delivered: a pool's chunk, or an executor's.</summary>
internal interface IChunkTarget<TResult>
{
    /// <summary>False when the chunk was cancelled before it started (it must not run).</summary>
    bool TryStart();

    /// <summary>Delivers the results; the span is only valid during the call.</summary>
    void Complete(ReadOnlySpan<TResult> results);

    void Fail(Exception error);
}

/// <summary>What a pool that ships chunks elsewhere does with a chunk of any item and result types.</summary>
internal interface IChunkVisitor<out TOut>
{
    TOut Visit<TSource, TResult>(ChunkTask<TSource, TResult> chunk);
}

/// <summary>A chunk of a map, whatever its item and result types (so a visitor can get them back).</summary>
internal interface IVisitableChunk
{
    TOut Accept<TOut>(IChunkVisitor<TOut> visitor);
}

/// <summary>
/// <c>apply_async</c>: one call, one future. It is also an <see cref="IWorkItem"/>, so a pool whose workers are
/// processes ships it exactly as an executor ships a submitted call.
/// </summary>
internal sealed class ApplyTask<T>(Func<T> fn, Future<T> future) : PoolTask, IWorkItem
{
    public Future Future => future;

    public Delegate Function => fn;

    public override bool TryStart() => future.SetRunningOrNotifyCancel();

    public override void Run()
    {
        if (!TryStart()) return;
        T result;
        try
        {
            result = fn();
        }
#pragma warning disable CA1031 // the task's exception is its outcome, rethrown by Get()
        catch (Exception ex)
#pragma warning restore CA1031
        {
            future.TrySetException(ex);
            return;
        }
        future.TrySetResult(result);
    }

    public override void Abandon(Exception reason) => future.TrySetException(reason);

    public void Fail(Exception reason) => Abandon(reason);

    public bool TryComplete(object? result) => future.TrySetResult((T)result!);
}

/// <summary>One chunk of a map: the items, and the index of the first in the whole input (Python: <c>mapstar</c> over a chunk).</summary>
internal sealed class ChunkTask<TSource, TResult>(Func<TSource, TResult> fn, ArraySegment<TSource> items, int index, IChunkSink<TResult> sink,
    CancellationToken cancellationToken = default) : PoolTask, IChunkTarget<TResult>, IVisitableChunk
{
    public Func<TSource, TResult> Function => fn;

    public ArraySegment<TSource> Items => items;

    public override bool TryStart()
    {
        if (!cancellationToken.IsCancellationRequested) return true;
        Abandon(new FutureCancelledException("The map was cancelled before this chunk started."));
        return false;
    }

    public override void Run()
    {
        if (!TryStart()) return;
        var results = new TResult[items.Count];
        try
        {
            for (var i = 0; i < results.Length; i++) results[i] = fn(items[i]);
        }
#pragma warning disable CA1031 // the chunk's exception is its outcome, delivered to the sink
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Fail(ex);
            return;
        }
        Complete(results);
    }

    /// <summary>Delivers the chunk's results, computed here or elsewhere.</summary>
    public void Complete(ReadOnlySpan<TResult> results) => sink.OnChunkDone(index, results);

    /// <summary>Delivers the chunk's failure (Python: the whole chunk fails with its first exception).</summary>
    public void Fail(Exception error) => sink.OnChunkFailed(index, items.Count, error);

    public override void Abandon(Exception reason) => Fail(reason);

    public TOut Accept<TOut>(IChunkVisitor<TOut> visitor) => visitor.Visit(this);

    /// <summary>Splits <paramref name="items"/> into chunks of <paramref name="chunkSize"/> (Python: <c>Pool._get_tasks</c>).</summary>
    public static List<PoolTask> Split(Func<TSource, TResult> fn, TSource[] items, int chunkSize, IChunkSink<TResult> sink,
        CancellationToken cancellationToken)
    {
        var tasks = new List<PoolTask>((items.Length + chunkSize - 1) / chunkSize);
        for (var start = 0; start < items.Length; start += chunkSize)
        {
            var segment = new ArraySegment<TSource>(items, start, Math.Min(chunkSize, items.Length - start));
            tasks.Add(new ChunkTask<TSource, TResult>(fn, segment, start, sink, cancellationToken));
        }
        return tasks;
    }
}

/// <summary>
/// Assembles a map's chunks into one list (Python: <c>multiprocessing.pool.MapResult</c>): ready on the last chunk or
/// the first failure. Chunks are copied straight into the list that is the result.
/// </summary>
internal sealed class MapSink<TResult> : IChunkSink<TResult>
{
    private readonly Future<List<TResult>> _future;
    private readonly List<TResult> _results;
    private int _left;

    public MapSink(Future<List<TResult>> future, int length)
    {
        _future = future;
        _results = new List<TResult>(length);
        CollectionsMarshal.SetCount(_results, length);
        _left = length;
    }

    // Chunks fill disjoint ranges, possibly at once from several threads; the last one publishes the list.
    public void OnChunkDone(int start, ReadOnlySpan<TResult> results)
    {
        results.CopyTo(CollectionsMarshal.AsSpan(_results)[start..]);
        if (Interlocked.Add(ref _left, -results.Length) == 0) _future.TrySetResult(_results);
    }

    public void OnChunkFailed(int start, int count, Exception error) => _future.TrySetException(error);
}

/// <summary>
/// Counts the items of finished chunks and reports them on the pool's result-handler thread, so a slow
/// <see cref="IProgress{T}"/> never holds back a worker or a result. Reports only grow, and the last one is the final count.
/// </summary>
internal sealed class ProgressSink<TResult>(IChunkSink<TResult> inner, IProgress<MapProgress> progress, int? total, Action<Action> post)
    : IChunkSink<TResult>
{
    private readonly int _total = total ?? -1;
    private int _completed;
    private int _reported = -1; // touched only on the result-handler thread

    public void OnChunkDone(int start, ReadOnlySpan<TResult> results)
    {
        inner.OnChunkDone(start, results);
        Count(results.Length);
    }

    public void OnChunkFailed(int start, int count, Exception error)
    {
        inner.OnChunkFailed(start, count, error);
        Count(count);
    }

    private void Count(int items)
    {
        Interlocked.Add(ref _completed, items);
        // Whichever report runs last reads the final count; the ones before it may skip a step, never go back.
        post(Report);
    }

    private void Report()
    {
        var done = Volatile.Read(ref _completed);
        if (done == _reported) return;
        _reported = done;
        progress.Report(new MapProgress(done, _total >= 0 ? _total : null));
    }
}
