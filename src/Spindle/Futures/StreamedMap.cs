namespace Spindle;

/// <summary>
/// <see cref="ExecutorBase.Map{TSource, TResult}"/> with a bounded buffer (Python 3.14: <c>Executor.map(..., buffersize=N)</c>):
/// the first <c>N</c> chunks are submitted by the call, and each result taken submits the next chunk, so at most
/// <c>N</c> chunks are in flight or waiting to be yielded, however long the source. Progress reports carry no total until
/// the source is exhausted.
/// </summary>
internal sealed class StreamedMap<TSource, TResult>
{
    private readonly IEnumerator<TSource[]> _source;
    private readonly Func<TSource[], Future<TResult[]>> _submit;
    private readonly Queue<Future<TResult[]>> _window;
    private readonly int _buffer;
    private readonly IProgress<MapProgress>? _progress;
    private readonly Lock _gate = new();
    private int _read;
    private int _completed;
    private bool _exhausted;

    private StreamedMap(IEnumerable<TSource[]> chunks, Func<TSource[], Future<TResult[]>> submit, int buffer, IProgress<MapProgress>? progress)
    {
        _source = chunks.GetEnumerator();
        _submit = submit;
        _buffer = buffer;
        _progress = progress;
        _window = new Queue<Future<TResult[]>>(Math.Min(buffer, 1024));
    }

    /// <summary>Submits the first chunks now and returns the lazy, ordered results.</summary>
    public static IEnumerable<TResult> Run(IEnumerable<TSource[]> chunks, Func<TSource[], Future<TResult[]>> submit, int buffer, Deadline deadline,
        IProgress<MapProgress>? progress)
    {
        var map = new StreamedMap<TSource, TResult>(chunks, submit, buffer, progress);
        try
        {
            map.Fill();
        }
        catch
        {
            map.CancelAll();
            map._source.Dispose();
            throw;
        }
        return map.Results(deadline);
    }

    private void Fill()
    {
        while (_window.Count < _buffer)
        {
            if (!_source.MoveNext())
            {
                lock (_gate)
                {
                    if (_exhausted) return;
                    _exhausted = true;
                    _progress?.Report(new MapProgress(_completed, _read)); // the total is known now
                }
                return;
            }
            var chunk = _source.Current;
            var future = _submit(chunk);
            _window.Enqueue(future);
            lock (_gate) _read += chunk.Length;
            if (_progress is not null) future.AddDoneCallback(_ => Done(chunk.Length));
        }
    }

    private void Done(int items)
    {
        lock (_gate)
        {
            _completed += items;
            _progress!.Report(new MapProgress(_completed, _exhausted ? _read : null));
        }
    }

    private IEnumerable<TResult> Results(Deadline deadline)
    {
        using (_source)
        {
            try
            {
                while (_window.TryDequeue(out var future))
                {
                    TResult[] results;
                    try
                    {
                        results = future.Result(deadline.RemainingOrNull);
                    }
                    finally
                    {
                        future.Cancel(); // Python's _result_or_cancel: a timed-out future must not run for nothing
                    }
                    Fill();
                    foreach (var result in results) yield return result;
                }
            }
            finally
            {
                CancelAll();
            }
        }
    }

    private void CancelAll()
    {
        foreach (var future in _window) future.Cancel();
    }
}

/// <summary>Creates <see cref="StreamedMap{TSource, TResult}"/>s with the type arguments inferred.</summary>
internal static class StreamedMap
{
    /// <inheritdoc cref="StreamedMap{TSource, TResult}.Run"/>
    public static IEnumerable<TResult> Run<TSource, TResult>(IEnumerable<TSource[]> chunks, Func<TSource[], Future<TResult[]>> submit, int buffer,
        Deadline deadline, IProgress<MapProgress>? progress) =>
        StreamedMap<TSource, TResult>.Run(chunks, submit, buffer, deadline, progress);
}
