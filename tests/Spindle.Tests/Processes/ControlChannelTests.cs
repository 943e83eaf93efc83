using System.Buffers.Binary;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Processes;

/// <summary>The parent↔child frame protocol over a socketpair, including malformed input.</summary>
public sealed class ControlChannelTests : LeakCheckedTest
{
    private static (ControlChannel Parent, ControlChannel Child) Pair() => ControlChannel.CreatePair();

    [Fact]
    public async Task Frames_cross_both_ways_and_end_of_stream_is_null()
    {
        var (parent, child) = Pair();
        using (parent)
        {
            Assert.False(child.HasData);
            parent.Send(FrameKind.Start, [1, 2, 3]);
            Assert.True(child.HasData);
            var frame = child.Receive()!.Value;
            Assert.Equal(FrameKind.Start, frame.Kind);
            Assert.Equal([1, 2, 3], frame.Body);
            child.Send(FrameKind.Completed, []);
            var report = (await parent.ReceiveAsync())!.Value;
            Assert.Equal(FrameKind.Completed, report.Kind);
            Assert.Empty(report.Body);
            child.Dispose();
            Assert.Null(await parent.ReceiveAsync());
        }
    }

    [Fact]
    public void An_oversized_length_is_refused_without_allocating_it()
    {
        var (parent, child) = Pair();
        using (parent)
        using (child)
        {
            var header = new byte[5];
            BinaryPrimitives.WriteUInt32LittleEndian(header, uint.MaxValue);
            header[4] = (byte)FrameKind.Start;
            RawWrite(parent, header);
            var e = Assert.Throws<InvalidDataException>(() => child.Receive());
            Assert.Contains("exceeds", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_unknown_kind_and_a_truncated_frame_are_refused()
    {
        var (parent, child) = Pair();
        using (child)
        {
            RawWrite(parent, [0, 0, 0, 0, 99]);
            Assert.Contains("unknown kind", Assert.Throws<InvalidDataException>(() => child.Receive()).Message, StringComparison.Ordinal);
            RawWrite(parent, [10, 0, 0, 0, (byte)FrameKind.Start, 1, 2]);
            parent.Dispose();
            Assert.Contains("closed the channel inside", Assert.Throws<InvalidDataException>(() => child.Receive()).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_body_over_the_maximum_is_refused_at_send()
    {
        var (parent, child) = Pair();
        using (parent)
        using (child)
        {
            Assert.Throws<InvalidOperationException>(() => parent.Send(FrameKind.Start, new byte[ControlChannel.MaxFrameBytes + 1]));
        }
    }

    /// <summary>Writes bytes that are not a well-formed frame, as a corrupt or hostile peer would.</summary>
    private static void RawWrite(ControlChannel channel, byte[] bytes) => channel.SendRaw(bytes);
}
