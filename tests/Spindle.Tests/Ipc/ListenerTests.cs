using System.Security.Authentication;
using Spindle.Ipc;
using Spindle.Managers;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary>
/// <c>Listener</c>/<c>Client</c> (Python's <c>multiprocessing.connection</c>), after CPython's _TestListener,
/// _TestListenerClient and the authentication tests.
/// </summary>
public sealed class ListenerTests : LeakCheckedTest
{
    private static readonly byte[] Key = "spindle-test-key"u8.ToArray();

    internal static void Greet(string address, string text)
    {
        using var connection = Client.Connect(ManagerAddress.Parse(address), "spindle-test-key"u8.ToArray());
        connection.Send(text);
        connection.Send(connection.Recv<string>() + "!");
    }

    [Fact]
    public void A_child_connects_over_loopback_tcp_with_the_key_and_both_talk()
    {
        using var listener = new Listener(ManagerAddress.Tcp(0), authKey: Key);
        Assert.True(listener.Address.IsTcp);
        Assert.NotEqual(0, listener.Address.Port);
        Assert.Null(listener.LastAccepted);
        var child = SpindleProcess.Create(Greet, listener.Address.ToString(), "hello");
        child.Start();
        using (var connection = listener.Accept())
        {
            Assert.Equal("hello", connection.Recv<string>());
            connection.Send("back");
            Assert.Equal("back!", connection.Recv<string>());
        }
        Assert.Equal(listener.Address.Host, listener.LastAccepted!.Host);
        Assert.NotEqual(0, listener.LastAccepted.Port);
        Children.RunAll(child);
    }

    [Fact]
    public void A_unix_socket_listener_accepts_without_a_key_and_removes_its_file_when_closed()
    {
        using var scratch = new Processes.Scratch();
        var path = scratch["listener.sock"];
        using (var listener = new Listener(ManagerAddress.Unix(path)))
        {
            Assert.True(File.Exists(path));
            Assert.Equal(path, listener.Address.Path);
            var connecting = Client.ConnectAsync(listener.Address);
            using var accepted = listener.Accept();
            using var client = connecting.Result;
            client.SendBytes("ping"u8);
            Assert.Equal("ping"u8.ToArray(), accepted.RecvBytes());
            Assert.Null(listener.LastAccepted); // a Unix peer is unnamed
        }
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_wrong_key_fails_on_both_sides_with_AuthenticationException()
    {
        using var listener = new Listener(authKey: Key);
        var connecting = Task.Run(() => Client.Connect(listener.Address, "another key"u8.ToArray()));
        Assert.Throws<AuthenticationException>(() => listener.Accept());
        var e = Assert.Throws<AggregateException>(() => connecting.Wait(Children.Patience));
        Assert.IsType<AuthenticationException>(e.InnerException);
    }

    [Fact]
    public void A_client_without_the_key_is_refused_and_its_message_is_never_read_as_data()
    {
        using var listener = new Listener(authKey: Key);
        using var raw = Client.Connect(listener.Address); // no handshake on this side
        raw.Send("not an answer");
        Assert.Throws<AuthenticationException>(() => listener.Accept());
        // The listener sent its challenge, then its refusal, and closed the connection.
        Assert.StartsWith("#CHALLENGE#", System.Text.Encoding.ASCII.GetString(raw.RecvBytes()), StringComparison.Ordinal);
        Assert.Equal("#FAILURE#"u8.ToArray(), raw.RecvBytes());
        Assert.Throws<EndOfStreamException>(() => raw.RecvBytes());
    }

    [Fact]
    public void A_client_with_a_key_is_refused_by_a_listener_that_has_none_to_answer()
    {
        using var listener = new Listener();
        var connecting = Task.Run(() => Client.Connect(listener.Address, Key));
        using (var accepted = listener.Accept())
        {
            accepted.SendBytes("#WELCOME#"u8); // not a challenge: the client gives up before reading anything else
        }
        var e = Assert.Throws<AggregateException>(() => connecting.Wait(Children.Patience));
        Assert.IsType<AuthenticationException>(e.InnerException);
    }

    [Fact]
    public async Task AcceptAsync_accepts_and_ends_at_once_on_cancellation_and_a_closed_listener_refuses()
    {
        var listener = new Listener(ManagerAddress.Tcp(0), authKey: Key);
        using (listener)
        {
            var accepting = listener.AcceptAsync();
            using var client = await Client.ConnectAsync(listener.Address, Key);
            using var accepted = await accepting.WaitAsync(Children.Patience);
            client.Send(5);
            Assert.Equal(5, accepted.Recv<int>());

            using var cancel = new CancellationTokenSource();
            var cancelled = listener.AcceptAsync(cancel.Token);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Children.Patience));
        }
        Assert.Throws<ObjectDisposedException>(() => listener.Accept());
        Assert.Throws<IOException>(() => Client.Connect(listener.Address));
    }

    [Fact]
    public void Close_on_another_thread_ends_a_blocked_Accept()
    {
        var listener = new Listener();
        // Whether the accept has blocked yet or not when Close comes, it ends with the same exception.
        var accepting = Task.Run(listener.Accept);
        listener.Close();
        var e = Assert.Throws<AggregateException>(() => accepting.Wait(Children.Patience));
        Assert.IsType<ObjectDisposedException>(e.InnerException);
        listener.Close(); // twice is harmless
    }
}
