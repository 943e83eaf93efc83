using System.Buffers.Binary;
using System.Diagnostics;

namespace Spindle.Ipc;

/// <summary>
/// The shared half of the process queues: a byte ring in an anonymous shared mapping carrying frames
/// <c>[u32 length][body][u8 trailer]</c>, written under a producer lock and read under a consumer lock (both
/// <see cref="OwnerWord"/>s, so a side that dies holding its lock is taken over), with futex wake-ups only when the
/// other side announced that it sleeps. A frame larger than the free space — or than the whole ring — is streamed:
/// the writer publishes it piece by piece while the reader, already holding its lock, copies the pieces out.
/// </summary>
/// <remarks>
/// <para>Positions (head, tail) are absolute byte counts that only grow; the ring's capacity is a power of two.
/// Each side's fields share one cache line, and a field one side writes rarely (its "I sleep" flag) sits on the
/// line of the side that reads it on every operation. Settings fixed at creation (kind, capacity, bound) are copied
/// out once.</para>
/// <para>Repairs after a death: a reader that dies inside a streamed frame leaves <c>readEnd &gt; tail</c>, and the next
/// reader discards the rest of that frame. A writer that dies inside a streamed frame leaves <c>writeEnd &gt; head</c>:
/// the next writer completes the frame with filler and an "aborted" trailer, which readers drop; a reader left
/// waiting for that frame's bytes, which finds the writer dead, takes the writer's lock and ends the frame itself.</para>
/// </remarks>
internal sealed unsafe class MessageRing
{
    /// <summary>
    /// The default capacity: room for a few items of a mebibyte, so that even those usually go straight in from the
    /// putting thread (measured here: 1 MiB items flow about twice as fast as through a 1 MiB ring). The pages are
    /// shared memory, touched as the ring turns, freed with the queue's last user.
    /// </summary>
    public const int DefaultCapacity = 4 << 20;

    /// <summary>Bytes of a frame besides its body: the length and the trailer.</summary>
    public const int FrameOverhead = 5;

    // Producer line.
    private const int ProducerLockOffset = 0;
    private const int HeadOffset = 16;
    private const int WriteStartOffset = 24;
    private const int WriteEndOffset = 32;
    private const int PutCountOffset = 40;
    private const int ReaderAsleepOffset = 44;

    // Consumer line.
    private const int ConsumerLockOffset = 64;
    private const int TailOffset = 80;
    private const int ReadEndOffset = 88;
    private const int GetCountOffset = 96;
    private const int WriterAsleepOffset = 100;
    private const int PutterSleepersOffset = 104;

    // Shared line: set once, then read-mostly (the join fields are written per item only by joinable queues).
    private const int KindOffset = 128;
    private const int CapacityOffset = 132;
    private const int MaxSizeOffset = 136;
    private const int UnfinishedOffset = 140;
    private const int JoinSeqOffset = 144;
    private const int JoinSleepersOffset = 148;

    private const int DataOffset = 192;

    private const byte TrailerOk = 0x5A;
    private const byte TrailerAborted = 0xA5;

    private readonly Segment _segment;
    private readonly byte* _base;
    private readonly byte* _data;
    private readonly long _mask;
    private AdaptiveSpin _readerSpin;
    private AdaptiveSpin _writerSpin;
    private long _seenTail; // this process's last look at the tail (only grows, so a stale value under-reports room)
    private long _seenHead;

    private MessageRing(Segment segment)
    {
        _segment = segment;
        _base = segment.Base + Segment.HeaderSize;
        _data = _base + DataOffset;
        Kind = *(int*)(_base + KindOffset);
        Capacity = *(int*)(_base + CapacityOffset);
        MaxSize = *(int*)(_base + MaxSizeOffset);
        _mask = Capacity - 1;
    }

    /// <summary>What the ring serves, stored in it so that an import of the wrong type is refused.</summary>
    public int Kind { get; }

    /// <summary>Bytes of the ring.</summary>
    public int Capacity { get; }

