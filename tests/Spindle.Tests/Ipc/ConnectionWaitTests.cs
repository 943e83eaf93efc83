using System.Net;
using System.Net.Sockets;
using Spindle.Ipc;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary>
/// <c>Connection.Wait</c> (Python's <c>multiprocessing.connection.wait</c>) and the process sentinel it waits on,
/// modelled on CPython's TestWait and test_sentinel.
/// </summary>
public sealed class ConnectionWaitTests : LeakCheckedTest
{
    private static void SendOnto(Connection connection, int value)
    {
        connection.Send(value);
        connection.Close();
    }

    private static void WaitFor(ProcessEvent release) => release.Wait();

    [Fact]
    public void Wait_returns_only_the_pipe_a_child_wrote_to()
    {
        var pipes = Enumerable.Range(0, 3).Select(_ => Pipe.Create(duplex: false)).ToArray();
        try
        {
            var child = SpindleProcess.Create(SendOnto, pipes[1].Second, 7);
            child.Start();
            var ready = Connection.Wait(pipes.Select(p => (object)p.First), Children.Patience);
            Assert.Same(pipes[1].First, Assert.Single(ready));
            Assert.Equal(7, pipes[1].First.Recv<int>());
            Children.RunAll(child);
        }
        finally
        {
            foreach (var (read, write) in pipes)
            {
                read.Dispose();
                write.Dispose();
            }
        }
    }

    [Fact]
    public void Wait_keeps_the_callers_order_and_reports_the_end_of_a_stream()
    {
        var (a, aPeer) = Pipe.Create();
        var (b, bPeer) = Pipe.Create();
        using (a)
        using (b)
        using (bPeer)
        {
            bPeer.Send("x");
            aPeer.Close(); // EOF is readable too: a following recv does not block
            Assert.Equal([b, a], Connection.Wait([b, a], TimeSpan.Zero));
            Assert.Throws<EndOfStreamException>(() => a.Recv());
        }
    }

    [Fact]
    public void Wait_times_out_with_an_empty_list()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            Assert.Empty(Connection.Wait([a], TimeSpan.FromMilliseconds(50)));
            Assert.Empty(Connection.Wait([a], TimeSpan.Zero));
            Assert.Empty(Connection.Wait([], TimeSpan.Zero));
        }
    }

    [Fact]
    public void A_closed_connection_in_the_list_is_refused_with_a_clear_error()
    {
        var (a, b) = Pipe.Create();
        using (b)
        {
            a.Close();
            var e = Assert.Throws<ObjectDisposedException>(() => Connection.Wait([b, a], TimeSpan.Zero));
            Assert.Contains("closed Connection", e.Message, StringComparison.Ordinal);
            Assert.Throws<ObjectDisposedException>(() => { _ = Connection.WaitAsync([a], TimeSpan.Zero); }); // at the call, not through the task
        }
    }

    [Fact]
    public void Other_objects_are_refused_with_the_types_accepted()
    {
        var e = Assert.Throws<ArgumentException>(() => Connection.Wait(["not a descriptor"], TimeSpan.Zero));
        Assert.Contains("Connection", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Connection.Wait([], TimeSpan.FromSeconds(-2)));
    }

    [Fact]
    public void The_sentinel_becomes_ready_when_the_process_ends_and_stays_ready()
    {
        using var release = new ProcessEvent();
        var child = SpindleProcess.Create(WaitFor, release);
        Assert.Throws<InvalidOperationException>(() => child.Sentinel);
        child.Start();
        try
        {
            var sentinel = child.Sentinel;
            Assert.Equal(sentinel, child.Sentinel);
            Assert.Empty(Connection.Wait([sentinel, child], TimeSpan.Zero));
            release.Set();
            Assert.Equal([sentinel], Connection.Wait([sentinel], Children.Patience));
            Assert.True(child.Join(Children.Patience));
            // After the reap, both the number and the process object stay ready until Close.
            Assert.Equal([child, sentinel], Connection.Wait([child, sentinel], TimeSpan.Zero));
            Assert.Equal(0, child.ExitCode);
        }
        finally
        {
            release.Set();
            child.Join(Children.Patience);
            child.Dispose();
        }
        Assert.Throws<ObjectDisposedException>(() => child.Sentinel);
    }

    [Fact]
    public void A_sentinel_first_asked_for_after_the_reap_is_ready()
    {
        using var child = new SpindleProcess(static () => { });
        child.Start();
        Assert.True(child.Join(Children.Patience));
        Assert.Equal([child.Sentinel], Connection.Wait([child.Sentinel], TimeSpan.Zero));
    }

    [Fact]
    public void Wait_mixes_connections_processes_and_sockets()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        using (var release = new ProcessEvent())
        {
            var child = SpindleProcess.Create(WaitFor, release);
            child.Start();
            try
            {
                Assert.Empty(Connection.Wait([a, child, listener], TimeSpan.Zero));
                client.Connect(listener.LocalEndPoint!);
                Assert.Equal([listener], Connection.Wait([a, child, listener], Children.Patience));
            }
            finally
            {
                release.Set();
                Assert.True(child.Join(Children.Patience));
                child.Dispose();
            }
        }
    }

    [Fact]
    public async Task WaitAsync_returns_what_is_ready_and_ends_at_once_on_cancellation()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            var waiting = Connection.WaitAsync([a], null);
            b.Send(1);
            Assert.Same(a, Assert.Single(await waiting.WaitAsync(Children.Patience)));
            a.Recv();

            Assert.Empty(await Connection.WaitAsync([a], TimeSpan.FromMilliseconds(20)));

            using var cancel = new CancellationTokenSource();
            var cancelled = Connection.WaitAsync([a], null, cancel.Token);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Children.Patience));
        }
    }
}
