namespace Spindle.Managers;

/// <summary>
/// A shared object as the server holds it, with the methods its proxy may call. Python: the referent in
/// <c>Server.id_to_obj</c> together with its <c>exposed</c> method names.
/// </summary>
internal abstract class Served
{
    /// <summary>
    /// Runs method <see cref="ServerCall.Method"/>. A call that completes at once writes its result into
    /// <see cref="ServerCall.Result"/> and returns a completed task; one that must wait (a lock, a queue, an event)
    /// reads its arguments first, then awaits with <see cref="ServerCall.Token"/>, which a <see cref="Op.Cancel"/> or the
    /// client's disconnection cancels. Only methods listed here can be called: an unknown number is an error.
    /// </summary>
    internal abstract ValueTask Invoke(ServerCall call);

    /// <summary>The error for a method number this type does not have.</summary>
    protected static InvalidDataException UnknownMethod(ServerCall call, string type) =>
        new($"Malformed manager call: {type} has no method {call.Method}.");
}

/// <summary>One call being served on a connection: its method, arguments, result and cancellation.</summary>
internal sealed class ServerCall
{
    private CancellationTokenSource? _cancellation;
    private Action? _giveBack;

    internal ServerCall(object caller) => Caller = caller;

    /// <summary>The connection the call came through: the owner of re-entrant locks, as Python's serving thread is.</summary>
    internal object Caller { get; }

    /// <summary>The method number (each <see cref="Served"/> type defines its own).</summary>
    internal byte Method { get; private set; }

    /// <summary>The arguments; valid only until the call first awaits (the connection reads its next frame into the same buffer).</summary>
    internal ReadOnlyMemory<byte> Arguments { get; private set; }

    /// <summary>Where the call writes its result (after the status byte the connection writes).</summary>
    internal WireWriter Result { get; } = new();

    /// <summary>The number of the call on its connection (what a <see cref="Op.Cancel"/> names).</summary>
    internal int Number { get; private set; }

    /// <summary>Cancelled by a <see cref="Op.Cancel"/> for this call, or when the client disconnects.</summary>
    internal CancellationToken Token => (_cancellation ??= new CancellationTokenSource()).Token;

    /// <summary>Whether <see cref="Cancel"/> was called for this call.</summary>
    internal bool IsCancelled => _cancellation?.IsCancellationRequested ?? false;

    /// <summary>A reader over the arguments.</summary>
    internal WireReader Reader() => new(Arguments.Span);

    internal void Begin(int number, byte method, ReadOnlyMemory<byte> arguments)
    {
        Number = number;
        Method = method;
        Arguments = arguments;
        Result.Clear();
        _giveBack = null;
        if (_cancellation is { } cts && !cts.TryReset()) _cancellation = null;
    }

    internal void Cancel() => _cancellation?.Cancel();

    /// <summary>
    /// Says how to undo what a waiting call took (a queue item, a lock) should its client be gone by the time the wait
    /// ends: the connection runs it, as the caller, instead of answering nobody — so a client that dies while it waits
    /// takes nothing with it. Python's server has no such step: a dead client's pending get swallows the next item.
    /// </summary>
    internal void OnUndelivered(Action giveBack) => _giveBack = giveBack;

    /// <summary>Runs (once) what <see cref="OnUndelivered"/> registered.</summary>
    internal void GiveBack()
    {
        var giveBack = _giveBack;
        _giveBack = null;
        giveBack?.Invoke();
    }
}
