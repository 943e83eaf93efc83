namespace Spindle.Selectors;

/// <summary>
/// Waits until registered descriptors are ready for IO. Python: <c>selectors.BaseSelector</c>.
/// A file object is a <see cref="System.Net.Sockets.Socket"/>, a <see cref="System.Runtime.InteropServices.SafeHandle"/>,
/// an <see cref="IHasFileDescriptor"/> or a raw <see cref="int"/> fd, as Python accepts any object with <c>fileno()</c> or an int.
/// A selector is not thread-safe (nor is Python's): register, modify and select from one thread. The exceptions are
/// <see cref="Wake"/> and <see cref="IDisposable.Dispose"/>, which may be called from any thread.
/// </summary>
public interface ISelector : IDisposable
{
    /// <summary>
    /// Starts watching <paramref name="fileObject"/> for <paramref name="events"/>. Python: <c>register(fileobj, events, data=None)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Already registered (Python <c>KeyError</c>), an invalid event mask (Python <c>ValueError</c>),
    /// a descriptor that is not open, or one this mechanism cannot watch.</exception>
    /// <exception cref="ObjectDisposedException">The file object, or the selector, is closed.</exception>
    SelectorKey Register(object fileObject, SelectorEvents events, object? data = null);

    /// <summary>Stops watching <paramref name="fileObject"/>; works even once it is closed. Python: <c>unregister(fileobj)</c>.</summary>
    /// <exception cref="KeyNotFoundException">It is not registered (Python <c>KeyError</c>).</exception>
    SelectorKey Unregister(object fileObject);

    /// <summary>Changes the events and data of a registration. Python: <c>modify(fileobj, events, data=None)</c>.</summary>
    /// <exception cref="KeyNotFoundException">It is not registered (Python <c>KeyError</c>).</exception>
    /// <exception cref="ArgumentException">An invalid event mask (Python <c>ValueError</c>), or a descriptor the kernel no longer
    /// knows (closed): then, as Python, the registration is dropped.</exception>
    SelectorKey Modify(object fileObject, SelectorEvents events, object? data = null);

    /// <summary>
    /// Waits until at least one registration is ready, the timeout passes, or <see cref="Wake"/> is called, and returns the
    /// ready keys with the ready subset of their events. Python: <c>select(timeout=None)</c>. A signal interrupting the wait
    /// is retried with the remaining time (PEP 475). The list is reused by the next call: copy it to keep it.
    /// </summary>
    /// <param name="timeout">null or <see cref="Timeout.InfiniteTimeSpan"/> waits forever; <see cref="TimeSpan.Zero"/> or any
    /// other negative time only polls, as Python's <c>select(timeout)</c> with <c>timeout &lt;= 0</c>.</param>
    ReadyList Select(TimeSpan? timeout = null);

    /// <summary>
    /// <see cref="Select"/> on a thread-pool thread; cancelling wakes the wait and throws <see cref="OperationCanceledException"/>.
    /// Python: none (asyncio runs the selector itself).
    /// </summary>
    Task<ReadyList> SelectAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes a <see cref="Select"/> blocked on another thread return now (with whatever is ready, possibly nothing), or the next
    /// one if none is blocked. Safe from any thread. Python: none (asyncio's self-pipe; mio's <c>Waker</c>).
    /// </summary>
    void Wake();

    /// <summary>The key of a registration. Python: <c>get_key(fileobj)</c>.</summary>
    /// <exception cref="KeyNotFoundException">It is not registered (Python <c>KeyError</c>).</exception>
    SelectorKey GetKey(object fileObject);

    /// <summary>The key of a registration, if any. Python: <c>get_map().get(fileobj)</c>.</summary>
    bool TryGetKey(object fileObject, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SelectorKey? key);

    /// <summary>Every registration, by descriptor (a live read-only view, empty once the selector is disposed). Python: <c>get_map()</c>.</summary>
    IReadOnlyDictionary<int, SelectorKey> Keys { get; }
}
