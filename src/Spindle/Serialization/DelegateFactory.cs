using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Emit;

namespace Spindle.Serialization;

/// <summary>
/// Rebuilds delegates. <see cref="Delegate.CreateDelegate(Type, object?, MethodInfo, bool)"/> validates the binding
/// by reflection on every call; here it checks the first bindings of a (delegate type, method), and later calls
/// go through an emitted <c>ldftn</c> + <c>newobj</c> factory, as the compiler's own code creates delegates.
/// </summary>
internal static class DelegateFactory
{
    // Keyed by the method alone (a method is nearly always bound to one delegate type): a tuple key would be one more
    // struct instantiation of the dictionary for a fresh child process to JIT-compile.
    private static readonly ConcurrentDictionary<MethodInfo, Factory> s_factories = new();

    /// <summary>The delegate, or null when <paramref name="method"/> cannot be bound to <paramref name="delegateType"/> with such a target.</summary>
    public static Delegate? Create(Type delegateType, MethodInfo method, object? target)
    {
        if (s_factories.TryGetValue(method, out var factory) && factory.DelegateType == delegateType && factory.Emitted is { } emitted
            && (target is null) == method.IsStatic && (target is null || method.DeclaringType!.IsInstanceOfType(target)))
        {
            return emitted(target);
        }
        // Reflection decides whether the binding is valid; only a valid one gets a factory.
        var checkedDelegate = target is null
            ? Delegate.CreateDelegate(delegateType, method, throwOnBindFailure: false)
            : Delegate.CreateDelegate(delegateType, target, method, throwOnBindFailure: false);
        if (checkedDelegate is null || !Emittable(method, target)) return checkedDelegate;
        // Emitting costs a fresh process milliseconds (Reflection.Emit is JIT-compiled on first use), more than many
        // reflective creations: a (delegate type, method) pair gets its factory only when it is bound a second time.
        factory ??= s_factories.GetOrAdd(method, new Factory(delegateType));
        if (factory.DelegateType == delegateType && Interlocked.Increment(ref factory.Uses) == 2) factory.Emitted = Emit(delegateType, method);
        return checkedDelegate;
    }

    private static bool Emittable(MethodInfo method, object? target) =>
        target is null ? method.IsStatic
        : !method.IsStatic && !method.DeclaringType!.IsValueType && method.DeclaringType.IsInstanceOfType(target);

    private sealed class Factory(Type delegateType)
    {
        public readonly Type DelegateType = delegateType;
        public int Uses;
        public volatile Func<object?, Delegate>? Emitted;
    }

    private static Func<object?, Delegate> Emit(Type delegateType, MethodInfo method)
    {
        var constructor = delegateType.GetConstructor([typeof(object), typeof(IntPtr)])!;
        var dm = new DynamicMethod("new_" + delegateType.Name, typeof(Delegate), [typeof(object)], typeof(DelegateFactory).Module, skipVisibility: true);
        var il = dm.GetILGenerator();
        if (method.IsStatic) il.Emit(OpCodes.Ldnull);
        else il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldftn, method);
        il.Emit(OpCodes.Newobj, constructor);
        il.Emit(OpCodes.Ret);
        return dm.CreateDelegate<Func<object?, Delegate>>();
    }
}
