namespace Spindle;

/// <summary>A unit of pool work (Python: one <c>(job, i, func, args, kwds)</c> task tuple of <c>multiprocessing.pool</c>).</summary>
internal abstract class PoolTask
{
    /// <summary>Runs the work and delivers its outcome.</summary>
    public abstract void Run();

    /// <summary>Delivers <paramref name="reason"/> instead of running (the pool was terminated or broke).</summary>
    public abstract void Abandon(Exception reason);
}

/// <summary>Where the results of chunks go: a whole-list result, or an iterator.</summary>
internal interface IChunkSink<TResult>
{
    void OnChunkDone(int start, TResult[] results);

    void OnChunkFailed(int start, int count, Exception error);
}

/// <summary><c>apply_async</c>: one call, one future.</summary>
internal sealed class ApplyTask<T>(Func<T> fn, Future<T> future) : PoolTask
{
    public override void Run()
    {
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
}

/// <summary>One chunk of a map: the items, and the index of the first in the whole input (Python: <c>mapstar</c> over a chunk).</summary>
internal sealed class ChunkTask<TSource, TResult>(Func<TSource, TResult> fn, ArraySegment<TSource> items, int index, IChunkSink<TResult> sink)
    : PoolTask
{
    public Func<TSource, TResult> Function => fn;

    public ArraySegment<TSource> Items => items;

    public override void Run()
    {
        var results = new TResult[items.Count];
        try
        {
            for (var i = 0; i < results.Length; i++) results[i] = fn(items[i]);
        }
#pragma warning disable CA1031 // the chunk's exception is its outcome, delivered to the sink
        catch (Exception ex)
#pragma warning restore CA1031
        {
            sink.OnChunkFailed(index, items.Count, ex);
            return;
        }
        sink.OnChunkDone(index, results);
    }

    public override void Abandon(Exception reason) => sink.OnChunkFailed(index, items.Count, reason);

    /// <summary>Splits <paramref name="items"/> into chunks of <paramref name="chunkSize"/> (Python: <c>Pool._get_tasks</c>).</summary>
    public static List<PoolTask> Split(Func<TSource, TResult> fn, TSource[] items, int chunkSize, IChunkSink<TResult> sink)
    {
        var tasks = new List<PoolTask>((items.Length + chunkSize - 1) / chunkSize);
        for (var start = 0; start < items.Length; start += chunkSize)
            tasks.Add(new ChunkTask<TSource, TResult>(fn, new ArraySegment<TSource>(items, start, Math.Min(chunkSize, items.Length - start)), start, sink));
        return tasks;
    }
}

/// <summary>Assembles a map's chunks into one list (Python: <c>multiprocessing.pool.MapResult</c>): ready on the last chunk or the first failure.</summary>
internal sealed class MapSink<TResult>(Future<List<TResult>> future, int length) : IChunkSink<TResult>
{
    private readonly TResult[] _results = new TResult[length];
    private int _left = length;

    public void OnChunkDone(int start, TResult[] results)
    {
        results.CopyTo(_results, start);
        if (Interlocked.Add(ref _left, -results.Length) == 0) future.TrySetResult([.. _results]);
    }

    public void OnChunkFailed(int start, int count, Exception error) => future.TrySetException(error);
}
