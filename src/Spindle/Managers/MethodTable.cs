using System.Collections.Concurrent;
using System.Reflection;
using System.Text;

namespace Spindle.Managers;

/// <summary>
/// The methods of a registered interface, in one order both processes compute (by signature), so a call names its
/// method by index; a fingerprint of the signatures catches a client and a server built with different versions of
/// the interface. Python: a proxy type's <c>_exposed_</c> method names.
/// </summary>
internal sealed class MethodTable
{
    private const int MaxMethods = byte.MaxValue;
    private static readonly ConcurrentDictionary<Type, MethodTable> s_tables = new();
    private readonly Dictionary<MethodInfo, MethodShape> _byMethod = [];

    private MethodTable(Type type)
    {
        Interface = type;
        var methods = new[] { type }.Concat(type.GetInterfaces())
            .SelectMany(i => i.GetMethods())
            .Select(m => (Method: m, Signature: Signature(m)))
            .OrderBy(m => m.Signature, StringComparer.Ordinal)
            .ToList();
        if (methods.Count > MaxMethods)
            throw new ArgumentException($"{type} has {methods.Count} methods; a manager serves at most {MaxMethods} per interface.");
        Methods = [.. methods.Select((m, i) => new MethodShape(m.Method, (byte)i))];
        foreach (var shape in Methods) _byMethod[shape.Method] = shape;
        Fingerprint = Fnv1a(string.Join('\n', methods.Select(m => m.Signature)));
    }

    internal Type Interface { get; }

    internal IReadOnlyList<MethodShape> Methods { get; }

    internal long Fingerprint { get; }

    /// <summary>The table of <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentException">It is not an interface, or has a method a manager cannot serve.</exception>
    internal static MethodTable For(Type type)
    {
        if (!type.IsInterface) throw new ArgumentException($"{type} is not an interface: a manager serves registered types through an interface.");
        return s_tables.GetOrAdd(type, static t => new MethodTable(t));
    }

    internal MethodShape this[MethodInfo method] =>
        _byMethod.TryGetValue(method, out var shape) ? shape : throw new InvalidOperationException($"{method.Name} is not a method of {Interface}.");

    private static string Signature(MethodInfo method)
    {
        if (method.IsGenericMethodDefinition)
            throw new ArgumentException($"{method.DeclaringType}.{method.Name} is generic; a manager cannot serve generic methods.");
        foreach (var parameter in method.GetParameters())
        {
            var type = parameter.ParameterType.IsByRef ? parameter.ParameterType.GetElementType()! : parameter.ParameterType;
            if (type.IsPointer || type.IsByRefLike)
                throw new ArgumentException($"Parameter '{parameter.Name}' of {method.DeclaringType}.{method.Name} is a {type}, which cannot cross to another process.");
        }
        var text = new StringBuilder().Append(method.DeclaringType!.FullName).Append('.').Append(method.Name).Append('(');
        text.AppendJoin(',', method.GetParameters().Select(p => p.ParameterType.FullName ?? p.ParameterType.Name));
        return text.Append(")->").Append(method.ReturnType.FullName ?? method.ReturnType.Name).ToString();
    }

    private static long Fnv1a(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return (long)hash;
    }
}

/// <summary>How one interface method travels: which arguments are sent, where a cancellation token goes, what comes back.</summary>
internal sealed class MethodShape
{
    private readonly ParameterInfo[] _parameters;
    private readonly PropertyInfo? _taskResult;
    private readonly MethodInfo? _valueTaskAsTask;
    private readonly Func<Task<object?>, object>? _wrapResult;

    internal MethodShape(MethodInfo method, byte index)
    {
        Method = method;
        Index = index;
        _parameters = method.GetParameters();
        CancellationIndex = Array.FindIndex(_parameters, p => p.ParameterType == typeof(CancellationToken));
        var returns = method.ReturnType;
        var generic = returns.IsGenericType ? returns.GetGenericTypeDefinition() : null;
        if (returns == typeof(Task) || returns == typeof(ValueTask) || generic == typeof(Task<>) || generic == typeof(ValueTask<>))
        {
            ReturnsTask = true;
            ResultType = returns.IsGenericType ? returns.GetGenericArguments()[0] : typeof(void);
            if (returns.IsGenericType) _taskResult = typeof(Task<>).MakeGenericType(ResultType).GetProperty(nameof(Task<int>.Result));
            if (returns.IsValueType) _valueTaskAsTask = returns.GetMethod(nameof(ValueTask.AsTask));
            _wrapResult = returns == typeof(Task) ? static reply => reply
                : returns == typeof(ValueTask) ? static reply => new ValueTask(reply)
                : (Func<Task<object?>, object>)typeof(MethodShape)
                    .GetMethod(generic == typeof(Task<>) ? nameof(TaskOf) : nameof(ValueTaskOf), BindingFlags.NonPublic | BindingFlags.Static)!
                    .MakeGenericMethod(ResultType).Invoke(null, null)!;
        }
        else
        {
            ResultType = returns;
        }
    }

