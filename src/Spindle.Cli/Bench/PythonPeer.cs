using System.Diagnostics;
using System.Globalization;

namespace Spindle.Cli.Bench;

/// <summary>A figure printed by a peer script: its median and unit.</summary>
internal readonly record struct PeerFigure(double Median, string Unit);

/// <summary>
/// Runs a Python peer script in the same session as Spindle's measurement and reads its figures: lines
/// <c>name median unit min=… max=… …</c>, as <c>../shared/peers/python/bench_common.py</c> prints them.
/// </summary>
internal static class PythonPeer
{
    /// <summary>Debian's interpreter is the one the shared peer figures were measured with (it has gevent and greenlet).</summary>
    public static string Interpreter => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>
    /// Finds <paramref name="script"/> by walking up from the working directory and from this assembly: first the
    /// shared peers (<c>shared/peers/python</c> beside the repository), then the repository's own <c>bench/peers</c>.
    /// </summary>
    public static string? FindScript(string script)
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                foreach (var candidate in new[]
                         {
                             Path.Combine(dir.FullName, "shared", "peers", "python", script),
                             Path.Combine(dir.FullName, "..", "shared", "peers", "python", script),
                             Path.Combine(dir.FullName, "bench", "peers", script),
                         })
                {
                    if (File.Exists(candidate)) return Path.GetFullPath(candidate);
                }
            }
        }
        return null;
    }

    /// <summary>Runs the script at <paramref name="path"/> and returns its figures by name.</summary>
    /// <param name="path">The script.</param>
    /// <param name="environment">Extra environment variables.</param>
    /// <param name="echo">Receives every line the script prints.</param>
    public static IReadOnlyDictionary<string, PeerFigure> Run(string path, IReadOnlyDictionary<string, string>? environment, Action<string> echo)
    {
        var psi = new ProcessStartInfo(Interpreter, path)
        {
            WorkingDirectory = Path.GetDirectoryName(path)!,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // The shared peers wait for a quiet machine before each run; in a combined run we are the only load.
        psi.Environment["QUIET_MAX_S"] = "2";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        var figures = new Dictionary<string, PeerFigure>();
        try
        {
            using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {Interpreter}");
            while (process.StandardOutput.ReadLine() is { } line)
            {
                echo($"python: {line}");
                if (Parse(line) is { } figure) figures[figure.Name] = figure.Value;
            }
            process.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            echo($"python peer not run: {e.Message}");
        }
        return figures;
    }

    /// <summary>Reads one figure line; null for comments and other output.</summary>
    internal static (string Name, PeerFigure Value)? Parse(string line)
    {
        if (line.StartsWith('#')) return null;
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 3 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var median)
            ? (parts[0], new PeerFigure(median, parts[2]))
            : null;
    }
}
