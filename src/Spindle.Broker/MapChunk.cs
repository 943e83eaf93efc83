using Spindle.Serialization;

namespace Spindle.Broker;

/// <summary>A task that names what it runs better than its delegate's method does (worker logs, errors).</summary>
internal interface INamedTask
{
    string Name { get; }
}

/// <summary>
/// One chunk of a <see cref="ExecutorBase.Map{TSource, TResult}"/> on a broker: the function and its items, as public
/// state so that the chunk crosses to the worker whole (Python: <c>concurrent.futures.process._process_chunk</c>).
/// </summary>
internal sealed class MapChunk<TSource, TResult> : INamedTask
{
    public Func<TSource, TResult> Function { get; set; } = null!;

    public TSource[] Items { get; set; } = [];

    public string Name => $"map of {MethodRefs.Describe(Function.Method)} over {Items.Length} items";

    public TResult[] Run() => Array.ConvertAll(Items, item => Function(item));
}
