using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using Spindle.Serialization;

namespace Spindle.Pools;

/// <summary>
/// Work on its way to a worker process, already encoded (so that what cannot cross was refused at the call): how to
/// write it as a record, and how to deliver the result or the error that comes back. Pools and executors wrap their own
/// queued items in it; <see cref="Origin"/> points back at what they queued.
/// </summary>
internal abstract class RemoteTask
{
    /// <summary>What the pool or executor queued for this task (its drain hands these back).</summary>
    public object? Origin { get; set; }

    /// <summary>The method that does the work: the pool learns per method how long its tasks take.</summary>
    public abstract MethodInfo Method { get; }

    /// <summary>Calls of the method in the task (the items of a chunk).</summary>
    public virtual int Items => 1;

    /// <summary>Called before the first dispatch: false when the caller cancelled the task (it is then done, and never sent).</summary>
    public abstract bool TryStart();

    /// <summary>Appends the task's record (and anything the worker must know first) to <paramref name="output"/>.</summary>
    public abstract void Write(ByteBuffer output, long seq, byte flags, WorkerSlot worker);

    /// <summary>Delivers the result payload the worker sent.</summary>
    public abstract void Complete(ReadOnlySpan<byte> payload);

    /// <summary>Delivers a failure: the task's own exception, or why it could not run.</summary>
    public abstract void Fail(Exception error);

    protected static void WriteHeader(ByteBuffer output, byte kind, byte flags, long seq)
    {
        output.Write(kind);
        output.Write(flags);
        output.Write(seq);
    }
}

/// <summary>
/// One call (<c>Submit</c>, <c>ApplyAsync</c>): its shape (see <see cref="FunctionRef.ShapeOf"/>), the captured variables
/// of this very closure, and the work item its result completes.
/// </summary>
internal sealed class RemoteCall : RemoteTask
{
    private readonly IWorkItem _item;
    private readonly FunctionRef _shape;
    private readonly byte[] _target;
    private bool _started;

    /// <summary>Encodes the item's function; throws <see cref="NotTransferableException"/> when it cannot cross.</summary>
    public RemoteCall(IWorkItem item)
    {
        var function = item.Function ?? throw new InvalidOperationException("The work item has no function to send.");
        _item = item;
        _shape = FunctionRef.ShapeOf(function);
        _target = _shape.EncodeTarget(function);
    }

    public override MethodInfo Method => _shape.Method;

    public override bool TryStart()
    {
        if (_started) return true; // sent again after its worker died before starting it
        _started = true;
        return _item.Future.SetRunningOrNotifyCancel();
    }

    public override void Write(ByteBuffer output, long seq, byte flags, WorkerSlot worker)
    {
        worker.Define(_shape, output);
        WriteHeader(output, Wire.Call, flags, seq);
        output.Write(_shape.Id);
        output.Write(_target.Length);
        output.Write(_target);
    }

    public override void Complete(ReadOnlySpan<byte> payload)
    {
        try
        {
            _item.TryComplete(ValueCodec.Decode(payload));
        }
        catch (Exception e) when (e is SerializationFormatException or InvalidCastException)
        {
            _item.Fail(e);
        }
    }

    public override void Fail(Exception error) => _item.Fail(error);
}

/// <summary>
/// One chunk of a map: the function (sent once to each worker and cached there, see <see cref="FunctionRef"/>) and the
/// items, raw when they are primitives (<see cref="ItemBlock{T}"/>).
/// </summary>
internal sealed class RemoteChunk<TSource, TResult> : RemoteTask
{
    private readonly FunctionRef _function;
    private readonly ArraySegment<TSource> _items;
    private readonly byte[]? _encoded;
    private readonly IChunkTarget<TResult> _target;
    private bool _started;