    internal MethodInfo Method { get; }

    internal byte Index { get; }

    /// <summary>The position of a <see cref="CancellationToken"/> parameter, or −1: it is not sent; the server passes the call's own token.</summary>
    internal int CancellationIndex { get; }

    /// <summary>The method returns <see cref="Task"/>, <see cref="Task{T}"/>, <see cref="ValueTask"/> or <see cref="ValueTask{T}"/>: the server awaits it, the client gets a task.</summary>
    internal bool ReturnsTask { get; }

    /// <summary>Whether the client waits for the reply asynchronously (a task result, or a token to honour).</summary>
    internal bool IsAsync => ReturnsTask || CancellationIndex >= 0;

    /// <summary>What the method produces: its return type, the <c>T</c> of a task, or <see cref="void"/>.</summary>
    internal Type ResultType { get; }

    /// <summary>The values the client sends: every argument but a token and <c>out</c> ones.</summary>
    internal object?[] ArgumentsToSend(object?[] args)
    {
        var sent = new List<object?>(args.Length);
        for (var i = 0; i < _parameters.Length; i++)
        {
            if (i == CancellationIndex || _parameters[i].IsOut) continue;
            sent.Add(args[i]);
        }
        return [.. sent];
    }

    /// <summary>The server's argument array: the sent values back in place, the call's token, defaults for <c>out</c> parameters.</summary>
    /// <exception cref="ArgumentException">The values do not fit the parameters.</exception>
    internal object?[] ArgumentsToInvoke(object?[] sent, CancellationToken token)
    {
        var args = new object?[_parameters.Length];
        var next = 0;
        for (var i = 0; i < _parameters.Length; i++)
        {
            var parameter = _parameters[i];
            var type = parameter.ParameterType.IsByRef ? parameter.ParameterType.GetElementType()! : parameter.ParameterType;
            if (i == CancellationIndex)
            {
                args[i] = token;
                continue;
            }
            if (parameter.IsOut)
            {
                args[i] = type.IsValueType ? Activator.CreateInstance(type) : null;
                continue;
            }
            if (next >= sent.Length) throw new ArgumentException($"{Describe()} received {sent.Length} arguments, too few.");
            var value = sent[next++];
            if (value is null ? type.IsValueType && Nullable.GetUnderlyingType(type) is null : !type.IsInstanceOfType(value))
                throw new ArgumentException($"Argument '{parameter.Name}' of {Describe()} must be a {type}, not {(value is null ? "null" : value.GetType().ToString())}.");
            args[i] = value;
        }
        if (next != sent.Length) throw new ArgumentException($"{Describe()} received {sent.Length} arguments, too many.");
        return args;
    }

    /// <summary>The final values of <c>ref</c> and <c>out</c> parameters, in order (sent back to the client).</summary>
    internal object?[] ByRefValues(object?[] args) => [.. _parameters.Select((p, i) => (p, i)).Where(x => x.p.ParameterType.IsByRef).Select(x => args[x.i])];

    /// <summary>Writes the values of <see cref="ByRefValues"/> back into the caller's argument array.</summary>
    internal void AssignByRef(object?[] args, object?[] values)
    {
        var next = 0;
        for (var i = 0; i < _parameters.Length && next < values.Length; i++)
        {
            if (_parameters[i].ParameterType.IsByRef) args[i] = values[next++];
        }
    }

    /// <summary>The server's side of an awaited method: its task (a value task turned into one).</summary>
    internal Task AsTaskOf(object? returned) =>
        returned is null ? throw new InvalidOperationException($"{Describe()} returned a null task.")
        : _valueTaskAsTask is not null ? (Task)_valueTaskAsTask.Invoke(returned, null)! : (Task)returned;

    /// <summary>The result of a completed task (null for a plain <see cref="Task"/>).</summary>
    internal object? ResultOf(Task task) => _taskResult?.GetValue(task);

    /// <summary>The client's side: the task of the method's declared return type, over the reply's task.</summary>
    internal object WrapResult(Task<object?> reply) => _wrapResult!(reply);

    internal string Describe() => $"{Method.DeclaringType}.{Method.Name}";

    private static Func<Task<object?>, object> TaskOf<T>() => static reply => Cast<T>(reply);

    private static Func<Task<object?>, object> ValueTaskOf<T>() => static reply => new ValueTask<T>(Cast<T>(reply));

    private static async Task<T> Cast<T>(Task<object?> reply) => (T)(await reply.ConfigureAwait(false))!;
}
