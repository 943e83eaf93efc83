using Spindle.Selectors;

namespace Spindle.Coroutines;

/// <summary>
/// A socket's registration with the hub's selector (once, for both directions, edge-triggered) and the greenlets parked
/// on it: at most one reader and one writer, as in gevent. An edge that arrives while nobody is parked is simply lost:
/// every operation tries the socket first and parks only on EAGAIN, so it never misses data that is already there.
/// </summary>
internal sealed class IoWatcher(object fileObject)
{
    private Greenlet? _reader;
    private int _readerSeq;
    private Greenlet? _writer;
    private int _writerSeq;

    /// <summary>What is registered with the selector.</summary>
    public object FileObject => fileObject;

    /// <summary>The hub it is registered with, if any.</summary>
    public Hub? Hub { get; set; }

    /// <summary>Refuses a second waiter in one direction.</summary>
    /// <exception cref="InvalidOperationException">Another greenlet already waits in that direction (gevent: "already waiting").</exception>
    public void EnsureFree(bool write)
    {
        var slot = write ? _writer : _reader;
        if (slot is { Waiting: true })
            throw new InvalidOperationException($"{slot} is already waiting to {(write ? "write to" : "read from")} this socket.");
    }

    /// <summary>Fills the slot with <paramref name="self"/>'s wait <paramref name="seq"/>.</summary>
    public void Park(bool write, Greenlet self, int seq)
    {
        ref var slot = ref write ? ref _writer : ref _reader;
        slot = self;
        if (write) _writerSeq = seq;
        else _readerSeq = seq;
    }

    /// <summary>Clears the slot of a wait that ended.</summary>
    public void Unpark(bool write, Greenlet self)
    {
        ref var slot = ref write ? ref _writer : ref _reader;
        if (slot == self) slot = null;
    }

    /// <summary>The selector reported readiness: wakes the parked reader and/or writer.</summary>
    public void OnReady(Hub hub, SelectorEvents events)
    {
        if ((events & SelectorEvents.Read) != 0 && _reader is { } reader)
        {
            _reader = null;
            hub.Wake(reader, _readerSeq);
        }
        if ((events & SelectorEvents.Write) != 0 && _writer is { } writer)
        {
            _writer = null;
            hub.Wake(writer, _writerSeq);
        }
    }

    /// <summary>The socket is closing: parked greenlets get <paramref name="error"/>.</summary>
    public void Cancel(Exception error)
    {
        if (Hub is not { } hub) return;
        if (_reader is { } reader) hub.Wake(reader, _readerSeq, null, error);
        if (_writer is { } writer) hub.Wake(writer, _writerSeq, null, error);
        _reader = _writer = null;
    }
}
