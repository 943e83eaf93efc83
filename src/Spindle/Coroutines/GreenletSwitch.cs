using System.Runtime.CompilerServices;

namespace Spindle.Coroutines;

/// <summary>
/// The awaitable of <see cref="Greenlet.SwitchAsync"/> and <see cref="Greenlet.ThrowAsync"/>: awaiting it switches to the
/// target greenlet, and its result is the value later switched back (or the exception thrown back is raised).
/// Python: the return value of <c>greenlet.switch()</c>.
/// </summary>
/// <remarks>
/// No task, no allocation and no execution-context capture per switch: the awaiting method's continuation is kept by the
/// greenlet and invoked by the thread's trampoline when something switches back. Await it once, at once.
/// </remarks>
public readonly struct GreenletSwitch : ICriticalNotifyCompletion
{
    private readonly Greenlet? _self;   // the greenlet switching away; null when the switch already completed
    private readonly Greenlet? _target;
    private readonly object? _value;
    private readonly Exception? _error;

    internal GreenletSwitch(Greenlet self, Greenlet target, object? value, Exception? error)
    {
        _self = self;
        _target = target;
        _value = value;
        _error = error;
    }

    private GreenletSwitch(object? result) => _value = result;

    /// <summary>Whether the switch already came back (a switch from the main greenlet, or to oneself).</summary>
    public bool IsCompleted => _self is null;

    internal static GreenletSwitch Completed(object? result) => new(result);

    /// <summary>Returns this awaitable as its own awaiter.</summary>
    public GreenletSwitch GetAwaiter() => this;

    /// <summary>The value switched back to the awaiting greenlet; raises an exception thrown into it.</summary>
    public object? GetResult() => _self is null ? _value : _self.TakeInbox();

    /// <summary>Suspends the awaiting greenlet and switches. Execution context does not need to flow: the
    /// continuation runs on the same thread, invoked by the trampoline.</summary>
    public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

    /// <summary>Suspends the awaiting greenlet and switches.</summary>
    public void UnsafeOnCompleted(Action continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var self = _self ?? throw new InvalidOperationException("This switch has already completed.");
        self.Owner.Suspend(self, continuation, _target!, _value, _error);
    }
}
