using System.Runtime.CompilerServices;

namespace Spindle.Coroutines;

/// <summary>
/// The awaitable of a wait on the hub: the waiting greenlet switches to the hub and resumes with what its waker delivered
/// (<see cref="Hub.TimedOut"/> when the wait's timer fired). For the main greenlet the wait already happened (the hub
/// loop ran on its stack) and the awaitable is complete.
/// </summary>
internal readonly struct HubPark : ICriticalNotifyCompletion
{
    private readonly Greenlet? _self;
    private readonly Hub? _hub;
    private readonly object? _value;
    private readonly CancellationTokenRegistration _registration;
    private readonly bool _timed;

    internal HubPark(Greenlet self, Hub hub, CancellationTokenRegistration registration, bool timed)
    {
        _self = self;
        _hub = hub;
        _registration = registration;
        _timed = timed;
        _value = null;
    }

    private HubPark(object? value) => _value = value;

    public bool IsCompleted => _self is null;

    public static HubPark Completed(object? value) => new(value);

    public HubPark GetAwaiter() => this;

    public object? GetResult()
    {
        if (_self is null) return _value;
        _registration.Dispose();
        if (_timed && _self.InValue != Hub.TimedOut) _hub!.TimerAbandoned();
        return _self.TakeInbox();
    }

    public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

    public void UnsafeOnCompleted(Action continuation) => _self!.Owner.Suspend(_self, continuation, _hub!, null, null);
}
