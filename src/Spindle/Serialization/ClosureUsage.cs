using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Emit;

namespace Spindle.Serialization;

/// <summary>
/// Which closure fields a lambda's code can touch, found by reading its IL. C# keeps every variable that any lambda
/// of a scope captures in one closure object, so a lambda that uses only <c>n</c> still holds the <c>sock</c> that
/// a neighbouring lambda captured. Sending only the fields the lambda's code (and the compiler-generated code it
/// reaches: nested lambdas, local functions, async/iterator state machines) can read means an unrelated capture
/// neither blocks the send nor travels. The fields left out stay default in the receiver, where no code reads them.
/// </summary>
/// <remarks>
/// The result is a set of field metadata tokens of the method's module, or null when the analysis gives up (an
/// operand it cannot resolve, too much code): then every field is sent, which is always safe.
/// </remarks>
internal static class ClosureUsage
{
    private const int MaxMethods = 256;

    private static readonly ConcurrentDictionary<MethodInfo, ClosureFields?> s_cache = new();
    private static readonly OpCode[] s_oneByte = new OpCode[256];
    private static readonly OpCode[] s_twoByte = new OpCode[256];

#pragma warning disable CA1810 // the opcode tables are built from reflection once
    static ClosureUsage()
#pragma warning restore CA1810
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)field.GetValue(null)!;
            var value = (ushort)op.Value;
            if (op.Size == 1) s_oneByte[value] = op;
            else if ((value >> 8) == 0xFE) s_twoByte[value & 0xFF] = op;
        }
    }

    /// <summary>The field tokens <paramref name="method"/> can touch, or null for "assume all".</summary>
    public static ClosureFields? For(MethodInfo method) =>
        s_cache.TryGetValue(method, out var usage) ? usage : s_cache.GetOrAdd(method, Analyze);

    private static ClosureFields? Analyze(MethodInfo root)
    {
        if (root.DeclaringType is null || root.Module.Assembly.IsDynamic) return null;
        var fields = new HashSet<int>();
        var visited = new HashSet<MethodBase>();
        var pending = new Stack<MethodBase>();
        pending.Push(root);
        var module = root.Module;
        while (pending.Count > 0)
        {
            var method = pending.Pop();
            if (!visited.Add(method)) continue;
            if (visited.Count > MaxMethods) return null;
            if (!Scan(method, module, fields, pending)) return null;
        }
        return new ClosureFields(module, fields);
    }

    private static bool Scan(MethodBase method, Module module, HashSet<int> fields, Stack<MethodBase> pending)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) return true;
        var typeArgs = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var i = 0;
        while (i < il.Length)
        {
            OpCode op;
            if (il[i] == 0xFE)
            {
                if (i + 1 >= il.Length) return false;
                op = s_twoByte[il[i + 1]];
                i += 2;
            }
            else
            {
                op = s_oneByte[il[i]];
                i += 1;
            }
            if (op.Size == 0) return false; // not an opcode: do not guess
            var operandSize = OperandSize(op.OperandType, il, i);
            if (operandSize < 0 || i + operandSize > il.Length) return false;
            if (op.OperandType is OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineType or OperandType.InlineTok)
            {
                var token = BitConverter.ToInt32(il, i);
                MemberInfo? member;
                try
                {
                    member = op.OperandType switch
                    {
                        OperandType.InlineField => module.ResolveField(token, typeArgs, methodArgs),
                        OperandType.InlineMethod => module.ResolveMethod(token, typeArgs, methodArgs),
                        OperandType.InlineType => module.ResolveType(token, typeArgs, methodArgs),
                        _ => module.ResolveMember(token, typeArgs, methodArgs),
                    };
                }
                catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or MissingMemberException)
                {
                    return false;
                }
                Follow(member, module, fields, pending);
            }
            i += operandSize;
        }
        return true;
    }

    private static void Follow(MemberInfo? member, Module module, HashSet<int> fields, Stack<MethodBase> pending)
    {
        switch (member)
        {
            case FieldInfo field:
                if (field.Module == module) fields.Add(field.MetadataToken);
                FollowType(field.DeclaringType, module, pending);
                break;
            case MethodBase method when method.Module == module:
                if (method.Name.StartsWith('<') || IsGenerated(method.DeclaringType)) pending.Push(method);
                FollowType(method.DeclaringType, module, pending);
                break;
            case Type type:
                FollowType(type, module, pending);
                break;
        }
    }

    /// <summary>A compiler-generated type other than a closure (a state machine): all its code may run.</summary>
    private static void FollowType(Type? type, Module module, Stack<MethodBase> pending)
    {
        if (type is null || type.Module != module || !IsGenerated(type) || type.Name.StartsWith("<>c", StringComparison.Ordinal)) return;
        foreach (var m in type.GetMethods(BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            pending.Push(m);
    }

    // No C# identifier starts with '<', so such a name is the compiler's (state machines lack [CompilerGenerated]).
    private static bool IsGenerated(Type? type) => type is not null && type.Name.StartsWith('<');

    private static int OperandSize(OperandType type, byte[] il, int at) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => at + 4 <= il.Length ? 4 + (4 * BitConverter.ToInt32(il, at)) : -1,
        _ => 4,
    };
}

/// <summary>The closure fields (metadata tokens of one module) that some code can touch.</summary>
internal sealed class ClosureFields(Module module, HashSet<int> tokens)
{
    public bool Contains(Module fieldModule, int token) => fieldModule == module && tokens.Contains(token);
}
