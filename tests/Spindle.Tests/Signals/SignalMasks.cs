using System.Globalization;

namespace Spindle.Tests.Signals;

/// <summary>The kernel's view of this process's dispositions, from /proc/self/status (SigIgn, SigCgt bitmasks).</summary>
internal static class SignalMasks
{
    public static bool IsIgnored(int signal) => Has("SigIgn", signal);

    public static bool IsCaught(int signal) => Has("SigCgt", signal);

    /// <summary>Neither ignored nor caught: SIG_DFL.</summary>
    public static bool IsDefault(int signal) => !IsIgnored(signal) && !IsCaught(signal);

    private static bool Has(string field, int signal)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        var mask = ulong.Parse(line[(field.Length + 1)..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (mask & (1UL << (signal - 1))) != 0;
    }
}
