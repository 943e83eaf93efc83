namespace Spindle.Broker;

/// <summary>
/// The broker cannot be reached, refused the credentials, or the connection was lost and could not be restored in
/// time. The message names the broker without its credentials.
/// </summary>
public class BrokerUnavailableException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public BrokerUnavailableException() : base("The broker is not available.") { }

    /// <summary>Creates the exception with a message.</summary>
    public BrokerUnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public BrokerUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// A task was not accepted: the broker could not route it (its queue does not exist) or refused it, or a worker refused
/// it because its signature did not match the worker's authkey. The task never ran.
/// </summary>
public class TaskRefusedException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public TaskRefusedException() : base("The task was refused.") { }

    /// <summary>Creates the exception with a message.</summary>
    public TaskRefusedException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public TaskRefusedException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// Every worker that took the task was lost before it finished — it died, froze, or lost its connection — as many
/// times as <see cref="BrokerOptions.MaxRedeliveries"/> allows, so the broker dead-lettered the task instead of
/// handing it to yet another worker. Python (billiard, under Celery): <c>WorkerLostError</c>.
/// </summary>
public class WorkerLostException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public WorkerLostException() : base("The worker running the task was lost too many times.") { }

    /// <summary>Creates the exception with a message.</summary>
    public WorkerLostException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public WorkerLostException(string message, Exception innerException) : base(message, innerException) { }
}
