namespace Spindle;

/// <summary>When <see cref="Futures.Wait"/> returns (Python: <c>concurrent.futures.FIRST_COMPLETED</c>, <c>FIRST_EXCEPTION</c>, <c>ALL_COMPLETED</c>).</summary>
public enum ReturnWhen
{
    /// <summary>When any future finishes or is cancelled. Python: <c>FIRST_COMPLETED</c>.</summary>
    FirstCompleted,

    /// <summary>When any future finishes by raising; if none raises, when all are done. Python: <c>FIRST_EXCEPTION</c>.</summary>
    FirstException,

    /// <summary>When every future is finished or cancelled. Python: <c>ALL_COMPLETED</c>.</summary>
    AllCompleted,
}
