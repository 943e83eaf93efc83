using System.Reflection;

namespace Spindle.Serialization;

/// <summary>
/// A delegate: its method (see <see cref="MethodRefs"/>) and its target — null for a static method, the compiler's
/// closure object for a lambda (its fields are the captured variables), or any transferable object for an instance
/// method group. The target is written by the same rules as every other value, so a capture that cannot cross is
/// refused naming the captured variable.
/// </summary>
internal sealed class DelegatePlan(Type type) : TypePlan(type)
{
    private static readonly TypePlan s_target = TypePlans.For(typeof(object));

    public ParameterInfo[] Parameters { get; } = type.GetMethod("Invoke")!.GetParameters();

    /// <summary>The plans of the parameter types, in order (arguments of a call are written against them).</summary>
    public TypePlan[] ParameterPlans => field ??= PlansOf(Parameters);

    // A loop, not LINQ: this runs on the first decode in every fresh child process (see ObjectPlan.Create).
    private static TypePlan[] PlansOf(ParameterInfo[] parameters)
    {
        var plans = new TypePlan[parameters.Length];
        for (var i = 0; i < plans.Length; i++) plans[i] = TypePlans.For(parameters[i].ParameterType);
        return plans;
    }

    public override void Write(Writer writer, object value)
    {
        var d = (Delegate)value;
        if (d.HasSingleTarget is false)
            throw new PathException(Type, "a multicast delegate (several methods combined) cannot cross; send one method");
        writer.BeginDelegate(d);
        MethodRefs.Write(writer, d.Method);
        try
        {
            writer.WriteSlot(d.Target, s_target);
        }
        catch (PathException e)
        {
            e.Within(d.Target is null || IsClosure(d.Target.GetType()) ? null : $"target of {d.Method.Name}");
            throw;
        }
        writer.EndDelegate();
    }

    public override object Read(ref Reader reader, int slot)
    {
        var method = MethodRefs.Read(ref reader);
        var pending = new PendingDelegate(Type, method, slot);
        var target = reader.ReadDelegateTarget(pending, s_target);
        if (pending.Created is { } early) return early;
        if (target is null && !method.IsStatic) throw reader.Malformed($"instance method {method.Name} arrived without a target");
        return pending.Create(target);
    }

    private static bool IsClosure(Type type) => type.Name.StartsWith("<>c", StringComparison.Ordinal);
}
