using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Emit;

namespace Spindle.Serialization;

/// <summary>
/// Rebuilds delegates. <see cref="Delegate.CreateDelegate(Type, object?, MethodInfo, bool)"/> validates the binding
/// by reflection on every call; here it runs once per (delegate type, method) to check the binding, and later calls
/// go through an emitted <c>ldftn</c> + <c>newobj</c> factory, as the compiler's own code creates delegates.
/// </summary>
internal static class DelegateFactory
{
    private static readonly ConcurrentDictionary<(Type DelegateType, MethodInfo Method), Func<object?, Delegate>?> s_factories = new();

    /// <summary>The delegate, or null when <paramref name="method"/> cannot be bound to <paramref name="delegateType"/> with such a target.</summary>
    public static Delegate? Create(Type delegateType, MethodInfo method, object? target)
    {
        if (!s_factories.TryGetValue((delegateType, method), out var factory))
        {
            // Reflection decides whether the binding is valid; only a valid one gets a factory.
            var checkedDelegate = target is null
                ? Delegate.CreateDelegate(delegateType, method, throwOnBindFailure: false)
                : Delegate.CreateDelegate(delegateType, target, method, throwOnBindFailure: false);
            if (checkedDelegate is null) return null;
            if (target is not null && !method.IsStatic && !method.DeclaringType!.IsValueType && method.DeclaringType.IsInstanceOfType(target))
                s_factories.TryAdd((delegateType, method), Emit(delegateType, method));
            else if (target is null && method.IsStatic)
                s_factories.TryAdd((delegateType, method), Emit(delegateType, method));
            return checkedDelegate;
        }
        if (factory is null || (target is null) != method.IsStatic || (target is not null && !method.DeclaringType!.IsInstanceOfType(target)))
        {
            return target is null
                ? Delegate.CreateDelegate(delegateType, method, throwOnBindFailure: false)
                : Delegate.CreateDelegate(delegateType, target, method, throwOnBindFailure: false);
        }
        return factory(target);
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
