namespace Spindle;

/// <summary>
/// How far a map has come, reported through <see cref="IProgress{T}"/> as its chunks finish (beyond Python, whose
/// maps report nothing until they end). A failed chunk counts as done: its items will not be worked on again.
/// </summary>
/// <param name="Completed">Items whose results (or errors) have arrived.</param>
/// <param name="Total">Items in the whole map; null while a lazy source (<see cref="IPool.IMap{TSource, TResult}"/>) is still producing.</param>
public readonly record struct MapProgress(int Completed, int? Total)
{
    /// <summary>The share done, from 0 to 1; null while the total is unknown.</summary>
    public double? Fraction => Total is > 0 and var total ? (double)Completed / total : Total == 0 ? 1 : null;
}
