using System.Diagnostics;
using System.Net.Sockets;
using Spindle.Selectors;
using Spindle.Tests.Support;

namespace Spindle.Tests.Selectors;

/// <summary>Seed 001's <c>select.select(inputs, outputs, [])</c>.</summary>
public sealed class MultiplexTests : LeakCheckedTest
{
    [Fact]
    public void Returns_ready_sockets_in_the_callers_order()
    {
        var (c1, s1) = Fds.TcpPair();
        var (c2, s2) = Fds.TcpPair();
        using (c1) using (s1) using (c2) using (s2)
        {
            c2.Send([1]);
            var (read, write, error) = Multiplex.Select<Socket>([s1, s2], [s1], [], TimeSpan.FromSeconds(10));
            Assert.Same(s2, Assert.Single(read));
            Assert.Same(s1, Assert.Single(write));
            Assert.Empty(error);
        }
    }

    [Fact]
    public void Same_socket_in_several_lists_is_reported_in_each()
    {
        var (client, server) = Fds.TcpPair();
        using (client) using (server)
        {
            client.Send([1]);
            var (read, write, _) = Multiplex.Select<Socket>([server], [server], [server], TimeSpan.FromSeconds(10));
            Assert.Single(read);
            Assert.Single(write);
        }
    }

    [Fact]
    public void Out_of_band_data_is_an_exceptional_condition()
    {
        var (client, server) = Fds.TcpPair();
        using (client) using (server)
        {
            client.Send([9], SocketFlags.OutOfBand);
            var (_, _, error) = Multiplex.Select<Socket>([], [], [server], TimeSpan.FromSeconds(10));
            Assert.Same(server, Assert.Single(error));
        }
    }

    [Fact]
    public void Listening_socket_is_readable_when_a_connection_waits()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen(1);
        Assert.Empty(Multiplex.Select<Socket>([listener], [], [], TimeSpan.Zero).Read);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        Assert.Single(Multiplex.Select<Socket>([listener], [], [], TimeSpan.FromSeconds(10)).Read);
        using var accepted = listener.Accept();
    }

    [Fact]
    public void Raw_pipe_descriptors_work_and_a_timeout_returns_empty_lists()
    {
        var (r, w) = Fds.Pipe();
        try
        {
            var watch = Stopwatch.StartNew();
            var (read, write, error) = Multiplex.Select<int>([r], [], [], TimeSpan.FromMilliseconds(60));
            Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(50), $"returned after {watch.Elapsed}");
            Assert.Empty(read);
            Assert.Empty(write);
            Assert.Empty(error);
            Fds.Write(w);
            Assert.Equal([r], Multiplex.Select<int>([r], [w], [], null).Read);
        }
        finally { Fds.Close(r, w); }
    }

    [Fact]
    public void Descriptors_above_FD_SETSIZE_are_fine()
    {
        var (r, w) = Fds.Pipe();
        var high = Fds.DupAtLeast(r, 2000);
        try
        {
            Fds.Write(w);
            Assert.Equal([high], Multiplex.Select<int>([high], [], [], TimeSpan.Zero).Read);
        }
        finally { Fds.Close(high, r, w); }
    }

    [Fact]
    public void Errors_name_the_problem()
    {
        var closedFd = Fds.ClosedDescriptor();
        var closed = Assert.Throws<ArgumentException>(() => Multiplex.Select<int>([closedFd], [], [], TimeSpan.Zero));
        Assert.Contains("not open", closed.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Multiplex.Select<object>(["text"], [], [], TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => Multiplex.Select<int>([], [], [], TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentNullException>(() => Multiplex.Select<int>(null!, [], [], TimeSpan.Zero));
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Multiplex.Select<Socket>([socket], [], [], TimeSpan.Zero));
    }
}
