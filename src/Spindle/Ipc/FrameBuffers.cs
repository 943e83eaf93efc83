using System.Buffers;

namespace Spindle.Ipc;

/// <summary>
/// Buffers for the frames a queue reader copies out of the shared ring: each thread keeps one small buffer for the
/// common small item (no pool round trip per item); larger frames rent from <see cref="ArrayPool{T}.Shared"/>.
/// </summary>
internal static class FrameBuffers
{
    private const int SmallSize = 4096;

    [ThreadStatic] private static byte[]? t_small;

    /// <summary>A buffer of at least <paramref name="length"/> bytes; give it back with <see cref="Return"/>.</summary>
    public static byte[] Rent(int length)
    {
        if (length <= SmallSize)
        {
            var small = t_small ?? new byte[SmallSize];
            t_small = null; // taken: a nested rent on this thread gets another
            return small;
        }
        return ArrayPool<byte>.Shared.Rent(length);
    }

    public static void Return(byte[] buffer)
    {
        if (buffer.Length == SmallSize) t_small = buffer;
        else if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }
}
