using System.Collections;
using System.Globalization;
using System.Text;

namespace Spindle.Managers;

/// <summary>Python's <c>repr()</c> of the values a proxy prints (<c>print(l)</c> shows <c>['Hello']</c>, <c>print(d)</c> shows <c>{1: 2}</c>).</summary>
internal static class PythonRepr
{
    internal static string Of(object? value)
    {
        var text = new StringBuilder();
        Append(text, value);
        return text.ToString();
    }

    internal static void Append(StringBuilder text, object? value)
    {
        switch (value)
        {
            case null:
                text.Append("None");
                break;
            case bool flag:
                text.Append(flag ? "True" : "False");
                break;
            case string or char:
                text.Append('\'').Append(value.ToString()!.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)).Append('\'');
                break;
            case double or float:
            {
                var d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                var r = d.ToString("R", CultureInfo.InvariantCulture);
                text.Append(double.IsFinite(d) && !r.Contains('.', StringComparison.Ordinal) && !r.Contains('E', StringComparison.Ordinal) ? r + ".0" : r);
                break;
            }
            case IFormattable formattable:
                text.Append(formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            case IDictionary dictionary:
            {
                text.Append('{');
                var first = true;
                foreach (DictionaryEntry entry in dictionary)
                {
                    if (!first) text.Append(", ");
                    first = false;
                    Append(text, entry.Key);
                    text.Append(": ");
                    Append(text, entry.Value);
                }
                text.Append('}');
                break;
            }
            case IEnumerable items:
                AppendList(text, items.Cast<object?>());
                break;
            default:
                text.Append(value);
                break;
        }
    }

    internal static void AppendList(StringBuilder text, IEnumerable<object?> items)
    {
        text.Append('[');
        var first = true;
        foreach (var item in items)
        {
            if (!first) text.Append(", ");
            first = false;
            Append(text, item);
        }
        text.Append(']');
    }
}