    /// <summary>The queue's bound in items; <see cref="int.MaxValue"/> when unbounded.</summary>
    public int MaxSize { get; }

    public Segment Segment => _segment;

    private int* ProducerLock => (int*)(_base + ProducerLockOffset);
    private long* Head => (long*)(_base + HeadOffset);
    private long* WriteStart => (long*)(_base + WriteStartOffset);
    private long* WriteEnd => (long*)(_base + WriteEndOffset);
    private int* PutCount => (int*)(_base + PutCountOffset);
    private int* ReaderAsleep => (int*)(_base + ReaderAsleepOffset);
    private int* ConsumerLock => (int*)(_base + ConsumerLockOffset);
    private long* Tail => (long*)(_base + TailOffset);
    private long* ReadEnd => (long*)(_base + ReadEndOffset);
    private int* GetCount => (int*)(_base + GetCountOffset);
    private int* WriterAsleep => (int*)(_base + WriterAsleepOffset);
    private int* PutterSleepers => (int*)(_base + PutterSleepersOffset);
    private int* Unfinished => (int*)(_base + UnfinishedOffset);
    private int* JoinSeq => (int*)(_base + JoinSeqOffset);
    private int* JoinSleepers => (int*)(_base + JoinSleepersOffset);

    // The futex words of the positions: their low halves (little-endian), which change whenever the position does.
    private int* HeadWord => (int*)Head;
    private int* TailWord => (int*)Tail;

