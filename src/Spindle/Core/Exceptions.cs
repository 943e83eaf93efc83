namespace Spindle;

// Python's exception types, as .NET exceptions. Where the BCL already has the right type it is used
// instead (documented in docs/python-mapping.md): TimeoutException (TimeoutError),
// SynchronizationLockException (RuntimeError on release of an un-acquired/foreign lock),
// SemaphoreFullException (ValueError on over-release of a BoundedSemaphore),
// InvalidOperationException (InvalidStateError, ValueError on too many task_done()).

/// <summary>A put found the queue full (Python: <c>queue.Full</c>).</summary>
public class QueueFullException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public QueueFullException() : base("The queue is full.") { }

    /// <summary>Creates the exception with a message.</summary>
    public QueueFullException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public QueueFullException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>A get found the queue empty (Python: <c>queue.Empty</c>).</summary>
public class QueueEmptyException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public QueueEmptyException() : base("The queue is empty.") { }

    /// <summary>Creates the exception with a message.</summary>
    public QueueEmptyException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public QueueEmptyException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>The queue was shut down or closed (Python 3.13: <c>queue.ShutDown</c>; <c>ValueError</c> on a closed <c>multiprocessing.Queue</c>).</summary>
public class QueueShutDownException : InvalidOperationException
{
    /// <summary>Creates the exception with the default message.</summary>
    public QueueShutDownException() : base("The queue has been shut down.") { }

    /// <summary>Creates the exception with a message.</summary>
    public QueueShutDownException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public QueueShutDownException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>The barrier is broken (Python: <c>threading.BrokenBarrierError</c>).</summary>
public class BrokenBarrierException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public BrokenBarrierException() : base("The barrier is broken.") { }

    /// <summary>Creates the exception with a message.</summary>
    public BrokenBarrierException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public BrokenBarrierException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>A future was cancelled before it ran (Python: <c>concurrent.futures.CancelledError</c>).</summary>
public class FutureCancelledException : OperationCanceledException
{
    /// <summary>Creates the exception with the default message.</summary>
    public FutureCancelledException() : base("The future was cancelled.") { }

    /// <summary>Creates the exception with a message.</summary>
    public FutureCancelledException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public FutureCancelledException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// The executor can no longer run work: a worker died or an initializer failed
/// (Python: <c>concurrent.futures.BrokenExecutor</c>, and its subclasses <c>BrokenThreadPool</c>, <c>BrokenProcessPool</c>).
/// </summary>
public class BrokenExecutorException : InvalidOperationException
{
    /// <summary>Creates the exception with the default message.</summary>
    public BrokenExecutorException() : base("The executor is broken and cannot run work.") { }

    /// <summary>Creates the exception with a message.</summary>
    public BrokenExecutorException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public BrokenExecutorException(string message, Exception innerException) : base(message, innerException) { }
}
