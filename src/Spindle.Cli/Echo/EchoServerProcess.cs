using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Spindle.Signals;

namespace Spindle.Cli.Echo;

/// <summary>
/// An echo server in a child process — <c>spindle echo serve</c> of one model, or the Python peer's server — so that
/// its CPU time (utime + stime, which <see cref="Process.TotalProcessorTime"/> reads from <c>/proc/PID/stat</c>) is the
/// server's alone. Its first line of output names the port: <c>… listening on 127.0.0.1:PORT …</c>, or just <c>PORT</c>.
/// </summary>
internal sealed partial class EchoServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private EchoServerProcess(Process process) => _process = process;

    /// <summary>Starts <paramref name="startInfo"/> (output redirected here) and waits until it names its port.</summary>
    /// <exception cref="TimeoutException">It named no port within <paramref name="patience"/>.</exception>
    /// <exception cref="InvalidOperationException">It exited first.</exception>
    public static EchoServerProcess Start(ProcessStartInfo startInfo, TimeSpan patience)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        startInfo.RedirectStandardOutput = true;
        startInfo.UseShellExecute = false;
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var server = new EchoServerProcess(process);
        process.OutputDataReceived += (_, e) => server.Read(e.Data);
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            if (!server._port.Task.Wait(patience))
                throw new TimeoutException($"{Describe(startInfo)} named no port within {patience.TotalSeconds:0} s; it printed: {server.Output}");
            return server;
        }
        catch (AggregateException e) when (e.InnerException is not null)
        {
            server.Dispose();
            throw e.InnerException;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>The port it listens on.</summary>
    public int Port => _port.Task.Result;

    /// <summary>Its process id.</summary>
    public int Pid => _process.Id;

    /// <summary>CPU time it has used so far, user and system.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>CPU time it has spent in the kernel so far (system time).</summary>
    public TimeSpan KernelTime
    {
        get
        {
            _process.Refresh();
            return _process.PrivilegedProcessorTime;
        }
    }

    /// <summary>Everything it has printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_lines) return string.Join(Environment.NewLine, _lines);
        }
    }

    /// <summary>Sends <paramref name="signal"/> (SIGTERM by default) and waits for it to exit, killing it after <paramref name="patience"/>.</summary>
    /// <returns>Its exit code: 0 when <c>spindle echo serve</c> stopped cleanly.</returns>
    public int Stop(TimeSpan patience, int signal = Signal.SIGTERM)
    {
        if (!_process.HasExited)
        {
            try
            {
                Signal.Kill(_process.Id, signal);
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
        if (!_process.WaitForExit(patience)) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(); // and the output read to its end
        return _process.ExitCode;
    }

    /// <summary>Kills it if it still runs.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        _process.Dispose();
    }

    private void Read(string? line)
    {
        if (line is null)
        {
            _port.TrySetException(new InvalidOperationException($"{Describe(_process.StartInfo)} exited before naming its port; it printed: {Output}"));
            return;
        }
        lock (_lines) _lines.Add(line);
        if (PortLine().Match(line) is { Success: true } m) _port.TrySetResult(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    private static string Describe(ProcessStartInfo psi) => $"'{psi.FileName} {string.Join(' ', psi.ArgumentList)}'";

    [GeneratedRegex(@"^(?:.*listening on \S*:)?(\d+)(?:\s|$)")]
    private static partial Regex PortLine();
}
