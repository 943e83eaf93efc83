using System.Buffers;
using System.Buffers.Binary;

namespace Spindle.Ipc;

/// <summary>
/// Encoded items waiting in this process for room in a queue's ring, in order, packed back to back
/// (<c>[i32 length][bytes]</c>) in 64 KiB chunks: a small item costs its encoded size plus four bytes, so a million
/// pending small items take about a dozen megabytes. An item larger than a chunk gets a chunk of its own. Chunks come
/// from <see cref="ArrayPool{T}.Shared"/> and go back once fed: fresh memory costs page faults, which are dear on a VM
/// (tens of microseconds each). Not thread-safe: <see cref="QueueFeeder"/> guards it.
/// </summary>
internal sealed class PendingFrames
{
    private const int ChunkSize = 64 * 1024;

    private readonly Queue<Chunk> _chunks = new();
    private Chunk? _last;

    /// <summary>Whether nothing is pending.</summary>
    public bool IsEmpty => _chunks.Count == 0;

    /// <summary>Appends a copy of <paramref name="body"/>.</summary>
    public void Add(ReadOnlySpan<byte> body)
    {
        int need = body.Length + 4;
        if (_last is null || _last.Bytes.Length - _last.Written < need)
        {
            _last = new Chunk(ArrayPool<byte>.Shared.Rent(Math.Max(ChunkSize, need)));
            _chunks.Enqueue(_last);
        }
        var target = _last.Bytes.AsSpan(_last.Written, need);
        BinaryPrimitives.WriteInt32LittleEndian(target, body.Length);
        body.CopyTo(target[4..]);
        _last.Written += need;
    }

    /// <summary>Removes the oldest chunk (its items in order); null when nothing is pending.</summary>
    public Chunk? TakeChunk()
    {
        if (!_chunks.TryDequeue(out var chunk)) return null;
        if (ReferenceEquals(chunk, _last)) _last = null;
        return chunk;
    }

    /// <summary>A run of packed items.</summary>
    internal sealed class Chunk(byte[] bytes)
    {
        public byte[] Bytes { get; } = bytes;

        public int Written { get; set; }

        /// <summary>How far the feeder has moved the items into the ring.</summary>
        public int Read { get; private set; }

        public bool HasItem => Read < Written;

        /// <summary>The next item, without removing it.</summary>
        public ReadOnlySpan<byte> Peek() => Bytes.AsSpan(Read + 4, BinaryPrimitives.ReadInt32LittleEndian(Bytes.AsSpan(Read)));

        /// <summary>Removes the item <see cref="Peek"/> returned.</summary>
        public void Skip() => Read += 4 + BinaryPrimitives.ReadInt32LittleEndian(Bytes.AsSpan(Read));

        /// <summary>Gives the chunk's memory back once every item is fed.</summary>
        public void Release() => ArrayPool<byte>.Shared.Return(Bytes);
    }
}
