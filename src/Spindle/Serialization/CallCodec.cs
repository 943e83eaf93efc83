using System.Collections.Concurrent;
using System.Reflection;

namespace Spindle.Serialization;

/// <summary>
/// Encodes a call — a delegate and its arguments — so that another process running the same application assemblies
/// can run it. Python: what <c>multiprocessing</c> pickles for <c>Process(target=f, args=…)</c> under <c>spawn</c>.
/// </summary>
/// <remarks>
/// The delegate may be a static method, a lambda without captures, a lambda whose captured variables (including a
/// captured <c>this</c>) are transferable, or an instance method of a transferable object; see
/// <see cref="ValueCodec"/> for what is transferable. The method is found in the receiving process by assembly,
/// declaring type, metadata token and module version id, so a different build is refused instead of running the
/// wrong code. Decode only payloads from an authenticated peer (the process layer guarantees this): a payload names
/// assemblies, types and a method to run.
/// </remarks>
public static class CallCodec
{
    private static readonly ConcurrentDictionary<MethodInfo, string?[]> s_parameterNames = new();

    /// <summary>Encodes <paramref name="target"/> called with <paramref name="args"/>. Python: pickling <c>(target, args)</c> at <c>Process.start()</c>.</summary>
    /// <exception cref="NotTransferableException">The target, a captured variable or an argument cannot cross; the message names it and its type.</exception>
    /// <exception cref="ArgumentException">The arguments do not match the delegate's parameters.</exception>
    public static byte[] Encode(Delegate target, params object?[] args) => Encode(target, args, null);

    /// <summary>Encodes a call, collecting the descriptors of shared handles into <paramref name="descriptors"/> (the process layer passes them with SCM_RIGHTS).</summary>
    internal static byte[] Encode(Delegate target, object?[] args, List<int>? descriptors)
    {
        ArgumentNullException.ThrowIfNull(target);
        args ??= [null];
        var plan = (DelegatePlan)TypePlans.For(target.GetType());
        var parameters = plan.Parameters;
        var names = s_parameterNames.TryGetValue(target.Method, out var known) ? known
            : s_parameterNames.GetOrAdd(target.Method, ParameterNames(target.Method, parameters.Length));
        CheckArguments(target, parameters, names, args);
        return Payloads.Encode(PayloadHeader.Call, w =>
        {
            w.WriteTypeRef(target.GetType());
            try
            {
                w.WriteSlot(target, plan);
            }
            catch (PathException e)
            {
                throw e.ToPublic("");
            }
            w.WriteLength(args.Length);
            for (var i = 0; i < args.Length; i++)
            {
                try
                {
                    w.WriteSlot(args[i], plan.ParameterPlans[i]);
                }
                catch (PathException e)
                {
                    throw e.ToPublic($"argument {i + 1} '{names[i]}'");
                }
            }
        }, Payloads.ToArray, descriptors);
    }

    /// <summary>Decodes a call encoded by <see cref="Encode(Delegate, object[])"/>, ready to <see cref="DecodedCall.Invoke"/>. Python: unpickling the process object in the child.</summary>
    /// <exception cref="SerializationFormatException">The payload is malformed, names a type or method that is not here, or comes from a different build (<see cref="AssemblyMismatchException"/>).</exception>
    public static DecodedCall Decode(ReadOnlySpan<byte> payload) => Decode(payload, null);

    /// <summary>Decodes a call whose shared handles refer to <paramref name="descriptors"/>, received beside the payload.</summary>
    internal static DecodedCall Decode(ReadOnlySpan<byte> payload, IReadOnlyList<int>? descriptors) =>
        Payloads.Decode(payload, PayloadHeader.Call, static (ref Reader r) =>
        {
            var plan = r.ReadTypeRef();
            if (plan is not DelegatePlan delegatePlan) throw r.Malformed($"the call target is a {TypeNames.Display(plan.Type)}, not a delegate");
            var target = (Delegate?)r.ReadSlot(delegatePlan) ?? throw r.Malformed("the call target is null");
            var parameters = delegatePlan.Parameters;
            var count = r.ReadCount(0);
            if (count != parameters.Length)
                throw r.Malformed($"{MethodRefs.Describe(target.Method)} takes {parameters.Length} arguments, but the payload has {count}");
            var args = new object?[count];
            var plans = delegatePlan.ParameterPlans;
            for (var i = 0; i < count; i++) args[i] = r.ReadSlot(plans[i]);
            return new DecodedCall(target, args);
        }, descriptors);

    /// <summary>The target method's own parameter names (the delegate type's are often just <c>arg1</c>, <c>arg2</c>).</summary>
    private static string?[] ParameterNames(MethodInfo method, int count)
    {
        var own = method.GetParameters();
        var offset = own.Length - count; // 1 for a static method closed over its first argument
        var names = new string?[count];
        for (var i = 0; i < count; i++) names[i] = offset >= 0 && i + offset < own.Length ? own[i + offset].Name : null;
        return names;
    }

    private static void CheckArguments(Delegate target, ParameterInfo[] parameters, string?[] names, object?[] args)
    {
        if (args.Length != parameters.Length)
            throw new ArgumentException($"{MethodRefs.Describe(target.Method)} takes {parameters.Length} argument(s), but {args.Length} were given.", nameof(args));
        for (var i = 0; i < args.Length; i++)
        {
            var type = parameters[i].ParameterType;
            if (type.IsByRef)
                throw new ArgumentException($"Parameter {i + 1} '{names[i]}' of {MethodRefs.Describe(target.Method)} is passed by reference, which cannot cross to another process.", nameof(args));
            if (args[i] is null ? type.IsValueType && Nullable.GetUnderlyingType(type) is null : !type.IsInstanceOfType(args[i]))
                throw new ArgumentException(
                    $"Argument {i + 1} '{names[i]}' of {MethodRefs.Describe(target.Method)} must be a {TypeNames.Display(type)}, not {(args[i] is null ? "null" : "a " + TypeNames.Display(args[i]!.GetType()))}.", nameof(args));
        }
    }
}
