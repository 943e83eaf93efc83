namespace Spindle.Signals;

/// <summary>
/// Returned by <see cref="Signal.Handle(int, Action{int})"/> and <see cref="Signal.Ignore(int)"/>: disposing it puts back
/// what the signal had before, if this is still the signal's latest change (scopes nest like a stack).
/// </summary>
internal sealed class SignalScope(int signal, SignalDisposition previousKind, Action<int>? previousHandler, object? previousOwner) : IDisposable
{
    private bool _disposed;

    public void Dispose()
    {
        SignalSlot.Update(signal, slot =>
        {
            if (_disposed) return 0;
            _disposed = true;
            if (ReferenceEquals(slot.Owner, this)) slot.Apply(previousKind, previousHandler, previousOwner);
            return 0;
        });
    }
}
