using System.Buffers.Binary;
using Spindle.Ipc;
using Spindle.Native;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary>Connection in one process: messages, byte frames, errors, poll, EOF, malformed frames, async twins.</summary>
public sealed class ConnectionTests : LeakCheckedTest
{
    [Fact]
    public void RecvBytesLongerThanMaxLengthFailsAndTheConnectionIsUnusableAfter()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            b.SendBytes(new byte[100]);
            b.SendBytes(new byte[1]);
            Assert.Throws<MessageLengthException>(() => a.RecvBytes(10));
            Assert.Throws<IOException>(() => a.RecvBytes());
            a.Send("still writable");
            Assert.Equal("still writable", b.Recv<string>());
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Messages_sent_back_to_back_arrive_whole_and_in_order_whatever_their_size(bool duplex)
    {
        // Sizes around what one receive peeks at, so that some arrive seen whole and others not.
        int[] sizes = [0, 1, 200, 251, 252, 253, 300, 5000, 0, 70_000, 3];
        var (a, b) = Pipe.Create(duplex);
        using (a)
        using (b)
        {
            var sending = Task.Run(() =>
            {
                foreach (var size in sizes) b.SendBytes(Enumerable.Range(0, size).Select(i => (byte)(i + size)).ToArray());
            });
            foreach (var size in sizes)
                Assert.Equal(Enumerable.Range(0, size).Select(i => (byte)(i + size)).ToArray(), a.RecvBytes());
            Assert.True(sending.Wait(TimeSpan.FromSeconds(20)));
        }
    }

