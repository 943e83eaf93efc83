using Spindle.Selectors;
using Spindle.Tests.Support;

namespace Spindle.Tests.Selectors;

/// <summary>Python's <c>select.epoll</c> and <c>select.poll</c> objects, after CPython's test_epoll and test_poll.</summary>
public sealed class RawPollAndEpollTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    [Fact]
    public void An_epoll_object_closes_once_and_refuses_use_after()
    {
        var ep = new EpollObject();
        Assert.True(ep.FileDescriptor > 0);
        Assert.False(ep.IsClosed);
        ep.Close();
        Assert.True(ep.IsClosed);
        Assert.Equal(-1, ep.FileDescriptor);
        ep.Dispose(); // idempotent
        var (r, w) = Fds.Pipe();
        try
        {
            Assert.Throws<ObjectDisposedException>(() => ep.Register(r));
            Assert.Throws<ObjectDisposedException>(() => ep.Poll(TimeSpan.Zero));
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void Epoll_registration_errors_are_typed()
    {
        using var ep = new EpollObject();
        var (r, w) = Fds.Pipe();
        try
        {
            ep.Register(r, EpollMask.In);
            Assert.Throws<ArgumentException>(() => ep.Register(r, EpollMask.In)); // Python: FileExistsError
            Assert.Throws<KeyNotFoundException>(() => ep.Modify(w, EpollMask.Out)); // FileNotFoundError
            Assert.Throws<KeyNotFoundException>(() => ep.Unregister(w));
            Assert.Throws<ArgumentException>(() => ep.Register(Fds.ClosedDescriptor()));
            Assert.Throws<ArgumentOutOfRangeException>(() => ep.Poll(TimeSpan.Zero, maxEvents: 0));
            ep.Unregister(r);
            Assert.Empty(ep.Poll(TimeSpan.Zero));
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void Epoll_reports_readiness_with_the_kernels_bits_and_honours_maxEvents()
    {
        using var ep = new EpollObject();
        var (a, b) = Fds.SocketPair();
        try
        {
            ep.Register(a, EpollMask.In | EpollMask.Out);
            ep.Register(b, EpollMask.In | EpollMask.Out);
            var ready = ep.Poll(Long);
            Assert.Equal([(a, EpollMask.Out), (b, EpollMask.Out)], ready.OrderBy(x => x.Fd));
            Assert.Single(ep.Poll(Long, maxEvents: 1));
            Fds.Write(a);
            Assert.Contains((b, EpollMask.In | EpollMask.Out), ep.Poll(Long));
            ep.Modify(b, EpollMask.In);
            Assert.Contains((b, EpollMask.In), ep.Poll(Long));
        }
        finally { Fds.Close(a, b); }
    }

    [Fact]
    public void A_one_shot_registration_reports_once_until_modified()
    {
        using var ep = new EpollObject();
        var (r, w) = Fds.Pipe();
        try
        {
            Fds.Write(w);
            ep.Register(r, EpollMask.In | EpollMask.OneShot);
            Assert.Equal([(r, EpollMask.In)], ep.Poll(Long));
            Assert.Empty(ep.Poll(TimeSpan.Zero)); // still readable, but disarmed
            ep.Modify(r, EpollMask.In | EpollMask.OneShot);
            Assert.Equal([(r, EpollMask.In)], ep.Poll(Long));
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void FromFd_wraps_an_epoll_descriptor_and_owns_it()
    {
        using var ep = new EpollObject();
        var (r, w) = Fds.Pipe();
        try
        {
            ep.Register(r, EpollMask.In);
            Fds.Write(w);
            using var same = EpollObject.FromFd(Fds.DupAtLeast(ep.FileDescriptor, 3));
            Assert.Equal([(r, EpollMask.In)], same.Poll(Long));
            Assert.Throws<ArgumentOutOfRangeException>(() => EpollObject.FromFd(-1));
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void A_poll_object_reports_in_out_hangup_and_invalid_descriptors()
    {
        var poll = new PollObject();
        var (r, w) = Fds.Pipe();
        var closed = Fds.ClosedDescriptor();
        try
        {
            poll.Register(r, PollMask.In);
            poll.Register(w, PollMask.Out);
            Assert.Equal([(w, PollMask.Out)], poll.Poll(Long));
            Fds.Write(w);
            Assert.Equal([(r, PollMask.In), (w, PollMask.Out)], poll.Poll(Long));
            poll.Register(closed);
            Assert.Contains((closed, PollMask.Nval), poll.Poll(Long));
            poll.Unregister(closed);
            poll.Unregister(w);
            Fds.Close(w);
            w = -1;
            Assert.Equal([(r, PollMask.In | PollMask.Hup)], poll.Poll(Long));
            Assert.Equal(1, poll.Count);
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void Poll_registration_errors_are_typed_and_register_again_replaces_the_mask()
    {
        var poll = new PollObject();
        var (r, w) = Fds.Pipe();
        try
        {
            Assert.Throws<KeyNotFoundException>(() => poll.Modify(r, PollMask.In)); // Python: OSError(ENOENT)
            Assert.Throws<KeyNotFoundException>(() => poll.Unregister(r)); // KeyError
            Assert.Throws<ArgumentException>(() => poll.Register(-1));
            poll.Register(w, PollMask.In);
            Assert.Empty(poll.Poll(TimeSpan.Zero));
            poll.Register(w, PollMask.Out);
            Assert.Equal([(w, PollMask.Out)], poll.Poll(TimeSpan.Zero));
            poll.Modify(w, PollMask.In);
            Assert.Empty(poll.Poll(TimeSpan.Zero));
        }
        finally { Fds.Close(r, w); }
    }

    // CPython's test_poll_blocks_with_negative_ms and test_threaded_poll: a negative timeout waits; a second concurrent poll is refused.
    [Fact]
    public void A_negative_timeout_waits_for_data_and_a_concurrent_poll_is_refused()
    {
        var poll = new PollObject();
        var (r, w) = Fds.Pipe();
        try
        {
            poll.Register(r, PollMask.In);
            var ready = Fds.WhileBlocked(() => poll.Poll(TimeSpan.FromSeconds(-1)), () =>
            {
                Assert.Throws<InvalidOperationException>(() => poll.Poll(TimeSpan.Zero));
                Fds.Write(w);
            });
            Assert.Equal([(r, PollMask.In)], ready);
        }
        finally { Fds.Close(r, w); }
    }
}
