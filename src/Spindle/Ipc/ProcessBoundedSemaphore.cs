using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// A semaphore shared between processes that refuses a release above its initial value.
/// Python: <c>multiprocessing.BoundedSemaphore(value=1)</c>.
/// </summary>
public sealed class ProcessBoundedSemaphore : ProcessSemaphore, IShareable<ProcessBoundedSemaphore>
{
    /// <summary>Creates a bounded semaphore whose counter starts at, and may never rise above, <paramref name="value"/>. Python: <c>multiprocessing.BoundedSemaphore(value=1)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public ProcessBoundedSemaphore(int value = 1) : base(value, bounded: true) { }

    private ProcessBoundedSemaphore(Segment segment) : base(segment) { }

    /// <summary>Rebuilds the bounded semaphore in the receiving process (the bound travels in the shared memory).</summary>
    public static new ProcessBoundedSemaphore Import(ShareableHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return new ProcessBoundedSemaphore(Segment.Import(handle.State.Span));
    }
}
