using System.Diagnostics;
using Spectre.Console;

namespace Spindle.Cli.Bench;

/// <summary>What a suite measures with: where to report progress, whether to run the Python peer, where to write files.</summary>
internal sealed class BenchContext(IAnsiConsole console, bool vsPython, string outputDirectory)
{
    private readonly Dictionary<string, IReadOnlyDictionary<string, PeerFigure>> _peerRuns = [];

    /// <summary>Whether the Python peer runs beside Spindle (<c>--vs-python</c>).</summary>
    public bool VsPython => vsPython;

    /// <summary>Where suites write files (plots, raw figures); created on first use.</summary>
    public string OutputDirectory
    {
        get
        {
            Directory.CreateDirectory(outputDirectory);
            return outputDirectory;
        }
    }

    /// <summary>Runs a long map under a progress bar fed by its <see cref="IProgress{T}"/>.</summary>
    public T WithProgressBar<T>(string title, Func<IProgress<MapProgress>, T> run) => MapProgressBar.Run(console, title, run);

    /// <summary>Writes a line of progress, dimmed.</summary>
    public void Progress(string text) => console.MarkupLine($"[grey]  {Markup.Escape(text)}[/]");

    /// <summary>
    /// The figures of a peer script (one of <c>../shared/peers/python</c>, or of the repository's <c>bench/peers</c>), run
    /// once per bench command; empty without <c>--vs-python</c> or when the script or python3 is missing (said once).
    /// </summary>
    /// <param name="script">The script's file name, e.g. <c>b01_process.py</c>.</param>
    /// <param name="environment">Extra environment variables for the script (its knobs).</param>
    public IReadOnlyDictionary<string, PeerFigure> Python(string script, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!vsPython) return new Dictionary<string, PeerFigure>();
        var key = environment is null ? script : $"{script}?{string.Join('&', environment.Select(e => $"{e.Key}={e.Value}"))}";
        if (_peerRuns.TryGetValue(key, out var cached)) return cached;
        IReadOnlyDictionary<string, PeerFigure> figures;
        if (PythonPeer.FindScript(script) is not { } path)
        {
            Progress($"python peer {script} not found (../shared/peers/python or bench/peers): no ratios for it");
            figures = new Dictionary<string, PeerFigure>();
        }
        else
        {
            Progress($"running the python peer {script} …");
            figures = PythonPeer.Run(path, environment, Progress);
        }
        _peerRuns[key] = figures;
        return figures;
    }

    /// <summary>
    /// A start info that runs a peer script as a long-lived process (<c>python3 SCRIPT ARGS…</c>, e.g. a server that
    /// Spindle's own client drives); null without <c>--vs-python</c> or when the script is missing (said once).
    /// </summary>
    public ProcessStartInfo? PythonProcess(string script, params string[] args)
    {
        if (!vsPython) return null;
        if (PythonPeer.FindScript(script) is not { } path)
        {
            Progress($"python peer {script} not found (../shared/peers/python or bench/peers): no ratios for it");
            return null;
        }
        var psi = new ProcessStartInfo(PythonPeer.Interpreter) { WorkingDirectory = Path.GetDirectoryName(path)!, UseShellExecute = false };
        psi.ArgumentList.Add(path);
        foreach (var arg in args) psi.ArgumentList.Add(arg);
        return psi;
    }

    /// <summary>The median of a peer figure, or null when the peer did not report it.</summary>
    public double? PythonFigure(string script, string figure, IReadOnlyDictionary<string, string>? environment = null) =>
        Python(script, environment).TryGetValue(figure, out var value) ? value.Median : null;
}
