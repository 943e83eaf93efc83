namespace Spindle;

/// <summary>
/// Where a <see cref="Future"/> is in its life: pending → running → finished, or pending → cancelled
/// (Python: the <c>_state</c> of <c>concurrent.futures.Future</c>: <c>PENDING</c>, <c>RUNNING</c>, <c>CANCELLED</c>, <c>FINISHED</c>).
/// </summary>
public enum FutureState
{
    /// <summary>Not started yet; can still be cancelled. Python: <c>PENDING</c>.</summary>
    Pending,

    /// <summary>Running; can no longer be cancelled. Python: <c>RUNNING</c>.</summary>
    Running,

    /// <summary>Cancelled before it ran. Python: <c>CANCELLED</c> / <c>CANCELLED_AND_NOTIFIED</c>.</summary>
    Cancelled,

    /// <summary>Finished with a result or an exception. Python: <c>FINISHED</c>.</summary>
    Finished,
}
