namespace Spindle.Signals;

/// <summary>
/// What happens when a signal arrives, as <see cref="Signal.GetDisposition"/> reports it. Python: what
/// <c>signal.getsignal</c> returns — <c>SIG_DFL</c>, <c>SIG_IGN</c> or the handler.
/// </summary>
public enum SignalDisposition
{
    /// <summary>The default action (or the .NET runtime's own handling: SIGINT, SIGQUIT and SIGTERM end the process
    /// gracefully, SIGPIPE is ignored). Python: <c>signal.SIG_DFL</c>.</summary>
    Default,

    /// <summary>The kernel discards the signal. Python: <c>signal.SIG_IGN</c>.</summary>
    Ignore,

    /// <summary>A handler installed by <see cref="Signal.Handle(int, Action{int})"/> runs. Python: a handler function.</summary>
    Handler,
}
