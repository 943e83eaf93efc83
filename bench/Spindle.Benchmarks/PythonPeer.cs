using System.Diagnostics;
using System.Globalization;

namespace Spindle.Benchmarks;

/// <summary>
/// Runs a Python peer script from ../shared/peers/python in the same session as the .NET benchmarks and reads
/// its figures (lines "name median unit min=… max=… …", see bench_common.py).
/// </summary>
internal static class PythonPeer
{
    /// <summary>Finds shared/peers/python by walking up from the current directory.</summary>
    public static string? FindPeerDirectory()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "peers", "python");
            if (Directory.Exists(candidate)) return candidate;
            candidate = Path.Combine(dir.FullName, "..", "shared", "peers", "python");
            if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        return null;
    }

    /// <summary>Debian's interpreter is the one the peer figures were measured with; any python3 will do for stdlib scripts.</summary>
    public static string Interpreter => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>Runs <paramref name="script"/> and returns its figures by name (median values).</summary>
    public static Dictionary<string, (double Median, string Unit)> Run(string peerDirectory, string script)
    {
        var psi = new ProcessStartInfo(Interpreter, script)
        {
            WorkingDirectory = peerDirectory,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // The peer waits for a quiet machine before each run; in a combined run we are the only load, so don't wait long.
        psi.Environment["QUIET_MAX_S"] = "2";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {Interpreter}");
        var figures = new Dictionary<string, (double, string)>();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            Console.WriteLine($"  python: {line}");
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 3 && !line.StartsWith('#') &&
                double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var median))
                figures[parts[0]] = (median, parts[2]);
        }
        process.WaitForExit();
        return figures;
    }
}