    [Fact]
    public void RecvBytesIntoWritesAtTheOffset()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            b.SendBytes([1, 2, 3, 4, 5], 1, 3);
            var buffer = new byte[8];
            Assert.Equal(3, a.RecvBytesInto(buffer, 4));
            Assert.Equal(new byte[] { 0, 0, 0, 0, 2, 3, 4, 0 }, buffer);
        }
    }

    [Fact]
    public void RecvBytesIntoATooShortBufferCarriesTheWholeMessageAndKeepsTheConnectionUsable()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            b.SendBytes([1, 2, 3, 4, 5]);
            b.SendBytes([9]);
            var e = Assert.Throws<BufferTooShortException>(() => a.RecvBytesInto(new byte[6], 2));
            Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, e.ReceivedMessage);
            Assert.Equal(new byte[] { 9 }, a.RecvBytes());
            Assert.Throws<ArgumentOutOfRangeException>(() => a.RecvBytesInto(new byte[2], 3));
        }
    }

    [Fact]
    public void SendBytesChecksOffsetAndSize()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => a.SendBytes(new byte[4], 5));
            Assert.Throws<ArgumentOutOfRangeException>(() => a.SendBytes(new byte[4], 2, 3));
            Assert.Throws<ArgumentOutOfRangeException>(() => a.SendBytes(new byte[4], -1));
            Assert.False(b.Poll());
        }
    }

    [Fact]
    public void PollWithZeroAndTimeoutAndForever()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            Assert.False(a.Poll());
            Assert.False(a.Poll(TimeSpan.Zero));
            var start = System.Diagnostics.Stopwatch.StartNew();
            Assert.False(a.Poll(TimeSpan.FromMilliseconds(60)));
            Assert.True(start.Elapsed >= TimeSpan.FromMilliseconds(50));
            Assert.Throws<ArgumentOutOfRangeException>(() => a.Poll(TimeSpan.FromSeconds(-2)));
            using var polling = new ManualResetEventSlim();
            var sender = new Thread(() =>
            {
                polling.Wait();
                b.Send(42);
            });
            sender.Start();
            polling.Set();
            Assert.True(a.Poll(null));
            sender.Join();
            Assert.Equal(42, a.Recv<int>());
        }
    }

    [Fact]
    public void ReadingAfterThePeerClosedAndAllIsDrainedIsEndOfStream()
    {
        var (a, b) = Pipe.Create();
        using (a)
        {
            b.Send("last");
            b.Close();
            Assert.True(b.IsClosed);
            Assert.Equal(-1, b.FileDescriptor);
            Assert.Throws<ObjectDisposedException>(() => b.Send(1));
            Assert.True(a.Poll());
            Assert.Equal("last", a.Recv());
            Assert.True(a.Poll());
            Assert.Throws<EndOfStreamException>(() => a.Recv());
            Assert.Throws<IOException>(() => a.Send(1));
        }
    }

    [Fact]
    public void AClaimedHugeLengthIsAClearErrorWithoutAHugeAllocation()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            var frame = new byte[12];
            BinaryPrimitives.WriteInt32BigEndian(frame, -1);
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(4), 1UL << 40);
            WriteRaw(b.FileDescriptor, frame);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<InvalidDataException>(() => a.RecvBytes());
            Assert.Contains("1099511627776", e.Message, StringComparison.Ordinal);
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
            Assert.Throws<IOException>(() => a.RecvBytes());
        }
    }

    [Fact]
    public void ANegativeLengthIsMalformed()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            WriteRaw(b.FileDescriptor, [0xFF, 0xFF, 0xFF, 0x00]);
            Assert.Throws<InvalidDataException>(() => a.RecvBytes());
        }
    }

    [Fact]
    public void ALargeClaimedLengthFollowedByCloseIsTruncatedWithoutAHugeAllocation()
    {
        var (a, b) = Pipe.Create();
        using (a)
        {
            WriteRaw(b.FileDescriptor, [0x7F, 0xFF, 0xFF, 0x00, 1, 2, 3]);
            b.Close();
            var before = GC.GetAllocatedBytesForCurrentThread();
            Assert.Throws<EndOfStreamException>(() => a.RecvBytes());
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20);
        }
    }

    [Fact]
    public void GarbageThatIsNotAPayloadIsAFormatError()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            b.SendBytes([1, 2, 3]);
            Assert.Throws<Spindle.Serialization.SerializationFormatException>(() => a.Recv());
        }
    }

    [Fact]
    public async Task AsyncTwinsSendReceiveAndPoll()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            Assert.False(await a.PollAsync(TimeSpan.FromMilliseconds(50)));
            var receive = a.RecvAsync<string>();
            await b.SendAsync("hello");
            Assert.Equal("hello", await receive.WaitAsync(Children.Patience));
            await b.SendBytesAsync(new byte[] { 7 });
            Assert.True(await a.PollAsync(null));
            Assert.Equal(new byte[] { 7 }, await a.RecvBytesAsync());
        }
    }

    [Fact]
    public async Task PollAsyncEndsAtCancellation()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            using var cts = new CancellationTokenSource();
            var waiting = a.PollAsync(null, cts.Token);
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Children.Patience));
            var receiving = a.RecvBytesAsync(null, new CancellationToken(canceled: true));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receiving);
        }
    }

    [Fact]
    public void ConcurrentSendersDoNotInterleaveFrames()
    {
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            const int Senders = 4, PerSender = 20, Size = 300_000;
            var threads = Enumerable.Range(0, Senders).Select(s => new Thread(() =>
            {
                var message = new byte[Size];
                Array.Fill(message, (byte)(s + 1));
                for (var i = 0; i < PerSender; i++) b.SendBytes(message);
            })).ToList();
            threads.ForEach(t => t.Start());
            for (var i = 0; i < Senders * PerSender; i++)
            {
                var m = a.RecvBytes();
                Assert.Equal(Size, m.Length);
                Assert.True(m.AsSpan().IndexOfAnyExcept(m[0]) < 0, "a frame holds bytes of two senders");
            }
            threads.ForEach(t => t.Join());
        }
    }

    [Fact]
    public void AMessageOf256MiBRoundTripsThroughAThread()
    {
        const int Size = 256 << 20;
        var (a, b) = Pipe.Create();
        using (a)
        using (b)
        {
            var message = new byte[Size];
            for (var i = 0; i < Size; i += 4096) message[i] = (byte)(i >> 12);
            var sender = new Thread(() => b.SendBytes(message));
            sender.Start();
            var received = a.RecvBytes();
            sender.Join();
            Assert.True(message.AsSpan().SequenceEqual(received));
        }
    }

    private static void WriteRaw(int fd, byte[] bytes)
    {
        foreach (var b in bytes) Assert.Equal(1, (int)Libc.WriteByte(fd, b));
    }
}
