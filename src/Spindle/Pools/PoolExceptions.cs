using System.Globalization;

namespace Spindle.Pools;

/// <summary>
/// A worker process of a <see cref="ProcessPoolExecutor"/> died abruptly, so the executor is broken: every pending
/// future fails with this exception and later submits throw it (Python: <c>concurrent.futures.process.BrokenProcessPool</c>).
/// The <see cref="Exception.InnerException"/> says which worker died and how (a <see cref="WorkerDiedException"/>), or
/// what failed in the worker (an initializer's exception).
/// </summary>
public class BrokenProcessPoolException : BrokenExecutorException
{
    /// <summary>Creates the exception with Python's message.</summary>
    public BrokenProcessPoolException()
        : base("A process in the process pool was terminated abruptly while the future was running or pending.") { }

    /// <summary>Creates the exception with a message.</summary>
    public BrokenProcessPoolException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public BrokenProcessPoolException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// The worker process running a task died before the task finished: killed by a signal, or it exited (a crash, an
/// <c>Environment.Exit</c> in the task). A <see cref="ProcessPool"/> fails that task with it and goes on with a fresh
/// worker. Python's <c>multiprocessing.Pool</c> has no such error (its result never arrives); pebble calls it
/// <c>ProcessExpired</c>.
/// </summary>
public class WorkerDiedException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public WorkerDiedException() : base("The worker process died while it ran the task.") { }

    /// <summary>Creates the exception with a message.</summary>
    public WorkerDiedException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public WorkerDiedException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for worker <paramref name="pid"/>, which ended with <paramref name="exitCode"/>.</summary>
    /// <param name="pid">The worker's pid.</param>
    /// <param name="exitCode">As <see cref="Processes.SpindleProcess.ExitCode"/>: N for <c>exit(N)</c>, −N for a death by signal N.</param>
    public WorkerDiedException(int pid, int exitCode) : base(Describe(pid, exitCode))
    {
        Pid = pid;
        ExitCode = exitCode;
    }

    /// <summary>The worker's pid.</summary>
    public int Pid { get; }

    /// <summary>How the worker ended: N for <c>exit(N)</c>, −N for a death by signal N (Python's <c>Process.exitcode</c>).</summary>
    public int ExitCode { get; }

    /// <summary>The signal that killed the worker, or null when it exited by itself.</summary>
    public int? Signal => ExitCode < 0 ? -ExitCode : null;

    private static string Describe(int pid, int exitCode)
    {
        var how = exitCode < 0
            ? string.Create(CultureInfo.InvariantCulture, $"was killed by signal {-exitCode} ({SignalName(-exitCode)})")
            : string.Create(CultureInfo.InvariantCulture, $"exited with code {exitCode}");
        return string.Create(CultureInfo.InvariantCulture, $"The worker process {pid} running this task {how} before the task finished.");
    }

    private static string SignalName(int signal)
    {
        try
        {
            return Spindle.Signals.Signal.Name(signal);
        }
        catch (ArgumentException)
        {
            return "unknown signal";
        }
    }
}
