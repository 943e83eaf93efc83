using System.Reflection;

namespace Spindle.Serialization;

/// <summary>
/// A call decoded by <see cref="CallCodec.Decode(ReadOnlySpan{byte})"/>: the rebuilt delegate and its arguments, ready to run.
/// Python: the unpickled <c>Process</c> whose <c>run()</c> calls <c>target(*args)</c>.
/// </summary>
public sealed class DecodedCall
{
    private readonly object?[] _arguments;

    internal DecodedCall(Delegate target, object?[] arguments)
    {
        Target = target;
        _arguments = arguments;
    }

    /// <summary>The rebuilt delegate (its closure's captured variables hold the decoded values). Python: <c>Process._target</c>.</summary>
    public Delegate Target { get; }

    /// <summary>The decoded arguments. Python: <c>Process._args</c>.</summary>
    public IReadOnlyList<object?> Arguments => _arguments;

    /// <summary><c>Namespace.Type.Method</c> of the target, for messages (lambdas read <c>Namespace.Type.Outer (lambda)</c>). Python: <c>target.__qualname__</c>.</summary>
    public string Describe => field ??= MethodRefs.Describe(Target.Method);

    /// <summary>
    /// Runs the call and returns its result (null for a void method). An exception from the target propagates as it
    /// was thrown, not wrapped. Python: <c>Process.run()</c>.
    /// </summary>
    public object? Invoke()
    {
        if (Target is Action action && _arguments.Length == 0)
        {
            action(); // the common process target, without reflection's first-call cost (exceptions are unwrapped below too)
            return null;
        }
        var method = Target.Method;
        var target = Target.Target;
        var args = _arguments;
        if (method.IsStatic && target is not null)
        {
            // A static method closed over its first argument (an extension method group): pass it explicitly.
            args = [target, .. args];
            target = null;
        }
        return method.Invoke(target, BindingFlags.DoNotWrapExceptions, binder: null, args, culture: null);
    }
}