    /// <summary>Encodes the function (once per delegate) and items that do not cross raw; throws <see cref="NotTransferableException"/>.</summary>
    public RemoteChunk(Func<TSource, TResult> function, ArraySegment<TSource> items, IChunkTarget<TResult> target)
    {
        _function = FunctionRef.For(function);
        _items = items;
        _encoded = ItemBlock<TSource>.IsRaw ? null : ItemBlock<TSource>.Encode(items);
        _target = target;
    }

    public override MethodInfo Method => _function.Method;

    public override int Items => _items.Count;

    public override bool TryStart()
    {
        if (_started) return true;
        _started = true;
        return _target.TryStart();
    }

    public override void Write(ByteBuffer output, long seq, byte flags, WorkerSlot worker)
    {
        worker.Define(_function, output);
        WriteHeader(output, Wire.Chunk, flags, seq);
        output.Write(_function.Id);
        output.Write(_items.Count);
        var block = _encoded ?? ItemBlock<TSource>.Bytes(_items);
        output.Write(block.Length);
        output.Write(block);
    }

    public override void Complete(ReadOnlySpan<byte> payload)
    {
        ReadOnlySpan<TResult> results;
        try
        {
            // Raw results are delivered in place, from the receive buffer: one copy, into wherever the target keeps them.
            results = ItemBlock<TResult>.Read(payload);
            if (results.Length != _items.Count)
                throw new InvalidDataException($"Malformed pool record: {results.Length} results for a chunk of {_items.Count} items.");
        }
        catch (Exception e) when (e is SerializationFormatException or InvalidDataException)
        {
            _target.Fail(e);
            return;
        }
        _target.Complete(results);
    }

    public override void Fail(Exception error) => _target.Fail(error);
}

/// <summary>
/// A function as workers know it: an id and its whole encoded form, sent to each worker once and kept there decoded
/// (the last <see cref="WorkerCapacity"/> of them). A map's function is one per delegate, so a map of many chunks decodes
/// it once per worker; a call's shape is one per lambda (delegate type, method, closure type), so each call sends only
/// the variables its closure captured — not the names of its types, assemblies and method again.
/// </summary>
internal sealed class FunctionRef
{
    /// <summary>Functions a worker keeps; the pool evicts in the same order as the worker, so both agree which it knows.</summary>
    public const int WorkerCapacity = 64;

    private static readonly ConditionalWeakTable<Delegate, FunctionRef> s_functions = [];
    private static readonly ConcurrentDictionary<(Type Delegate, MethodInfo Method, Type? Target), FunctionRef> s_shapes = new();
    private static int s_nextId;

    private readonly TypePlan? _targetPlan;

    private FunctionRef(Delegate function)
    {
        Payload = ValueCodec.Encode(function); // refuses what cannot cross, naming it, before anything is queued
        Method = function.Method;
        _targetPlan = function.Target is { } target ? TypePlans.For(target.GetType()) : null;
        Id = Interlocked.Increment(ref s_nextId);
    }

    public int Id { get; }

    /// <summary>The whole delegate, encoded (for a shape: the first closure of the lambda, whose own values go unused).</summary>
    public byte[] Payload { get; }

    public MethodInfo Method { get; }

    /// <summary>The function of a map: one per delegate.</summary>
    public static FunctionRef For(Delegate function) => s_functions.GetValue(function, static f => new FunctionRef(f));

    /// <summary>The shape of a call: one per lambda, shared by all its closures.</summary>
    public static FunctionRef ShapeOf(Delegate function)
    {
        var key = (function.GetType(), function.Method, function.Target?.GetType());
        return s_shapes.TryGetValue(key, out var shape) ? shape : s_shapes.GetOrAdd(key, _ => new FunctionRef(function));
    }

    /// <summary>
    /// The captured variables of one closure of this shape (only those its code reads), without the type names:
    /// the worker reads them against the shape's closure type. Empty for a function without a target.
    /// </summary>
    public byte[] EncodeTarget(Delegate function)
    {
        if (_targetPlan is null) return [];
        return DelegateTargets.Encode(function, _targetPlan);
    }
}
