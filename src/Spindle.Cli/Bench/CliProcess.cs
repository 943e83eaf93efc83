using System.Diagnostics;

namespace Spindle.Cli.Bench;

/// <summary>Starts this program, the <c>spindle</c> command, as a child process: from its apphost, from <c>dotnet Spindle.Cli.dll</c>, or from a test host.</summary>
internal static class CliProcess
{
    /// <summary>A start info that runs <c>spindle ARGS…</c>, output not redirected.</summary>
    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var self = Environment.ProcessPath!;
        var name = Path.GetFileNameWithoutExtension(self);
        ProcessStartInfo psi;
        if (name is "spindle" or "Spindle.Cli")
        {
            psi = new ProcessStartInfo(self);
        }
        else
        {
            // Under `dotnet Spindle.Cli.dll` the process is the dotnet host; under a test host, the SDK names the host in DOTNET_HOST_PATH.
            psi = new ProcessStartInfo(name == "dotnet" ? self : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
            psi.ArgumentList.Add(typeof(CliProcess).Assembly.Location);
        }
        psi.UseShellExecute = false;
        foreach (var arg in args) psi.ArgumentList.Add(arg);
        return psi;
    }
}
