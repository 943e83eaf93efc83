using Spindle.Native;

namespace Spindle.Selectors;

/// <summary>
/// A selector on poll(2): no descriptor limit, but every wait copies and scans the whole set, so its cost grows with the
/// number of registrations. Python: <c>selectors.PollSelector</c>.
/// </summary>
public sealed class PollSelector : Selector
{
    private readonly Dictionary<int, int> _slots = [];
    private PollFd[] _fds = new PollFd[8];
    private int _count;

    /// <summary>Creates an empty poll set. Python: <c>selectors.PollSelector()</c>.</summary>
    public PollSelector() => Initialize();

    private protected override string WaitSyscall => "poll";

    private protected override void AddCore(int fd, SelectorEvents events)
    {
        if (_count == _fds.Length) Array.Resize(ref _fds, _count * 2);
        _fds[_count] = new PollFd { Fd = fd, Events = PollEvents.From(events) };
        _slots.Add(fd, _count++);
    }

    private protected override void ModifyCore(int fd, SelectorEvents events) => _fds[_slots[fd]].Events = PollEvents.From(events);

    private protected override void RemoveCore(int fd)
    {
        if (!_slots.Remove(fd, out var slot)) return;
        // Swap the last entry into the hole: order does not matter to poll(2).
        var last = --_count;
        if (slot != last)
        {
            _fds[slot] = _fds[last];
            _slots[_fds[slot].Fd] = slot;
        }
        _fds[last] = default;
    }

    private protected override unsafe int WaitCore(TimeSpan? timeout)
    {
        fixed (PollFd* fds = _fds)
            return Libc.Poll(fds, (nuint)_count, WaitTimeout.ToMilliseconds(timeout));
    }

    private protected override void CollectCore(int count)
    {
        for (var i = 0; i < _count && count > 0; i++)
        {
            var revents = _fds[i].REvents;
            if (revents == 0) continue;
            count--;
            Report(_fds[i].Fd, PollEvents.To(revents));
        }
    }

    private protected override void ReleaseCore() { }
}
