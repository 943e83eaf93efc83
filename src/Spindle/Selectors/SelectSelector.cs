using System.Numerics;
using Spindle.Native;

namespace Spindle.Selectors;

/// <summary>
/// A selector on select(2), the oldest and most portable mechanism: every wait copies two bitmaps of
/// <c>FD_SETSIZE</c> (1,024) bits and the kernel scans them, and no descriptor ≥ 1,024 can be watched at all — such a
/// descriptor is refused by <see cref="Selector.Register"/> rather than overrunning the bitmap. Python: <c>selectors.SelectSelector</c>.
/// </summary>
public sealed class SelectSelector : Selector
{
    private const int Words = Libc.FD_SETSIZE / 64;
    private readonly ulong[] _readSet = new ulong[Words];
    private readonly ulong[] _writeSet = new ulong[Words];
    private readonly ulong[] _readOut = new ulong[Words];
    private readonly ulong[] _writeOut = new ulong[Words];
    private int _maxFd = -1;

    /// <summary>Creates an empty select set. Python: <c>selectors.SelectSelector()</c>.</summary>
    /// <exception cref="ArgumentException">Its own wake-up descriptor is ≥ 1,024 (the process already has that many files open).</exception>
    public SelectSelector() => Initialize();

    private protected override string WaitSyscall => "select";

    private protected override void CheckDescriptor(int fd, object fileObject)
    {
        if (fd >= Libc.FD_SETSIZE)
            throw new ArgumentException(
                $"Cannot register {FileObjects.Describe(fileObject, fd)} with select(2): descriptors must be below FD_SETSIZE ({Libc.FD_SETSIZE}). Use PollSelector or EpollSelector.",
                nameof(fileObject));
    }

    private protected override void AddCore(int fd, SelectorEvents events)
    {
        Set(fd, events);
        _maxFd = Math.Max(_maxFd, fd);
    }

    private protected override void ModifyCore(int fd, SelectorEvents events) => Set(fd, events);

    private protected override void RemoveCore(int fd)
    {
        Set(fd, SelectorEvents.None);
        if (fd != _maxFd) return;
        _maxFd = -1;
        for (var w = fd / 64; w >= 0; w--)
        {
            var bits = _readSet[w] | _writeSet[w];
            if (bits == 0) continue;
            _maxFd = (w * 64) + 63 - BitOperations.LeadingZeroCount(bits);
            break;
        }
    }

    private protected override unsafe int WaitCore(TimeSpan? timeout)
    {
        // select(2) overwrites its sets: hand it copies of the registered ones (only the words in use).
        var used = (_maxFd / 64) + 1;
        Array.Copy(_readSet, _readOut, used);
        Array.Copy(_writeSet, _writeOut, used);
        var tv = timeout is { } t ? TimeVal.From(t) : default;
        fixed (ulong* read = _readOut)
        fixed (ulong* write = _writeOut)
            return Libc.Select(_maxFd + 1, read, write, null, timeout is null ? null : &tv);
    }

    private protected override void CollectCore(int count)
    {
        var used = (_maxFd / 64) + 1;
        for (var w = 0; w < used; w++)
        {
            var bits = _readOut[w] | _writeOut[w];
            while (bits != 0)
            {
                var bit = BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                var mask = 1UL << bit;
                var ready = ((_readOut[w] & mask) != 0 ? SelectorEvents.Read : 0) | ((_writeOut[w] & mask) != 0 ? SelectorEvents.Write : 0);
                Report((w * 64) + bit, ready);
            }
        }
    }

    private protected override void ReleaseCore() { }

    private void Set(int fd, SelectorEvents events)
    {
        var mask = 1UL << (fd & 63);
        var w = fd >> 6;
        _readSet[w] = (events & SelectorEvents.Read) != 0 ? _readSet[w] | mask : _readSet[w] & ~mask;
        _writeSet[w] = (events & SelectorEvents.Write) != 0 ? _writeSet[w] | mask : _writeSet[w] & ~mask;
    }
}
