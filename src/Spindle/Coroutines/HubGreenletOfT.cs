using System.Runtime.CompilerServices;

namespace Spindle.Coroutines;

/// <summary>A coroutine with a result. Python: <c>gevent.Greenlet</c> whose <c>value</c> is the function's return value.</summary>
/// <typeparam name="T">The result type.</typeparam>
public sealed class HubGreenlet<T> : HubGreenlet
{
    private readonly Func<Task<T>> _function;
    private T? _value;

    /// <summary>Creates a coroutine that runs <paramref name="function"/> once started. Python: <c>Greenlet(run)</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    public HubGreenlet(Func<Task<T>> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        _function = function;
    }

    /// <summary>The result once successful; default otherwise. Python: <c>Greenlet.value</c>.</summary>
    public new T? Value => _value;

    private protected override object? BoxedValue => _value;

    /// <summary>Waits for the coroutine and returns its result, or raises its exception. Python: <c>Greenlet.get(timeout)</c>.
    /// Main code only; coroutines await <see cref="GetAsync"/> (or the greenlet itself).</summary>
    /// <exception cref="TimeoutException">It did not finish within <paramref name="timeout"/>.</exception>
    public new T? Get(TimeSpan? timeout = null)
    {
        return MainGreenlet.Run(nameof(Get), () => GetAsync(timeout));
    }

    /// <summary>Awaitable twin of <see cref="Get"/>.</summary>
    public new async ValueTask<T?> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        await WaitReadyAsync(timeout, cancellationToken).ConfigureAwait(true);
        ThrowIfFailed();
        return _value;
    }

    /// <summary>Awaiting the coroutine returns its result or raises its exception. Python: <c>greenlet.get()</c>.</summary>
#pragma warning disable CA2012 // the awaiter is consumed once, by the await it serves
    public new ValueTaskAwaiter<T?> GetAwaiter() => GetAsync().GetAwaiter();
#pragma warning restore CA2012

    private protected override Task StartCore(object? argument) => _function();

    private protected override void CaptureResult(Task body) => _value = ((Task<T>)body).GetAwaiter().GetResult();
}
