using System.Diagnostics;
using System.Globalization;
using Spindle.Tests.Support;

namespace Spindle.Tests.Processes;

/// <summary>Runs tests/Spindle.SampleApp (built with the tests) the ways a user starts an app.</summary>
public sealed class SampleAppTests : LeakCheckedTest
{
    private static readonly string Configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
    private static readonly string TestsDir = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", ".."));
    private static readonly string AppProject = Path.Combine(TestsDir, "Spindle.SampleApp");
    private static readonly string AppDir = Path.Combine(AppProject, "bin", Configuration, "net10.0");

    [Fact]
    public void Dotnet_app_dll_runs_the_target_and_not_Main_in_the_child() =>
        CheckHello(Run("dotnet", AppDir, "Spindle.SampleApp.dll"));

    [Fact]
    public void Apphost_runs_the_target_and_not_Main_in_the_child() =>
        CheckHello(Run(Path.Combine(AppDir, "Spindle.SampleApp"), AppDir));

    [Fact]
    public void Dotnet_run_runs_the_target_and_not_Main_in_the_child() =>
        CheckHello(Run("dotnet", TestsDir, "run", "--no-build", "-c", Configuration, "--project", AppProject));

    [Fact]
    public void A_published_framework_dependent_app_runs_the_target_and_not_Main_in_the_child()
    {
        var published = Path.Combine(Path.GetTempPath(), $"spindle-published-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Run("dotnet", TestsDir, "publish", AppProject, "--no-build", "-c", Configuration, "-o", published);
            CheckHello(Run(Path.Combine(published, "Spindle.SampleApp"), published));
            CheckHello(Run("dotnet", published, "Spindle.SampleApp.dll"));
        }
        finally
        {
            Directory.Delete(published, recursive: true);
        }
    }

    [Fact]
    public void At_exit_non_daemon_children_are_joined_and_daemon_children_terminated()
    {
        using var scratch = new Scratch();
        using var app = Start(Path.Combine(AppDir, "Spindle.SampleApp"), AppDir, "atexit", scratch.Dir);
        scratch.WaitForText("worker.started");
        var daemonPid = int.Parse(scratch.WaitForText("daemon.pid"), CultureInfo.InvariantCulture);
        Assert.False(app.HasExited); // Main has returned, but the exit handler joins the worker, which waits for us
        scratch.Touch("release");
        Assert.True(app.WaitForExit(10_000));
        Assert.Equal(0, app.ExitCode);
        Assert.True(File.Exists(scratch["worker.done"]));
        Assert.False(DaemonTests.IsRunning(daemonPid));
    }

    private static void CheckHello(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var main = Assert.Single(lines, l => l.StartsWith("main ", StringComparison.Ordinal));
        var mainPid = main["main ".Length..];
        var child = Assert.Single(lines, l => l.StartsWith("child ", StringComparison.Ordinal));
        var parts = child.Split(' ');
        Assert.Equal("sample-child", parts[1]);
        Assert.NotEqual(mainPid, parts[2]);
        Assert.Equal(["parent", mainPid], parts[3..]);
        Assert.Contains("joined exit=0", lines);
    }

    private static string Run(string file, string workingDirectory, params string[] args)
    {
        using var process = Start(file, workingDirectory, args);
        var output = process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "the sample app did not finish");
        Assert.Equal(0, process.ExitCode);
        return output.Result;
    }

    private static Process Start(string file, string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // The test host's own variables must not leak into the app (it is not a test host).
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("SPINDLE_", StringComparison.Ordinal)).ToList())
            info.Environment.Remove(key);
        return Process.Start(info)!;
    }
}
