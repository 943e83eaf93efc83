using System.Diagnostics;
using Spindle.Serialization;

namespace Spindle.Pools;

/// <summary>
/// A function the pool defined: a map's function (its chunk runner made once), or a call's shape (each call binds
/// the shape's method to the closure it brings).
/// </summary>
internal sealed class WorkerFunction(Delegate? prototype, SerializationFormatException? error)
{
    private readonly TypePlan? _targetPlan = prototype?.Target is { } target ? TypePlans.For(target.GetType()) : null;
    private IChunkRunner? _chunkRunner;
    private ICallRunner? _callRunner;

    public void Call(long seq, ReadOnlySpan<byte> target, WorkerOutput output)
    {
        Delegate bound;
        try
        {
            bound = Bind(target);
        }
        catch (SerializationFormatException e)
        {
            output.Error(seq, e);
            return;
        }
        _callRunner ??= (ICallRunner)Activator.CreateInstance(typeof(CallRunner<>).MakeGenericType(bound.GetType().GetGenericArguments()[0]))!;
        _callRunner.Run(seq, bound, output);
    }

    public void Chunk(long seq, bool timed, int count, ReadOnlySpan<byte> block, WorkerOutput output, WorkerLedger ledger)
    {
        if (prototype is null)
        {
            output.Error(seq, error!);
            return;
        }
        _chunkRunner ??= (IChunkRunner)Activator.CreateInstance(typeof(ChunkRunner<,>).MakeGenericType(prototype.GetType().GetGenericArguments()), prototype)!;
        _chunkRunner.Run(seq, timed, count, block, output, ledger);
    }

    private Delegate Bind(ReadOnlySpan<byte> target)
    {
        if (prototype is null) throw error!;
        if (_targetPlan is null) return prototype;
        var closure = DelegateTargets.Decode(target, _targetPlan);
        return DelegateFactory.Create(prototype.GetType(), prototype.Method, closure)
            ?? throw new SerializationFormatException($"Malformed pool record: {prototype.Method.Name} does not bind to the closure it was sent.");
    }
}

internal interface ICallRunner
{
    void Run(long seq, Delegate function, WorkerOutput output);
}

internal sealed class CallRunner<T> : ICallRunner
{
    public void Run(long seq, Delegate function, WorkerOutput output)
    {
        T result;
        try
        {
            result = ((Func<T>)function)();
        }
#pragma warning disable CA1031 // the task's exception is its outcome, sent to the pool
        catch (Exception e)
#pragma warning restore CA1031
        {
            output.Error(seq, e);
            return;
        }
        output.Value(seq, result);
    }
}

internal interface IChunkRunner
{
    void Run(long seq, bool timed, int count, ReadOnlySpan<byte> block, WorkerOutput output, WorkerLedger ledger);
}

/// <summary>Runs a map's function over a chunk: raw items in, raw results written in place when both are primitives.</summary>
internal sealed class ChunkRunner<TSource, TResult>(Func<TSource, TResult> function) : IChunkRunner
{
    public void Run(long seq, bool timed, int count, ReadOnlySpan<byte> block, WorkerOutput output, WorkerLedger ledger)
    {
        try
        {
            if (ItemBlock<TSource>.IsRaw && ItemBlock<TResult>.IsRaw) RunRaw(seq, timed, count, block, output, ledger);
            else RunEncoded(seq, timed, count, block, output, ledger);
        }
#pragma warning disable CA1031 // the chunk's exception is its outcome (Python: the whole chunk fails), sent to the pool
        catch (Exception e)
#pragma warning restore CA1031
        {
            output.Error(seq, e);
        }
    }

    private void RunRaw(long seq, bool timed, int count, ReadOnlySpan<byte> block, WorkerOutput output, WorkerLedger ledger)
    {
        var items = ItemBlock<TSource>.Cast(block);
        if (items.Length != count) throw new InvalidDataException($"Malformed pool record: {items.Length} items where {count} were announced.");
        var bytes = count * ItemBlock<TResult>.RawSize;
        var results = ItemBlock<TResult>.CastWritable(output.ReserveRaw(bytes));
        var fn = function;
        if (timed)
        {
            for (var i = 0; i < items.Length; i++)
            {
                ledger.StartedAt = Stopwatch.GetTimestamp();
                results[i] = fn(items[i]);
            }
        }
        else
        {
            for (var i = 0; i < items.Length; i++) results[i] = fn(items[i]);
        }
        output.CommitRaw(seq, bytes);
    }

    private void RunEncoded(long seq, bool timed, int count, ReadOnlySpan<byte> block, WorkerOutput output, WorkerLedger ledger)
    {
        var items = ItemBlock<TSource>.Read(block);
        if (items.Length != count) throw new InvalidDataException($"Malformed pool record: {items.Length} items where {count} were announced.");
        var results = new TResult[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            if (timed) ledger.StartedAt = Stopwatch.GetTimestamp();
            results[i] = function(items[i]);
        }
        if (!ItemBlock<TResult>.IsRaw)
        {
            output.Value(seq, results);
            return;
        }
        var bytes = results.Length * ItemBlock<TResult>.RawSize;
        ItemBlock<TResult>.Bytes(results).CopyTo(output.ReserveRaw(bytes));
        output.CommitRaw(seq, bytes);
    }
}
