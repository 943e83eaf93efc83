using Spindle.Selectors;
using Spindle.Tests.Support;

namespace Spindle.Tests.Selectors;

/// <summary>What only epoll offers: edge-triggered reporting and a wait whose cost does not depend on idle descriptors.</summary>
public sealed class EpollSpecificTests : LeakCheckedTest
{
    [Fact]
    public void Edge_triggered_reports_once_until_more_data_arrives()
    {
        var (r, w) = Fds.Pipe();
        try
        {
            using var selector = new EpollSelector(edgeTriggered: true);
            Assert.True(selector.EdgeTriggered);
            selector.Register(r, SelectorEvents.Read);
            Fds.Write(w);
            Assert.Single(selector.Select(TimeSpan.Zero));
            // Still unread, but no new edge: not reported again.
            Assert.Empty(selector.Select(TimeSpan.Zero));
            Fds.Write(w);
            Assert.Single(selector.Select(TimeSpan.Zero));
            Assert.Empty(selector.Select(TimeSpan.Zero));
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void A_modify_the_kernel_refuses_drops_the_registration_as_Python_does()
    {
        var (r, w) = Fds.Pipe();
        var fd = Fds.DupAtLeast(r, 15_000); // high: no other thread is handed this number while it is closed
        Fds.Close(r);
        try
        {
            using var selector = new EpollSelector();
            selector.Register(fd, SelectorEvents.Read);
            Fds.Close(fd);
            Assert.Throws<ArgumentException>(() => selector.Modify(fd, SelectorEvents.Write));
            Assert.Empty(selector.Keys);
            Assert.Throws<KeyNotFoundException>(() => selector.GetKey(fd));
        }
        finally { Fds.Close(w); }
    }

    [Fact]
    public void Default_is_level_triggered()
    {
        using var selector = (EpollSelector)Selector.CreateDefault();
        Assert.False(selector.EdgeTriggered);
    }

    [Fact]
    public void Ten_thousand_idle_descriptors_and_one_ready_return_only_the_ready_one()
    {
        var idle = new List<int>(10_000);
        var (r, w) = Fds.Pipe();
        try
        {
            // 10,000 idle sockets from 5,000 pairs: the hard RLIMIT_NOFILE here is 20,000.
            for (var i = 0; i < 5_000; i++)
            {
                var (a, b) = Fds.SocketPair();
                idle.Add(a);
                idle.Add(b);
            }
            using var selector = new EpollSelector();
            foreach (var fd in idle) selector.Register(fd, SelectorEvents.Read);
            var key = selector.Register(r, SelectorEvents.Read, "the one");
            Assert.Equal(10_001, selector.Keys.Count);
            Assert.Empty(selector.Select(TimeSpan.Zero));

            Fds.Write(w);
            for (var round = 0; round < 3; round++)
            {
                var ready = Assert.Single(selector.Select(null));
                Assert.Same(key, ready.Key);
            }
        }
        finally
        {
            Fds.Close([.. idle]);
            Fds.Close(r, w);
        }
    }
}
