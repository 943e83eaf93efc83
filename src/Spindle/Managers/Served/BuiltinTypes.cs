using Spindle.Threading;

namespace Spindle.Managers;

/// <summary>
/// The types every manager serves, by Python's type ids (<c>SyncManager.register('dict', dict, DictProxy)</c> …), and
/// how each is made from the arguments of its <see cref="Op.Create"/> request.
/// </summary>
internal static class BuiltinTypes
{
    internal const string Dict = "dict";
    internal const string List = "list";
    internal const string Namespace = "Namespace";
    internal const string Value = "Value";
    internal const string Array = "Array";
    internal const string Queue = "Queue";
    internal const string JoinableQueue = "JoinableQueue";
    internal const string Lock = "Lock";
    internal const string RLock = "RLock";
    internal const string Semaphore = "Semaphore";
    internal const string BoundedSemaphore = "BoundedSemaphore";
    internal const string Condition = "Condition";
    internal const string Event = "Event";
    internal const string Barrier = "Barrier";

    private static readonly HashSet<string> s_all =
        [Dict, List, Namespace, Value, Array, Queue, JoinableQueue, Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event, Barrier];

    internal static bool IsBuiltin(string typeId) => s_all.Contains(typeId);

    internal static Served Create(string typeId, ref WireReader args, ManagerServer server) => typeId switch
    {
        Dict => new ServedDict(ref args),
        List => new ServedList(ref args),
        Namespace => new ServedNamespace(),
        Value => new ServedValue(args.Blob().ToArray()),
        Array => new ServedArray(ref args),
        Queue or JoinableQueue => new ServedQueue(args.Int32()),
        Lock => new ServedLock(new ThreadLock()),
        RLock => new ServedLock(new CallerRLock()),
        Semaphore => new ServedLock(new ThreadSemaphore(args.Int32())),
        BoundedSemaphore => new ServedLock(new ThreadBoundedSemaphore(args.Int32())),
        Condition => new ServedCondition(args.Bool() ? LockOf(server, args.Int64()) : null),
        Event => new ServedEvent(),
        Barrier => new ServedBarrier(args.Int32(), args.Timeout()),
        _ => throw new ArgumentException($"'{typeId}' is not a built-in manager type."),
    };

    /// <summary>The lock a condition is made over: a lock of this same manager, named by its id (Python rebuilds the proxy to its referent in the server).</summary>
    private static ILock LockOf(ManagerServer server, long id) =>
        server.Find(id) is ServedLock { Lock: not ISemaphore } served ? served.Lock
        : throw new ArgumentException("A manager's Condition can only be made over a Lock or RLock of the same manager.");
}
