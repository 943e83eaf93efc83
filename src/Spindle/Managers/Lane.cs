using System.Buffers.Binary;
using System.Diagnostics;
using Spindle.Ipc;

namespace Spindle.Managers;

/// <summary>Which half of a <see cref="Lane"/>: requests go client → server, replies server → client.</summary>
internal enum LaneSide
{
    Request,
    Reply,
}

/// <summary>
/// The shared-memory mailbox of a manager connection between two processes on this machine. A connection carries one
/// request, then its reply, then the next request, so each direction needs one slot: the sender writes the message
/// and then its sequence number; the receiver, spinning on that number, reads it without a system call. The socket
/// stays for what memory cannot do: waking a receiver that has gone to sleep on it (a one-byte doorbell frame, sent
/// only when the receiver said it sleeps), messages larger than a slot (announced in the slot, sent on the socket),
/// cancellations, and noticing that the peer has gone.
/// </summary>
/// <remarks>
/// The server creates the segment, sealed against resizing, and the client maps it through <c>/proc</c>. The server
/// copies each request out before reading it, since the client could change it meanwhile; the client reads replies
/// in place.
/// </remarks>
internal sealed unsafe class Lane : IDisposable
{
    /// <summary>The largest message a slot holds; larger ones go on the socket.</summary>
    internal const int Capacity = 32 * 1024;

    // Each word on its own cache line: the two sides write different ones.
    private const int RequestSeq = 0;
    private const int ReplySeq = 64;
    private const int ServerSleeping = 128;
    private const int ClientSleeping = 192;
    private const int RequestLength = 256;
    private const int ReplyLength = 320;
    private const int RequestArea = 512;
    private const int ReplyArea = RequestArea + Capacity;
    private const int Size = ReplyArea + Capacity;

    /// <summary>A slot's length word when the message went on the socket.</summary>
    private const int OnSocket = -1;

    private readonly Segment _segment;
    private readonly byte* _base;
    private AdaptiveSpin _spin;

    private Lane(Segment segment)
    {
        _segment = segment;
        _base = segment.Base + Segment.HeaderSize;
    }

    /// <summary>The server's side: a new lane for one connection.</summary>
    internal static Lane Create() => new(Segment.CreateAnonymous(Size, "manager-lane", fixedSize: true));

    /// <summary>The reference the client maps the lane by.</summary>
    internal byte[] Export()
    {
        var handle = new byte[Segment.ExportSize];
        _segment.Export(handle);
        return handle;
    }

    /// <summary>The client's side: maps the server's lane.</summary>
    /// <exception cref="InvalidOperationException">It cannot be mapped (the client then stays on the socket).</exception>
    internal static Lane Import(ReadOnlySpan<byte> handle)
    {
        if (handle.Length != Segment.ExportSize || BinaryPrimitives.ReadInt64LittleEndian(handle[8..]) != Segment.HeaderSize + Size)
            throw new InvalidOperationException("The manager offered a lane of another layout.");
        return new Lane(Segment.Import(handle));
    }

    /// <summary>Whether a message of <paramref name="length"/> bytes fits a slot.</summary>
    internal static bool Fits(int length) => length <= Capacity;

    /// <summary>
    /// Delivers message number <paramref name="seq"/>: into the slot when it fits, else only its announcement (send it
    /// on the socket first). Returns whether the receiver sleeps and must be woken with a doorbell.
    /// </summary>
    internal bool Post(LaneSide side, ReadOnlySpan<byte> head, ReadOnlySpan<byte> body, int seq)
    {
        var length = head.Length + body.Length;
        var inSlot = Fits(length);
        if (inSlot)
        {
            var area = new Span<byte>(_base + (side == LaneSide.Request ? RequestArea : ReplyArea), Capacity);
            head.CopyTo(area);
            body.CopyTo(area[head.Length..]);
        }
        Volatile.Write(ref Word(side == LaneSide.Request ? RequestLength : ReplyLength), inSlot ? length : OnSocket);
        Volatile.Write(ref SeqOf(side), seq);
        // Pairs with the fence in PrepareSleep: either the receiver sees the number, or we see that it sleeps.
        Interlocked.MemoryBarrier();
        return inSlot && Volatile.Read(ref SleepingOf(side)) != 0;
    }

    /// <summary>Whether message number <paramref name="seq"/> has been posted.</summary>
    internal bool Arrived(LaneSide side, int seq) => Volatile.Read(ref SeqOf(side)) == seq;

    /// <summary>The posted message: its bytes in the slot, or false when it was sent on the socket.</summary>
    /// <exception cref="InvalidDataException">The length word is out of range.</exception>
    internal bool TryRead(LaneSide side, out ReadOnlySpan<byte> message)
    {
        var length = Volatile.Read(ref Word(side == LaneSide.Request ? RequestLength : ReplyLength));
        message = default;
        if (length == OnSocket) return false;
        if (length is < 0 or > Capacity) throw new InvalidDataException($"Malformed manager lane: a message of {length} bytes.");
        message = new ReadOnlySpan<byte>(_base + (side == LaneSide.Request ? RequestArea : ReplyArea), length);
        return true;
    }

    /// <summary>
    /// Spins for an adaptive while (see <see cref="AdaptiveSpin"/>) until message <paramref name="seq"/> arrives,
    /// with a yield now and then so a peer sharing this CPU can run. False if it did not; <paramref name="start"/>
    /// then goes to <see cref="Blocked"/> once the blocking wait is over.
    /// </summary>
    internal bool Spin(LaneSide side, int seq, out long start)
    {
        start = Stopwatch.GetTimestamp();
        var end = _spin.EndOf(start);
        for (var i = 1; !Arrived(side, seq); i++)
        {
            if (Stopwatch.GetTimestamp() >= end) return false;
            if ((i & 15) == 0) Thread.Yield();
            else Thread.SpinWait(20);
        }
        _spin.Caught();
        return true;
    }

    /// <summary>Tells the spin how long the wait that followed a failed <see cref="Spin"/> took.</summary>
    internal void Blocked(long start) => _spin.Blocked(start);

    /// <summary>
    /// Says that this receiver is about to block on the socket, so a sender rings the doorbell; false (and nothing
    /// said) if message <paramref name="seq"/> arrived meanwhile. Call <see cref="Awake"/> after the blocking read.
    /// </summary>
    internal bool PrepareSleep(LaneSide side, int seq)
    {
        Volatile.Write(ref SleepingOf(side), 1);
        Interlocked.MemoryBarrier();
        if (!Arrived(side, seq)) return true;
        Awake(side);
        return false;
    }

    /// <summary>This receiver no longer sleeps on the socket.</summary>
    internal void Awake(LaneSide side) => Volatile.Write(ref SleepingOf(side), 0);

    public void Dispose() => _segment.Dispose();

    private ref int Word(int offset) => ref *(int*)(_base + offset);

    private ref int SeqOf(LaneSide side) => ref Word(side == LaneSide.Request ? RequestSeq : ReplySeq);

    private ref int SleepingOf(LaneSide side) => ref Word(side == LaneSide.Request ? ServerSleeping : ClientSleeping);
}
