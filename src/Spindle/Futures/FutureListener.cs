namespace Spindle;

/// <summary>
/// Something told when a future completes, before its done-callbacks run (Python: <c>concurrent.futures._base._Waiter</c>).
/// Unlike a callback it can be removed again, so a wait that gives up leaves nothing behind on the futures.
/// </summary>
internal abstract class FutureListener
{
    /// <summary>Called once, on the completing thread, when <paramref name="future"/> is finished or cancelled.</summary>
    internal abstract void OnFutureDone(Future future);
}
