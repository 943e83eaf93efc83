using System.Text;

namespace Spindle.Serialization;

/// <summary>C#-like type names for messages: <c>System.Collections.Generic.List&lt;System.IO.Stream&gt;</c>, not the CLR's mangled form.</summary>
internal static class TypeNames
{
    public static string Display(Type type)
    {
        var sb = new StringBuilder();
        Append(sb, type);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, Type type)
    {
        if (type.IsArray)
        {
            Append(sb, type.GetElementType()!);
            sb.Append('[').Append(',', type.GetArrayRank() - 1).Append(']');
            return;
        }
        if (type.IsPointer || type.IsByRef)
        {
            Append(sb, type.GetElementType()!);
            sb.Append(type.IsPointer ? '*' : '&');
            return;
        }
        if (type.IsNested && !type.IsGenericParameter)
        {
            Append(sb, type.DeclaringType!);
            sb.Append('+');
        }
        else if (!string.IsNullOrEmpty(type.Namespace))
        {
            sb.Append(type.Namespace).Append('.');
        }
        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        sb.Append(tick >= 0 ? name.AsSpan(0, tick) : name);
        if (type.IsConstructedGenericType)
        {
            var args = type.GetGenericArguments();
            // Nested types repeat their outer type's arguments; show only their own.
            var own = type.IsNested ? args.Length - type.DeclaringType!.GetGenericArguments().Length : args.Length;
            if (own > 0)
            {
                sb.Append('<');
                for (var i = args.Length - own; i < args.Length; i++)
                {
                    if (i > args.Length - own) sb.Append(", ");
                    Append(sb, args[i]);
                }
                sb.Append('>');
            }
        }
    }
}
