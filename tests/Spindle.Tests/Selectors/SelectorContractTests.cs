using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Spindle.Ipc;
using Spindle.Native;
using Spindle.Selectors;
using Spindle.Signals;
using Spindle.Tests.Support;

namespace Spindle.Tests.Selectors;

/// <summary>
/// The behaviour every selector shares, on real pipes and sockets; each mechanism runs all of it through a derived class.
/// </summary>
public abstract class SelectorContractTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    /// <summary>A new selector of the mechanism under test.</summary>
    private protected abstract Selector Create();

    /// <summary>Whether descriptors ≥ 1,024 are refused (select(2)).</summary>
    private protected virtual bool LimitedToFdSetSize => false;

    /// <summary>What a wait does about a descriptor closed while registered: the same as Python's selector of that mechanism.</summary>
    private protected abstract ClosedWhileRegistered ClosedDescriptor { get; }

    /// <summary>Whether regular files can be registered (always ready); epoll refuses them.</summary>
    private protected virtual bool WatchesRegularFiles => true;

    private protected enum ClosedWhileRegistered
    {
        /// <summary>The wait fails with EBADF (select(2)).</summary>
        Fails,

        /// <summary>The wait reports it ready, so that its reader finds out (poll(2): POLLNVAL).</summary>
        Reported,

        /// <summary>The kernel dropped it when it closed: never reported (epoll).</summary>
        Forgotten,
    }

    [Fact]
    public void Spindle_connections_can_be_watched_both_duplex_and_simplex()
    {
        var (a, b) = Pipe.Create();
        var (reader, writer) = Pipe.Create(duplex: false);
        using (a) using (b) using (reader) using (writer)
        {
            using var selector = Create();
            var keyA = selector.Register(a, SelectorEvents.Read, "a");
            selector.Register(reader, SelectorEvents.Read);
            var keyWriter = selector.Register(writer, SelectorEvents.Write);
            Assert.Equal(a.FileDescriptor, keyA.Fd);
            Assert.Same(keyWriter, Assert.Single(selector.Select(Long)).Key);

            b.SendBytes([1, 2, 3]);
            writer.Send("hello");
            var ready = selector.Select(Long).ToList();
            Assert.Contains(ready, e => ReferenceEquals(e.Key.FileObject, a) && e.Events == SelectorEvents.Read);
            Assert.Contains(ready, e => ReferenceEquals(e.Key.FileObject, reader) && e.Events == SelectorEvents.Read);
            Assert.Equal([1, 2, 3], a.RecvBytes());
            Assert.Equal("hello", reader.Recv<string>());

            // Closed: it can still be unregistered (found by identity), no longer registered.
            a.Close();
            Assert.Same(keyA, selector.Unregister(a));
            Assert.Throws<ObjectDisposedException>(() => selector.Register(a, SelectorEvents.Read));
        }
    }

    [Fact]
    public void Descriptor_closed_while_registered_behaves_as_in_Python_and_can_be_unregistered()
    {
        var (r, w) = Fds.Pipe();
        // Numbered high, so that no other thread is handed the same number while this test holds it closed.
        var fd = Fds.DupAtLeast(r, LimitedToFdSetSize ? 1000 : 15_000);
        Fds.Close(r);
        try
        {
            using var selector = Create();
            var key = selector.Register(fd, SelectorEvents.Read);
            Fds.Close(fd);
            switch (ClosedDescriptor)
            {
                case ClosedWhileRegistered.Fails:
                    Assert.Contains("Bad file descriptor", Assert.Throws<IOException>(() => selector.Select(TimeSpan.Zero)).Message, StringComparison.Ordinal);
                    break;
                case ClosedWhileRegistered.Reported:
                    Assert.Equal((key, SelectorEvents.Read), Assert.Single(selector.Select(TimeSpan.Zero)));
                    break;
                default:
                    Assert.Empty(selector.Select(TimeSpan.Zero));
                    break;
            }
            Assert.Same(key, selector.Unregister(fd));
            Assert.Empty(selector.Select(TimeSpan.Zero));
        }
        finally { Fds.Close(w); }
    }

    [Fact]
    public void Regular_files_are_always_ready_or_refused_by_epoll()
    {
        var path = Path.GetTempFileName();
        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
            using var selector = Create();
            if (WatchesRegularFiles)
            {
                selector.Register(file, SelectorEvents.Read);
                Assert.Equal(SelectorEvents.Read, Assert.Single(selector.Select(TimeSpan.Zero)).Events);
            }
            else
            {
                Assert.Throws<ArgumentException>(() => selector.Register(file, SelectorEvents.Read));
                Assert.Throws<KeyNotFoundException>(() => selector.GetKey(file));
                Assert.Empty(selector.Keys);
            }
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Pipe_read_end_is_reported_readable_once_data_arrives_with_its_data()
    {
        var (r, w) = Fds.Pipe();
        try
        {
            using var selector = Create();
            var key = selector.Register(r, SelectorEvents.Read, "payload");
            Assert.Equal(r, key.Fd);
            Assert.Equal(r, key.FileObject);
            Assert.Empty(selector.Select(TimeSpan.Zero));

            Fds.Write(w);
            var ready = Assert.Single(selector.Select(TimeSpan.Zero));
            Assert.Same(key, ready.Key);
            Assert.Equal(SelectorEvents.Read, ready.Events);
            Assert.Equal("payload", ready.Key.Data);
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void Level_triggered_keeps_reporting_until_the_data_is_read()
    {
        var (r, w) = Fds.Pipe();
        try
        {
            using var selector = Create();
            selector.Register(r, SelectorEvents.Read);
            Fds.Write(w);
            Assert.Single(selector.Select(TimeSpan.Zero));
            Assert.Single(selector.Select(TimeSpan.Zero));
            Assert.Equal(42, Fds.ReadByte(r));
            Assert.Empty(selector.Select(TimeSpan.Zero));
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void Socket_is_reported_writable_and_readable_together()
    {
        var (client, server) = Fds.TcpPair();
        using (client)
        using (server)
        {
            using var selector = Create();
            var key = selector.Register(server, SelectorEvents.Read | SelectorEvents.Write, 7);
            var writable = Assert.Single(selector.Select(Long));
            Assert.Equal(SelectorEvents.Write, writable.Events);

            client.Send([1, 2, 3]);
            var both = Assert.Single(selector.Select(Long), e => e.Events == (SelectorEvents.Read | SelectorEvents.Write));
            Assert.Same(server, both.Key.FileObject);
            Assert.Equal(7, both.Key.Data);
            Assert.Same(key, selector.GetKey(server));
        }
    }

    [Fact]
    public void Unix_socket_peer_closing_is_reported_as_readable()
    {
        var (client, server) = Fds.UnixPair();
        using (server)
        {
            using var selector = Create();
            selector.Register(server, SelectorEvents.Read);
            Assert.Empty(selector.Select(TimeSpan.Zero));
            client.Dispose();
            Assert.Equal(SelectorEvents.Read, Assert.Single(selector.Select(Long)).Events);
            Assert.Equal(0, server.Receive(new byte[1]));
        }
    }

    [Fact]
    public void Modify_changes_events_and_data()
    {
        var (client, server) = Fds.UnixPair();
        using (client)
        using (server)
        {
            using var selector = Create();
            var first = selector.Register(server, SelectorEvents.Read, "a");
            Assert.Empty(selector.Select(TimeSpan.Zero));

            var second = selector.Modify(server, SelectorEvents.Write, "b");
            Assert.Equal(SelectorEvents.Write, second.Events);
            Assert.Equal("b", second.Data);
            Assert.Same(second, selector.GetKey(server));
            Assert.Same(second, Assert.Single(selector.Select(Long)).Key);

            Assert.Same(second, selector.Modify(server, SelectorEvents.Write, "b"));
            var third = selector.Modify(server, SelectorEvents.Read, first.Data);
            Assert.Equal(SelectorEvents.Read, third.Events);
            Assert.Empty(selector.Select(TimeSpan.Zero));
        }
    }

    [Fact]
    public void Unregister_returns_the_key_and_stops_reporting()
    {
        var (r, w) = Fds.Pipe();
        try
        {
            using var selector = Create();
            var key = selector.Register(r, SelectorEvents.Read);
            Fds.Write(w);
            Assert.Same(key, selector.Unregister(r));
            Assert.Empty(selector.Select(TimeSpan.Zero));
            Assert.Empty(selector.Keys);
            Assert.False(selector.TryGetKey(r, out _));
            Assert.Throws<KeyNotFoundException>(() => selector.GetKey(r));
            // And it can be registered again.
            selector.Register(r, SelectorEvents.Read);
            Assert.Single(selector.Select(TimeSpan.Zero));
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void Closed_socket_can_still_be_unregistered()
    {
        var (client, server) = Fds.UnixPair();
        using (client)
        {
            using var selector = Create();
            var key = selector.Register(server, SelectorEvents.Read);
            server.Dispose();
            Assert.Same(key, selector.GetKey(server));
            Assert.Same(key, selector.Unregister(server));
            Assert.Empty(selector.Keys);
        }
    }

    [Fact]
    public void Keys_maps_descriptors_to_keys()
    {
        var (r1, w1) = Fds.Pipe();
        var (r2, w2) = Fds.Pipe();
        try
        {
            using var selector = Create();
            var k1 = selector.Register(r1, SelectorEvents.Read);
            var k2 = selector.Register(new FdOwner(w2), SelectorEvents.Write);
            Assert.Equal(2, selector.Keys.Count);
            Assert.Same(k1, selector.Keys[r1]);
            Assert.Same(k2, selector.Keys[w2]);
            Assert.True(selector.TryGetKey(w2, out var byFd));
            Assert.Same(k2, byFd);
            Assert.Equal(SelectorEvents.Write, Assert.Single(selector.Select(TimeSpan.Zero)).Events);
        }
        finally { Fds.Close(r1, w1, r2, w2); }
    }

    [Fact]
    public void SafeHandle_of_a_pipe_can_be_registered()
    {
        var (r, w) = Fds.Pipe();
        using var read = new SafeFileHandle(r, ownsHandle: true);
        using var write = new SafeFileHandle(w, ownsHandle: true);
        using var selector = Create();
        selector.Register(read, SelectorEvents.Read);
        selector.Register(write, SelectorEvents.Write);
        Fds.Write(w);
        var ready = selector.Select(TimeSpan.Zero).ToList();
        Assert.Equal(2, ready.Count);
        Assert.Contains(ready, e => ReferenceEquals(e.Key.FileObject, read) && e.Events == SelectorEvents.Read);
        Assert.Contains(ready, e => ReferenceEquals(e.Key.FileObject, write) && e.Events == SelectorEvents.Write);
    }

    [Fact]
    public void Zero_timeout_polls_and_a_short_timeout_waits_at_least_that_long()
    {
        var (r, w) = Fds.Pipe();
        try
        {
            using var selector = Create();
            selector.Register(r, SelectorEvents.Read);
            Assert.Empty(selector.Select(TimeSpan.Zero));
            var watch = Stopwatch.StartNew();
            Assert.Empty(selector.Select(TimeSpan.FromMilliseconds(80)));
            Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(70), $"returned after {watch.Elapsed}");
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void Null_timeout_blocks_until_another_thread_writes()
    {
        var (r, w) = Fds.Pipe();
        try
        {
            using var selector = Create();
            selector.Register(r, SelectorEvents.Read);
            var ready = Fds.WhileBlocked(() => selector.Select(null), () => Fds.Write(w));
            Assert.Equal(r, Assert.Single(ready).Key.Fd);
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void Wait_interrupted_by_a_signal_is_retried()
    {
        var (r, w) = Fds.Pipe();
        try
        {
            using var selector = Create();
            selector.Register(r, SelectorEvents.Read);
            using var handled = new ManualResetEventSlim();
            using var scope = Signal.Handle(Signal.SIGUSR1, _ => handled.Set());
            var tid = Libc.GetTid();
            var ready = Fds.WhileBlocked(() => selector.Select(Long), () =>
            {
                // Delivered to the waiting thread itself, so its wait fails with EINTR.
                Assert.Equal(0, Libc.TgKill(Environment.ProcessId, tid, Signal.SIGUSR1));
                Assert.True(handled.Wait(Long));
                Fds.Write(w);
            });
            Assert.True(handled.IsSet);
            Assert.Equal(r, Assert.Single(ready).Key.Fd);
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void Wake_from_another_thread_ends_a_blocked_select()
    {
        var (r, w) = Fds.Pipe();
        try
        {
            using var selector = Create();
            selector.Register(r, SelectorEvents.Read);
            Assert.Empty(Fds.WhileBlocked(() => selector.Select(null), selector.Wake));
            // The wake-up is consumed: the next poll finds nothing.
            Assert.Empty(selector.Select(TimeSpan.Zero));
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public async Task SelectAsync_returns_ready_keys_and_cancellation_wakes_it()
    {
        var (r, w) = Fds.Pipe();
        try
        {
            using var selector = Create();
            selector.Register(r, SelectorEvents.Read);
            Fds.Write(w);
            Assert.Single(await selector.SelectAsync(Long));
            Fds.ReadByte(r);

            using var cts = new CancellationTokenSource();
            var pending = selector.SelectAsync(null, cts.Token);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => selector.SelectAsync(null, cts.Token));
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void Dispose_from_another_thread_ends_a_blocked_select()
    {
        var (r, w) = Fds.Pipe();
        try
        {
            var selector = Create();
            selector.Register(r, SelectorEvents.Read);
            Assert.Empty(Fds.WhileBlocked(() => selector.Select(null), selector.Dispose));
            Assert.Throws<ObjectDisposedException>(() => selector.Select(TimeSpan.Zero));
            Assert.True(Fds.IsOpen(r), "disposing a selector must not close what was registered");
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void Descriptor_beyond_FD_SETSIZE_is_refused_by_select_only()
    {
        var (r, w) = Fds.Pipe();
        var high = Fds.DupAtLeast(r, 1024);
        try
        {
            using var selector = Create();
            if (LimitedToFdSetSize)
            {
                var error = Assert.Throws<ArgumentException>(() => selector.Register(high, SelectorEvents.Read));
                Assert.Contains("FD_SETSIZE", error.Message, StringComparison.Ordinal);
                Assert.Empty(selector.Keys);
            }
            else
            {
                selector.Register(high, SelectorEvents.Read);
                Fds.Write(w);
                Assert.Equal(high, Assert.Single(selector.Select(TimeSpan.Zero)).Key.Fd);
            }
        }
        finally { Fds.Close(high, r, w); }
    }

    [Fact]
    public void Registering_twice_is_refused()
    {
        var (r, w) = Fds.Pipe();
        try
        {
            using var selector = Create();
            selector.Register(r, SelectorEvents.Read);
            var error = Assert.Throws<ArgumentException>(() => selector.Register(r, SelectorEvents.Write));
            Assert.Contains("already registered", error.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => selector.Register(new FdOwner(r), SelectorEvents.Read));
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void Unknown_handles_are_refused_by_unregister_modify_and_get_key()
    {
        var (r, w) = Fds.Pipe();
        try
        {
            using var selector = Create();
            Assert.Throws<KeyNotFoundException>(() => selector.Unregister(r));
            Assert.Throws<KeyNotFoundException>(() => selector.Modify(r, SelectorEvents.Read));
            Assert.Throws<KeyNotFoundException>(() => selector.GetKey(r));
        }
        finally { Fds.Close(r, w); }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(7)]
    public void Invalid_event_masks_are_refused(int mask)
    {
        var (r, w) = Fds.Pipe();
        try
        {
            using var selector = Create();
            Assert.Throws<ArgumentException>(() => selector.Register(r, (SelectorEvents)mask));
            selector.Register(r, SelectorEvents.Read);
            Assert.Throws<ArgumentException>(() => selector.Modify(r, (SelectorEvents)mask));
            Assert.Equal(SelectorEvents.Read, selector.GetKey(r).Events);
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void Closed_or_invalid_file_objects_are_refused()
    {
        using var selector = Create();
        var closed = Assert.Throws<ArgumentException>(() => selector.Register(Fds.ClosedDescriptor(), SelectorEvents.Read));
        Assert.Contains("Bad file descriptor", closed.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => selector.Register(-1, SelectorEvents.Read));
        Assert.Throws<ObjectDisposedException>(() => selector.Register(new FdOwner(-1), SelectorEvents.Read));
        Assert.Throws<ArgumentException>(() => selector.Register("not a file", SelectorEvents.Read));
        Assert.Throws<ArgumentNullException>(() => selector.Register(null!, SelectorEvents.Read));

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Dispose();
        Assert.Throws<ObjectDisposedException>(() => selector.Register(socket, SelectorEvents.Read));
        var (pr, pw) = Fds.Pipe();
        Fds.Close(pw);
        var handle = new SafeFileHandle(pr, ownsHandle: true);
        handle.Dispose();
        Assert.Throws<ObjectDisposedException>(() => selector.Register(handle, SelectorEvents.Read));
        Assert.Empty(selector.Keys);
    }

    // CPython's test_above_fd_setsize: one select reports every ready registration (epoll's buffer once stopped at 1,024).
    [Fact]
    public void One_select_reports_every_ready_registration()
    {
        var count = LimitedToFdSetSize ? 300 : 1_100;
        var pipes = new List<(int Read, int Write)>();
        try
        {
            using var selector = Create();
            for (var i = 0; i < count; i++)
            {
                var pipe = Fds.Pipe();
                pipes.Add(pipe);
                selector.Register(pipe.Write, SelectorEvents.Write);
            }
            Assert.Equal(count, selector.Select(TimeSpan.Zero).Count);
        }
        finally
        {
            foreach (var (r, w) in pipes) Fds.Close(r, w);
        }
    }

    // CPython's test_timeout: select(-1) does not block (any timeout <= 0 polls); only InfiniteTimeSpan waits forever.
    [Fact]
    public async Task Negative_timeouts_other_than_infinite_only_poll()
    {
        using var selector = Create();
        var (r, w) = Fds.Pipe();
        try
        {
            selector.Register(r, SelectorEvents.Read);
            var idle = Task.Run(() => selector.Select(TimeSpan.FromSeconds(-1)).Count);
            Assert.Equal(0, await idle.WaitAsync(Long));
            Assert.Empty(await selector.SelectAsync(TimeSpan.FromMilliseconds(-5)).WaitAsync(Long));
            Fds.Write(w);
            Assert.Equal(SelectorEvents.Read, Assert.Single(selector.Select(TimeSpan.FromSeconds(-1))).Events);
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void Disposed_selector_refuses_every_call_and_disposes_twice()
    {
        var (r, w) = Fds.Pipe();
        try
        {
            var selector = Create();
            selector.Register(r, SelectorEvents.Read);
            var keys = selector.Keys;
            Assert.True(keys.ContainsKey(r));
            selector.Dispose();
            selector.Dispose();
            // A view taken before reads as empty, as Python's get_map() after close().
            Assert.Empty(keys);
            Assert.False(keys.ContainsKey(r));
            Assert.Throws<KeyNotFoundException>(() => keys[r]);
            Assert.Throws<ObjectDisposedException>(() => selector.Register(w, SelectorEvents.Write));
            Assert.Throws<ObjectDisposedException>(() => selector.Unregister(r));
            Assert.Throws<ObjectDisposedException>(() => selector.Modify(r, SelectorEvents.Write));
            Assert.Throws<ObjectDisposedException>(() => selector.GetKey(r));
            Assert.Throws<ObjectDisposedException>(() => selector.Keys);
            Assert.Throws<ObjectDisposedException>(() => selector.Select(TimeSpan.Zero));
            Assert.Throws<ObjectDisposedException>(() => { _ = selector.SelectAsync(TimeSpan.Zero); });
            Assert.Throws<ObjectDisposedException>(selector.Wake);
            Assert.True(Fds.IsOpen(r));
        }
        finally { Fds.Close(r, w); }
    }
}

/// <summary>The contract on select(2).</summary>
public sealed class SelectSelectorTests : SelectorContractTests
{
    private protected override Selector Create() => new SelectSelector();

    private protected override bool LimitedToFdSetSize => true;

    private protected override ClosedWhileRegistered ClosedDescriptor => ClosedWhileRegistered.Fails;
}

/// <summary>The contract on poll(2).</summary>
public sealed class PollSelectorTests : SelectorContractTests
{
    private protected override Selector Create() => new PollSelector();

    private protected override ClosedWhileRegistered ClosedDescriptor => ClosedWhileRegistered.Reported;
}

/// <summary>The contract on epoll, level-triggered (the default).</summary>
public sealed class EpollSelectorTests : SelectorContractTests
{
    private protected override Selector Create() => new EpollSelector();

    private protected override ClosedWhileRegistered ClosedDescriptor => ClosedWhileRegistered.Forgotten;

    private protected override bool WatchesRegularFiles => false;
}
