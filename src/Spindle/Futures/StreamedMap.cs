namespace Spindle;

/// <summary>
/// <see cref="ExecutorBase.Map{TSource, TResult}"/> with a bounded buffer (Python 3.14: <c>Executor.map(..., buffersize=N)</c>):
/// the first <c>N</c> chunks are submitted by the call, and each result taken submits the next chunk, so at most
/// <c>N</c> chunks are in flight or waiting to be yielded, however long the source.
/// </summary>
internal static class StreamedMap
{
    /// <summary>Submits the first chunks now and returns the lazy, ordered results.</summary>
    public static IEnumerable<TResult> Run<TSource, TResult>(IEnumerable<TSource[]> chunks, Func<TSource[], Future<TResult[]>> submit,
        int buffer, Deadline deadline)
    {
        var source = chunks.GetEnumerator();
        var window = new Queue<Future<TResult[]>>(Math.Min(buffer, 1024));
        try
        {
            Fill(source, submit, window, buffer);
        }
        catch
        {
            CancelAll(window);
            source.Dispose();
            throw;
        }
        return Results(source, submit, window, buffer, deadline);
    }

    private static void Fill<TSource, TResult>(IEnumerator<TSource[]> source, Func<TSource[], Future<TResult[]>> submit,
        Queue<Future<TResult[]>> window, int buffer)
    {
        while (window.Count < buffer && source.MoveNext()) window.Enqueue(submit(source.Current));
    }

    private static IEnumerable<TResult> Results<TSource, TResult>(IEnumerator<TSource[]> source, Func<TSource[], Future<TResult[]>> submit,
        Queue<Future<TResult[]>> window, int buffer, Deadline deadline)
    {
        using (source)
        {
            try
            {
                while (window.TryDequeue(out var future))
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
                    Fill(source, submit, window, buffer);
                    foreach (var result in results) yield return result;
                }
            }
            finally
            {
                CancelAll(window);
            }
        }
    }

    private static void CancelAll<TResult>(Queue<Future<TResult[]>> window)
    {
        foreach (var future in window) future.Cancel();
    }
}
