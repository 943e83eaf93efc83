using System.Runtime.InteropServices;
using Spindle.Native;

namespace Spindle.Signals;

/// <summary>
/// The state of one signal and the only code that changes its kernel disposition. Spindle owns the disposition of every
/// signal it touches: it keeps one <see cref="PosixSignalRegistration"/> per handled signal for good and switches the
/// kernel between that runtime handler, SIG_IGN and the original disposition with sigaction(2), because the runtime's
/// registrations alone can neither ignore a signal (SIG_IGN) nor handle one the process started with ignored.
/// </summary>
internal sealed unsafe class SignalSlot
{
    private static readonly Lock Gate = new();
    private static readonly SignalSlot?[] Slots = new SignalSlot?[65];

    private const int SigWinch = 28;

    private readonly int _number;
    private readonly SigAction _original;
    private SigAction _runtime;
    private PosixSignalRegistration? _registration;

    private SignalSlot(int number)
    {
        _number = number;
        SigAction current;
        if (Libc.SigActionCall(number, null, &current) != 0) throw Failure("sigaction", number);
        _original = current;
    }

    // Written under the lock, read without it by the runtime's signal dispatch.
    private volatile SignalDisposition _kind;
    private volatile Action<int>? _handler;

    /// <summary>Spindle's current disposition.</summary>
    public SignalDisposition Kind => _kind;

    /// <summary>What arrives at the signal now: <see cref="Kind"/>, except that a signal Spindle has not changed and the
    /// process started with ignored (inherited SIG_IGN) is ignored.</summary>
    public SignalDisposition Effective =>
        _kind == SignalDisposition.Default && _original.Handler == Libc.SIG_IGN ? SignalDisposition.Ignore : _kind;

    /// <summary>The handler while <see cref="Kind"/> is <see cref="SignalDisposition.Handler"/>.</summary>
    public Action<int>? Handler => _handler;

    /// <summary>The scope that set the current state (its Dispose restores what was before), or null.</summary>
    public object? Owner { get; private set; }

    /// <summary>Runs <paramref name="change"/> on the slot of <paramref name="signal"/> under the process-wide lock.</summary>
    public static T Update<T>(int signal, Func<SignalSlot, T> change)
    {
        lock (Gate)
        {
            var slot = Slots[signal] ??= new SignalSlot(signal);
            return change(slot);
        }
    }

    /// <summary>Switches the kernel and Spindle's state to (<paramref name="kind"/>, <paramref name="handler"/>).</summary>
    public void Apply(SignalDisposition kind, Action<int>? handler, object? owner)
    {
        var (oldKind, oldHandler) = (_kind, _handler);
        try
        {
            SigAction action;
            switch (kind)
            {
                case SignalDisposition.Handler:
                    // Set first: a signal arriving as soon as the runtime handler is in place must find it.
                    _handler = handler;
                    _kind = kind;
                    action = EnsureRegistered();
                    break;
                case SignalDisposition.Ignore:
                    action = default;
                    action.Handler = Libc.SIG_IGN;
                    break;
                default:
                    action = _original;
                    break;
            }
            if (Libc.SigActionCall(_number, &action, null) != 0) throw Failure("sigaction", _number);
        }
        catch
        {
            (_kind, _handler) = (oldKind, oldHandler);
            throw;
        }
        _kind = kind;
        _handler = kind == SignalDisposition.Handler ? handler : null;
        Owner = owner;
    }

    private SigAction EnsureRegistered()
    {
        if (_registration is null)
        {
            // The runtime declines to install its handler over SIG_IGN (SIGPIPE, or one inherited ignored): clear that first.
            var start = _original;
            if (start.Handler == Libc.SIG_IGN) start = default;
            if (Libc.SigActionCall(_number, &start, null) != 0) throw Failure("sigaction", _number);
            _registration = PosixSignalRegistration.Create((PosixSignal)_number, Dispatch);
            SigAction installed;
            if (Libc.SigActionCall(_number, null, &installed) != 0) throw Failure("sigaction", _number);
            if (installed.Handler is Libc.SIG_DFL or Libc.SIG_IGN)
                throw new NotSupportedException($"The .NET runtime did not install a handler for {Signal.Name(_number)}.");
            _runtime = installed;
        }
        return _runtime;
    }

    private void Dispatch(PosixSignalContext context)
    {
        var handler = Handler;
        // The runtime must still reap children and restore the terminal: never cancel its SIGCHLD/SIGCONT/SIGWINCH work.
        var runtimeNeedsIt = _number is Signal.SIGCHLD or Signal.SIGCONT or SigWinch;
        if (Kind == SignalDisposition.Handler && handler is not null)
        {
            context.Cancel = !runtimeNeedsIt;
            Signal.WriteWakeup(_number);
            try { handler(_number); }
            finally { Signal.NotifyHandled(); }
            return;
        }
        // Not handled: either the runtime's own default (SIGTERM's graceful exit), or a signal that was in flight while
        // the disposition changed, which is dropped rather than allowed to kill the process.
        context.Cancel = !runtimeNeedsIt && !(Kind == SignalDisposition.Default && _original.Handler is not (Libc.SIG_DFL or Libc.SIG_IGN));
    }

    private static IOException Failure(string call, int signal) =>
        new($"{call}({Signal.Name(signal)}) failed: {Libc.Describe(Libc.LastErrno)}.");
}
