namespace Spindle.Serialization;

/// <summary>
/// Implemented by Spindle's cross-process objects (locks, queues, pipes, shared memory) so that they travel to another
/// process <em>by reference</em>: the encoder asks the object for a <see cref="ShareableHandle"/> and the receiving side
/// rebuilds an object bound to the same kernel object through <see cref="IShareable{TSelf}.Import"/>.
/// Python: the reducers that <c>multiprocessing.reduction</c> registers for its synchronization primitives and
/// connections.
/// </summary>
/// <remarks>
/// Implement <see cref="IShareable{TSelf}"/>, not this interface alone: a type that cannot be imported is refused.
/// The same object met twice in one payload is exported once and arrives as one object.
/// </remarks>
public interface IShareable
{
    /// <summary>
    /// Describes this object for another process. Called on the sending side for every payload that contains the
    /// object; it must not block. Python: the reduce function of <c>multiprocessing.reduction</c>.
    /// </summary>
    ShareableHandle Export();
}

/// <summary>
/// The import half of <see cref="IShareable"/>: the receiving side finds <typeparamref name="TSelf"/> by its type
/// name in the payload and calls <see cref="Import"/>, so no registration has to run in the child first.
/// Python: the rebuild function returned by a <c>multiprocessing</c> reducer.
/// </summary>
/// <typeparam name="TSelf">The implementing type.</typeparam>
public interface IShareable<TSelf> : IShareable where TSelf : IShareable<TSelf>
{
    /// <summary>Rebuilds an object bound to the same kernel object as the one that exported <paramref name="handle"/>.</summary>
    static abstract TSelf Import(ShareableHandle handle);
}

/// <summary>
/// What an <see cref="IShareable"/> sends in place of itself: opaque state (a name, an offset, a generation …) and,
/// as an extension point, file descriptors. Python: the tuple a <c>multiprocessing</c> reducer returns.
/// </summary>
/// <remarks>
/// File descriptors: a handle's descriptors travel when the object is part of a child process's start payload (its
/// target, arguments or captures): the parent passes them beside the payload with SCM_RIGHTS on the control channel,
/// keeps its own copies open, and the child hands the received numbers (close-on-exec, owned by the importer) to
/// <see cref="IShareable{TSelf}.Import"/> in the same order. Anywhere else (a <see cref="ValueCodec"/> value, a pipe
/// message) a handle that carries descriptors is refused with <see cref="NotTransferableException"/>.
/// </remarks>
public sealed class ShareableHandle
{
    /// <summary>Creates a handle from opaque state and, later, file descriptors to pass along.</summary>
    /// <param name="state">Bytes the importer understands; copied into the payload as they are.</param>
    /// <param name="fileDescriptors">Descriptors the process layer must pass to the child (only in a process start payload).</param>
    public ShareableHandle(ReadOnlyMemory<byte> state, IReadOnlyList<int>? fileDescriptors = null)
    {
        State = state;
        FileDescriptors = fileDescriptors ?? [];
    }

    /// <summary>The exporter's opaque state.</summary>
    public ReadOnlyMemory<byte> State { get; }

    /// <summary>Descriptors that must travel with the state (passed with SCM_RIGHTS when a child process starts).</summary>
    public IReadOnlyList<int> FileDescriptors { get; }
}
