using Spindle.Ipc;
using Spindle.Processes;
using Spindle.Selectors;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary>Pipe.Create: duplex and simplex ends, objects and bytes, direction rules.</summary>
public sealed class PipeTests : LeakCheckedTest
{
    public sealed record Greeting(string Text, int[] Numbers);

    [Fact]
    public void DuplexEndsSendAndReceiveBothWays()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            Assert.True(a.Readable && a.Writable && b.Readable && b.Writable);
            a.Send(new Greeting("吃了嗎", [1, 2]));
            var g = b.Recv<Greeting>();
            Assert.Equal("吃了嗎", g.Text);
            Assert.Equal([1, 2], g.Numbers);
            b.SendBytes([1, 2, 3]);
            Assert.Equal(new byte[] { 1, 2, 3 }, a.RecvBytes());
            b.SendBytes([]);
            Assert.Empty(a.RecvBytes());
            a.Send<object?>(null);
            Assert.Null(b.Recv());
        }
    }

    [Fact]
    public void SimplexFirstReceivesSecondSends()
    {
        var (reader, writer) = Pipe.Create(duplex: false);
        using (reader)
        using (writer)
        {
            Assert.True(reader.Readable);
            Assert.False(reader.Writable);
            Assert.False(writer.Readable);
            Assert.True(writer.Writable);
            writer.Send(12.5);
            Assert.Equal(12.5, reader.Recv<double>());
            writer.SendBytes([4]);
            Assert.Equal(new byte[] { 4 }, reader.RecvBytes());
            Assert.Throws<InvalidOperationException>(() => reader.Send(1));
            Assert.Throws<InvalidOperationException>(() => reader.SendBytes([1]));
            Assert.Throws<InvalidOperationException>(() => writer.Recv());
            Assert.Throws<InvalidOperationException>(() => writer.RecvBytes());
            Assert.Throws<InvalidOperationException>(() => writer.Poll());
        }
    }

    [Fact]
    public void AConnectionIsASelectableFileObject()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            Assert.IsAssignableFrom<IHasFileDescriptor>(a);
            Assert.True(a.FileDescriptor >= 0);
            Assert.NotEqual(a.FileDescriptor, b.FileDescriptor);
        }
    }

    [Fact]
    public void AnUntransferableObjectIsRefusedAndNothingIsSent()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            Assert.Throws<Spindle.Serialization.NotTransferableException>(() => a.Send(new Thread(() => { })));
            Assert.False(b.Poll());
        }
    }

    private static void Greet(Connection conn)
    {
        conn.Send("吃了嗎");
        conn.Send("got: " + conn.Recv<string>());
        conn.Close();
    }

    [Fact]
    public void TheSeedsGreetingCrossesToAChildAndBack()
    {
        var (parentEnd, childEnd) = Pipe.Create();
        using (parentEnd)
        {
            var p = SpindleProcess.Create(Greet, childEnd);
            p.Start();
            childEnd.Close(); // As the seed: the parent closes the end it handed over, so the child's exit is EOF.
            Assert.Equal("吃了嗎", parentEnd.Recv<string>());
            parentEnd.Send("吃了");
            Assert.Equal("got: 吃了", parentEnd.Recv<string>());
            Children.RunAll(p);
            Assert.Throws<EndOfStreamException>(() => parentEnd.Recv());
        }
    }

    private static void Echo(Connection requests, Connection replies)
    {
        while (true)
        {
            byte[] message;
            try { message = requests.RecvBytes(); }
            catch (EndOfStreamException) { break; }
            replies.SendBytes(message);
        }
        requests.Close();
        replies.Close();
    }

    [Fact]
    public void SimplexAndDuplexEndsPassedToAChildKeepWorkingBothWays()
    {
        var (requestsIn, requestsOut) = Pipe.Create(duplex: false);
        var (replies, childReplies) = Pipe.Create();
        using (requestsOut)
        using (replies)
        {
            var p = SpindleProcess.Create(Echo, requestsIn, childReplies);
            p.Start();
            requestsIn.Close();
            childReplies.Close();
            for (var i = 0; i < 50; i++)
            {
                requestsOut.Send(i);
                Assert.Equal(i, replies.Recv<int>());
            }
            var big = new byte[3 << 20];
            big[^1] = 7;
            requestsOut.SendBytes(big);
            Assert.Equal(big, replies.RecvBytes());
            requestsOut.Close();
            Children.RunAll(p);
            Assert.Throws<EndOfStreamException>(() => replies.Recv());
        }
    }

    [Fact]
    public void AConnectionInsideAValueIsRefused()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            var e = Assert.Throws<Spindle.Serialization.NotTransferableException>(() => a.Send(b));
            Assert.Contains("file descriptor", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AsyncTwinsWorkAcrossAChild()
    {
        var (requestsIn, requestsOut) = Pipe.Create(duplex: false);
        var (replies, childReplies) = Pipe.Create();
        using (requestsOut)
        using (replies)
        {
            var p = SpindleProcess.Create(Echo, requestsIn, childReplies);
            p.Start();
            requestsIn.Close();
            childReplies.Close();
            await requestsOut.SendAsync("ping");
            Assert.True(await replies.PollAsync(Children.Patience));
            Assert.Equal("ping", await replies.RecvAsync<string>());
            requestsOut.Close();
            Children.RunAll(p);
        }
    }

    [Fact]
    public void ACallCapturingAConnectionEncodesOnlyForAProcessStart()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            // The public codec has no descriptor channel: it refuses rather than send a number meaningless elsewhere.
            Assert.Throws<Spindle.Serialization.NotTransferableException>(() => Spindle.Serialization.CallCodec.Encode(new Action<Connection>(Greet), a));
        }
    }
}