    /// <summary>Creates a ring of <paramref name="capacity"/> bytes (a power of two) in a new anonymous segment.</summary>
    public static MessageRing Create(int kind, int capacity, int maxSize, string label)
    {
        if (capacity < 64 || (capacity & (capacity - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The ring's capacity must be a power of two of at least 64 bytes.");
        var segment = Segment.CreateAnonymous(DataOffset + capacity, label);
        byte* b = segment.Base + Segment.HeaderSize;
        *(int*)(b + KindOffset) = kind;
        *(int*)(b + CapacityOffset) = capacity;
        *(int*)(b + MaxSizeOffset) = maxSize;
        return new MessageRing(segment);
    }

    /// <summary>Rebuilds a ring from a segment another process exported; checks that it holds a ring of <paramref name="kind"/>.</summary>
    public static MessageRing Open(Segment segment, int kind, string typeName)
    {
        byte* b = segment.Base + Segment.HeaderSize;
        int capacity = *(int*)(b + CapacityOffset);
        if (*(int*)(b + KindOffset) != kind || capacity < 64 || (capacity & (capacity - 1)) != 0 || DataOffset + (long)capacity + Segment.HeaderSize > segment.Length)
        {
            segment.Dispose();
            throw new InvalidDataException($"The shared memory received is not a {typeName}.");
        }
        return new MessageRing(segment);
    }

    /// <summary>Whether no frame bytes are waiting to be read.</summary>
    public bool IsEmpty => Volatile.Read(ref *Head) == Volatile.Read(ref *Tail);

    /// <summary>Items reserved by puts and not yet taken by gets (Python's <c>qsize()</c>: the semaphore's count).</summary>
    public int Count => Math.Max(0, Volatile.Read(ref *PutCount) - Volatile.Read(ref *GetCount));

    /// <summary>Pid holding the producer side, 0 when free (tests wait for a process to be inside a put).</summary>
    internal int ProducerOwner => OwnerWord.OwnerOf(Volatile.Read(ref *ProducerLock));

    /// <summary>Pid holding the consumer side, 0 when free.</summary>
    internal int ConsumerOwner => OwnerWord.OwnerOf(Volatile.Read(ref *ConsumerLock));

    /// <summary>Bytes published and not yet read.</summary>
    internal long Unread => Volatile.Read(ref *Head) - Volatile.Read(ref *Tail);

    // ----- item slots (Python's BoundedSemaphore(maxsize) around the pipe) -----

    /// <summary>Reserves a slot for one item; false while the queue holds <see cref="MaxSize"/> items.</summary>
    public bool TryReserveSlot()
    {
        int max = MaxSize;
        if (max == int.MaxValue)
        {
            Interlocked.Increment(ref *PutCount); // unbounded: no need to look at the consumers' line
            return true;
        }
        for (int puts = Volatile.Read(ref *PutCount); ; )
        {
            if (puts - Volatile.Read(ref *GetCount) >= max) return false;
            int seen = Interlocked.CompareExchange(ref *PutCount, puts + 1, puts);
            if (seen == puts) return true;
            puts = seen;
        }
    }

    /// <summary>Reserves a slot, waiting until <paramref name="deadline"/>; false on timeout.</summary>
    public bool ReserveSlot(Deadline deadline, CancellationToken cancellationToken)
    {
        if (Await(static (r, _) => r.TryReserveSlot(), 0, GetCount, PutterSleepers, counted: true, ref _writerSpin, deadline, cancellationToken)) return true;
        // A slot freed for us while we were giving up goes to the next sleeper.
        if (Volatile.Read(ref *PutterSleepers) > 0 && HasFreeSlot) FutexWait.Wake(GetCount, 1);
        return false;
    }

    /// <summary>Gives back the slot of an item that was reserved but will never be put.</summary>
    public void ReturnSlot() => FreeSlot(ref *PutCount, -1);

    private bool HasFreeSlot => Volatile.Read(ref *PutCount) - Volatile.Read(ref *GetCount) < MaxSize;

    /// <summary>Counts one item taken and wakes a putter waiting for room.</summary>
    private void CountTaken() => FreeSlot(ref *GetCount, 1);

    private void FreeSlot(ref int counter, int delta)
    {
        Interlocked.Add(ref counter, delta);
        if (Volatile.Read(ref *PutterSleepers) > 0) FutexWait.Wake(GetCount, 1);
    }

    // ----- unfinished tasks (JoinableQueue) -----

    /// <summary>Counts one more unfinished task (before its item becomes visible).</summary>
    public void AddUnfinished() => Interlocked.Increment(ref *Unfinished);

    /// <summary>Unfinished tasks now.</summary>
    public int UnfinishedCount => Volatile.Read(ref *Unfinished);

    /// <summary>Counts one task done; false if none was unfinished.</summary>
    public bool TryTaskDone()
    {
        for (int c = Volatile.Read(ref *Unfinished); ; )
        {
            if (c <= 0) return false;
            int seen = Interlocked.CompareExchange(ref *Unfinished, c - 1, c);
            if (seen != c)
            {
                c = seen;
                continue;
            }
            if (c == 1)
            {
                Interlocked.Increment(ref *JoinSeq);
                if (Volatile.Read(ref *JoinSleepers) > 0) FutexWait.WakeAll(JoinSeq);
            }
            return true;
        }
    }

    /// <summary>Waits until no task is unfinished; false on timeout.</summary>
    public bool WaitAllDone(Deadline deadline, CancellationToken cancellationToken) =>
        Await(static (r, _) => r.UnfinishedCount == 0, 0, JoinSeq, JoinSleepers, counted: true, ref _writerSpin, deadline, cancellationToken);

    // ----- locks -----

    /// <summary>Takes the producer side without waiting (a dead holder is not taken over here).</summary>
    public bool TryEnterProducer() => OwnerWord.TryAcquire(ProducerLock);

    /// <summary>
    /// Takes the producer side, waiting; a side abandoned by a dead process is taken over. A frame left unfinished by
    /// the previous holder (dead, or cancelled while waiting for room) is ended first, as aborted.
    /// </summary>
    public bool EnterProducer(Deadline deadline, CancellationToken cancellationToken)
    {
        if (!OwnerWord.TryAcquire(ProducerLock) && OwnerWord.Acquire(ProducerLock, deadline, cancellationToken, out _) == AcquireOutcome.TimedOut)
            return false;
        try
        {
            EndUnfinishedFrame(cancellationToken);
        }
        catch
        {
            ExitProducer();
            throw;
        }
        return true;
    }

    public void ExitProducer() => OwnerWord.Release(ProducerLock);

    /// <summary>Takes the consumer side without waiting.</summary>
    public bool TryEnterConsumer() => OwnerWord.TryAcquire(ConsumerLock);

    /// <summary>Takes the consumer side, waiting; one abandoned by a dead process is taken over (its frame is dropped on the next read).</summary>
    public bool EnterConsumer(Deadline deadline, CancellationToken cancellationToken) =>
        OwnerWord.TryAcquire(ConsumerLock) || OwnerWord.Acquire(ConsumerLock, deadline, cancellationToken, out _) != AcquireOutcome.TimedOut;

    public void ExitConsumer() => OwnerWord.Release(ConsumerLock);

    // ----- writing (producer side held) -----

    /// <summary>Writes a whole frame if it fits in the free space now; false otherwise (nothing written).</summary>
    public bool TryWrite(ReadOnlySpan<byte> body)
    {
        long head = *Head;
        if (Volatile.Read(ref *WriteEnd) > head) return false; // an unfinished frame must be ended first (Write does)
        long need = body.Length + (long)FrameOverhead;
        if (Capacity - (head - _seenTail) < need)
        {
            _seenTail = Volatile.Read(ref *Tail);
            if (Capacity - (head - _seenTail) < need) return false;
        }
        int offset = (int)(head & _mask);
        if (offset + need <= Capacity)
        {
            // The whole frame is contiguous (nearly always): no wrapping arithmetic.
            byte* frame = _data + offset;
            *(int*)frame = body.Length; // little-endian, as CopyOut reads it
            body.CopyTo(new Span<byte>(frame + 4, body.Length));
            frame[4 + body.Length] = TrailerOk;
        }
        else
        {
            Span<byte> header = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(header, body.Length);
            CopyIn(head, header);
            CopyIn(head + 4, body);
            _data[(head + 4 + body.Length) & _mask] = TrailerOk;
        }
        Publish(head + need);
        return true;
    }

    /// <summary>
    /// Writes a frame of any size, waiting for room: a frame of up to half the ring waits until it fits whole; a
    /// larger one is published piece by piece as the reader frees room.
    /// </summary>
    /// <exception cref="OperationCanceledException">
    /// The token was cancelled while waiting for room. A frame cut short this way is ended as aborted by the next
    /// writer (or by a reader left waiting for it), so readers drop it.
    /// </exception>
    public void Write(ReadOnlySpan<byte> body, CancellationToken cancellationToken)
    {
        EndUnfinishedFrame(cancellationToken);
        long size = body.Length + (long)FrameOverhead;
        if (size <= Capacity / 2)
        {
            WaitForRoom((int)size, cancellationToken);
            if (!TryWrite(body)) throw new InvalidOperationException("The ring's room shrank while its producer side was held.");
            return;
        }
        long head = *Head;
        Volatile.Write(ref *WriteStart, head);
        Volatile.Write(ref *WriteEnd, head + size);
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(header, body.Length);
        WaitForRoom(4, cancellationToken);
        CopyIn(head, header);
        Publish(head += 4);
        while (body.Length > 0)
        {
            int n = (int)Math.Min(WaitForRoom((int)Math.Min(body.Length, Capacity / 4), cancellationToken), body.Length);
            CopyIn(head, body[..n]);
            body = body[n..];
            Publish(head += n);
        }
        WaitForRoom(1, cancellationToken);
        _data[head & _mask] = TrailerOk;
        Publish(head + 1);
    }

    /// <summary>Ends a frame the previous producer left unfinished: forgotten if none of it was published, else completed as aborted.</summary>
    private void EndUnfinishedFrame(CancellationToken cancellationToken)
    {
        long head = *Head;
        if (Volatile.Read(ref *WriteEnd) <= head) return;
        if (head == Volatile.Read(ref *WriteStart)) Volatile.Write(ref *WriteEnd, head);
        else FinishAborted(cancellationToken);
    }

    private void FinishAborted(CancellationToken cancellationToken)
    {
        long head = *Head;
        long end = Volatile.Read(ref *WriteEnd);
        while (head < end - 1)
        {
            int n = (int)Math.Min(WaitForRoom(1, cancellationToken), end - 1 - head);
            for (int i = 0; i < n; i++) _data[(head + i) & _mask] = 0;
            Publish(head += n);
        }
        WaitForRoom(1, cancellationToken);
        _data[head & _mask] = TrailerAborted;
        Publish(head + 1);
    }

    /// <summary>Waits until at least <paramref name="atLeast"/> bytes are free; returns the free bytes.</summary>
    private int WaitForRoom(int atLeast, CancellationToken cancellationToken)
    {
        Await(static (r, n) => r.Room() >= n, atLeast, TailWord, WriterAsleep, counted: false, ref _writerSpin, Deadline.Infinite, cancellationToken);
        return Room();
    }

    private int Room()
    {
        _seenTail = Volatile.Read(ref *Tail);
        return (int)(Capacity - (*Head - _seenTail));
    }

    /// <summary>Makes the bytes up to <paramref name="head"/> visible, then wakes a reader that sleeps.</summary>
    private void Publish(long head)
    {
        Interlocked.Exchange(ref *Head, head); // a full fence before looking for a sleeper (the reader's side mirrors it)
        WakeIfAsleep(ReaderAsleep, HeadWord);
    }

    private void CopyIn(long position, ReadOnlySpan<byte> bytes)
    {
        int offset = (int)(position & _mask);
        int first = Math.Min(bytes.Length, Capacity - offset);
        bytes[..first].CopyTo(new Span<byte>(_data + offset, first));
        if (first < bytes.Length) bytes[first..].CopyTo(new Span<byte>(_data, bytes.Length - first));
    }

    // ----- reading (consumer side held) -----

    /// <summary>
    /// Reads the next frame into a buffer from <see cref="FrameBuffers"/> (the caller returns it), waiting
    /// for its start until <paramref name="deadline"/>; false on timeout. Once a frame has begun, the rest is awaited
    /// whatever the deadline (the writer is publishing it), unless the token is cancelled: then the frame is lost.
    /// With <paramref name="wholeOnly"/>, a frame that has not fully arrived is left alone (false): a probe that must
    /// not block, such as an async twin's first try.
    /// </summary>
    public bool TryRead(Deadline deadline, CancellationToken cancellationToken, out byte[] buffer, out int length, bool wholeOnly = false)
    {
        Span<byte> header = stackalloc byte[4];
        buffer = [];
        length = 0;
        for (;;)
        {
            long tail = *Tail;
            long orphanEnd = Volatile.Read(ref *ReadEnd);
            if (orphanEnd > tail)
            {
                if (wholeOnly) return false;
                DropUntil(orphanEnd, cancellationToken); // a reader died inside this frame
            }
            if (!WaitForBytes(4, deadline, cancellationToken)) return false;
            tail = *Tail;
            CopyOut(tail, header);
            int size = BinaryPrimitives.ReadInt32LittleEndian(header);
            if (size < 0 || size > Array.MaxLength)
                throw new InvalidDataException($"The queue's shared memory holds a malformed frame (length {size}); it was written by something other than Spindle.");
            long end = tail + 4 + size + 1;
            bool whole = _seenHead >= end || (_seenHead = Volatile.Read(ref *Head)) >= end;
            if (!whole && wholeOnly) return false;
            length = size;
            buffer = FrameBuffers.Rent(length);
            bool ok;
            try
            {
                ok = whole ? ReadWhole(tail, buffer, length) : ReadStreamed(tail, end, buffer, length, cancellationToken);
            }
            catch
            {
                FrameBuffers.Return(buffer);
                throw;
            }
            if (ok) return true;
            FrameBuffers.Return(buffer);
            buffer = [];
            length = 0;
        }
    }

    /// <summary>Counts a read item as taken (after the consumer side is released): frees its slot.</summary>
    public void Taken() => CountTaken();

    private bool ReadWhole(long tail, byte[] buffer, int length)
    {
        CopyOut(tail + 4, buffer.AsSpan(0, length));
        byte trailer = _data[(tail + 4 + length) & _mask];
        Advance(tail + 4 + length + 1);
        return CheckTrailer(trailer);
    }

    private bool ReadStreamed(long tail, long end, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        Volatile.Write(ref *ReadEnd, end);
        Advance(tail += 4);
        // Cancelled inside the frame, this reader leaves ReadEnd behind: the next reader drops the rest.
        for (int filled = 0; filled < length; )
        {
            int available = WaitForFrameBytes(end, cancellationToken);
            if (available < 0) return false; // the writer is gone and the frame was ended here
            int n = Math.Min(available, length - filled);
            CopyOut(tail, buffer.AsSpan(filled, n));
            filled += n;
            Advance(tail += n);
        }
        if (WaitForFrameBytes(end, cancellationToken) < 0) return false;
        byte trailer = _data[tail & _mask];
        Advance(tail + 1);
        return CheckTrailer(trailer);
    }

    private static bool CheckTrailer(byte trailer) => trailer switch
    {
        TrailerOk => true,
        TrailerAborted => false,
        _ => throw new InvalidDataException($"The queue's shared memory holds a malformed frame (trailer 0x{trailer:X2}); it was written by something other than Spindle."),
    };

    /// <summary>Drops the rest of a frame whose reader died (or gave up) inside it.</summary>
    private void DropUntil(long end, CancellationToken cancellationToken)
    {
        for (long tail = *Tail; tail < end; tail = *Tail)
        {
            int available = WaitForFrameBytes(end, cancellationToken);
            if (available < 0) return;
            Advance(tail + Math.Min(available, end - tail));
        }
    }

    /// <summary>
    /// Waits for at least one byte of the frame ending at <paramref name="end"/>; returns the bytes available, or −1
    /// when its writer turned out dead and this reader ended the frame (the reader then owns nothing of it).
    /// </summary>
    private int WaitForFrameBytes(long end, CancellationToken cancellationToken)
    {
        long tail = *Tail;
        bool arrived = Await(static (r, t) => Volatile.Read(ref *r.Head) > t, tail, HeadWord, ReaderAsleep, counted: false,
            ref _readerSpin, Deadline.Infinite, cancellationToken, stalled: static (r, t) => r.EndFrameOfDeadWriter(t));
        return arrived ? Available(tail, end) : -1;
    }

    private int Available(long tail, long end) => (int)Math.Min(Math.Min(Volatile.Read(ref *Head), end) - tail, int.MaxValue);

    /// <summary>
    /// The frame being read stalled for a whole sleep slice: if its writer is gone (its process dead, or it gave up on
    /// a cancellation), take the producer side and end the frame where it stopped, dropping what this reader has of it.
    /// A live writer is left alone.
    /// </summary>
    private bool EndFrameOfDeadWriter(long tail)
    {
        if (OwnerWord.Acquire(ProducerLock, Deadline.Start(TimeSpan.Zero), CancellationToken.None, out _) == AcquireOutcome.TimedOut) return false;
        long head = *Head;
        bool stalled = Volatile.Read(ref *WriteEnd) > head && head == tail;
        if (stalled)
        {
            Volatile.Write(ref *WriteEnd, head);
            Volatile.Write(ref *WriteStart, head);
            Volatile.Write(ref *ReadEnd, head);
        }
        ExitProducer();
        return stalled;
    }

    /// <summary>Waits until at least <paramref name="count"/> bytes are readable, until the deadline; false on timeout.</summary>
    private bool WaitForBytes(int count, Deadline deadline, CancellationToken cancellationToken) =>
        Await(static (r, n) => r._seenHead - *r.Tail >= n || (r._seenHead = Volatile.Read(ref *r.Head)) - *r.Tail >= n, count,
            HeadWord, ReaderAsleep, counted: false, ref _readerSpin, deadline, cancellationToken);

    /// <summary>Frees bytes up to <paramref name="tail"/>, then wakes a writer that sleeps for room.</summary>
    private void Advance(long tail)
    {
        Interlocked.Exchange(ref *Tail, tail); // a full fence before looking for a sleeper
        WakeIfAsleep(WriterAsleep, TailWord);
    }

    private void CopyOut(long position, Span<byte> destination)
    {
        int offset = (int)(position & _mask);
        int first = Math.Min(destination.Length, Capacity - offset);
        new ReadOnlySpan<byte>(_data + offset, first).CopyTo(destination);
        if (first < destination.Length) new ReadOnlySpan<byte>(_data, destination.Length - first).CopyTo(destination[first..]);
    }

    // ----- waking and spinning -----

    /// <summary>Wakes every sleeper of this ring in every process (they re-check; used when a process closes its queue).</summary>
    public void WakeAll()
    {
        FutexWait.WakeAll(HeadWord);
        FutexWait.WakeAll(TailWord);
        FutexWait.WakeAll(GetCount);
        FutexWait.WakeAll(JoinSeq);
        FutexWait.WakeAll(ProducerLock);
        FutexWait.WakeAll(ConsumerLock);
    }

    private delegate bool Condition(MessageRing ring, long argument);

    /// <summary>
    /// Waits until <paramref name="ready"/> holds or the deadline passes: spins as long as <paramref name="spin"/> says
    /// (at most about the cost of a sleep and a wake-up), then sleeps on <paramref name="word"/> (which the other side
    /// changes, then wakes), telling <paramref name="spin"/> how it went. The sleeper says so in
    /// <paramref name="asleep"/>: as a count when any number may sleep there, or as a flag that the waker clears, when
    /// only the holder of a side sleeps there — so a busy other side pays one wake-up per sleep, not one per item.
    /// <paramref name="stalled"/> runs after a whole slice without news; true ends the wait (returning false).
    /// </summary>
    private bool Await(Condition ready, long argument, int* word, int* asleep, bool counted, ref AdaptiveSpin spin, Deadline deadline,
        CancellationToken cancellationToken, Condition? stalled = null)
    {
        if (ready(this, argument)) return true;
        if (deadline.HasExpired) return false;
        long start = Stopwatch.GetTimestamp(), stop = spin.EndOf(start);
        for (int spins = 1; Stopwatch.GetTimestamp() < stop; spins++)
        {
            Thread.SpinWait(4);
            if (ready(this, argument))
            {
                spin.Caught();
                return true;
            }
            if ((spins & 63) == 0) Thread.Yield(); // on a busy machine the other side may be waiting for this very CPU
        }
        try
        {
            return Sleep(ready, argument, word, asleep, counted, deadline, stalled, cancellationToken);
        }
        finally
        {
            spin.Blocked(start);
        }
    }

    private bool Sleep(Condition ready, long argument, int* word, int* asleep, bool counted, Deadline deadline,
        Condition? stalled, CancellationToken cancellationToken)
    {
        if (counted) Interlocked.Increment(ref *asleep);
        try
        {
            for (;;)
            {
                if (!counted) Interlocked.Exchange(ref *asleep, 1); // a full fence before the last look
                int seen = Volatile.Read(ref *word);
                if (ready(this, argument)) return true;
                if (!FutexWait.Sleep(word, seen, deadline, cancellationToken, out bool sliceElapsed)) return ready(this, argument);
                if (sliceElapsed && stalled is not null && stalled(this, argument)) return false;
            }
        }
        finally
        {
            if (counted) Interlocked.Decrement(ref *asleep);
            else Volatile.Write(ref *asleep, 0);
        }
    }

    /// <summary>Wakes the side that raised <paramref name="asleep"/>, once, clearing the flag.</summary>
    private static void WakeIfAsleep(int* asleep, int* word)
    {
        if (Volatile.Read(ref *asleep) != 0 && Interlocked.Exchange(ref *asleep, 0) != 0) FutexWait.WakeAll(word);
    }
}
