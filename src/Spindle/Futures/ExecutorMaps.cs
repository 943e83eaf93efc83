namespace Spindle;

/// <summary>
/// <see cref="IExecutor.Map{TSource, TResult}"/> over several sources at once, as Python's <c>Executor.map(fn, *iterables)</c>:
/// the function takes one item of each, and the map stops at the end of the shortest source.
/// </summary>
public static class ExecutorMaps
{
    /// <summary>
    /// Applies <paramref name="fn"/> to the items of two sources taken pairwise, stopping with the shorter; results in
    /// order, as <see cref="IExecutor.Map{TSource, TResult}"/>. Python: <c>Executor.map(fn, iter1, iter2, timeout, chunksize, buffersize)</c>.
    /// </summary>
    /// <remarks>In a process pool the function crosses as a delegate: a static method or a lambda whose captures can cross.</remarks>
    public static IEnumerable<TResult> Map<T1, T2, TResult>(this IExecutor executor, Func<T1, T2, TResult> fn,
        IEnumerable<T1> first, IEnumerable<T2> second, TimeSpan? timeout = null, int chunkSize = 1,
        IProgress<MapProgress>? progress = null, int? bufferSize = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(fn);
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        return executor.Map(items => fn(items.Item1, items.Item2), first.Zip(second), timeout, chunkSize, progress, bufferSize, cancellationToken);
    }

    /// <summary>
    /// Applies <paramref name="fn"/> to the items of three sources taken together, stopping with the shortest.
    /// Python: <c>Executor.map(fn, iter1, iter2, iter3, timeout, chunksize, buffersize)</c>.
    /// </summary>
    /// <remarks>In a process pool the function crosses as a delegate: a static method or a lambda whose captures can cross.</remarks>
    public static IEnumerable<TResult> Map<T1, T2, T3, TResult>(this IExecutor executor, Func<T1, T2, T3, TResult> fn,
        IEnumerable<T1> first, IEnumerable<T2> second, IEnumerable<T3> third, TimeSpan? timeout = null, int chunkSize = 1,
        IProgress<MapProgress>? progress = null, int? bufferSize = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(fn);
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(third);
        return executor.Map(items => fn(items.Item1, items.Item2, items.Item3), first.Zip(second, third), timeout, chunkSize, progress, bufferSize, cancellationToken);
    }
}
