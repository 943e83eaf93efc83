using System.Diagnostics;
using Spindle.Signals;
using Spindle.Tests.Support;

namespace Spindle.Tests.Signals;

/// <summary>
/// <c>os.kill</c> to a child process (seed 003). The children are plain shells here; a Spindle child handling SIGTERM
/// through <see cref="Signal.Handle(int, Action{int})"/> is tested with Spindle.Processes.
/// </summary>
public sealed class KillChildTests : LeakCheckedTest
{
    [Fact]
    public void Child_that_traps_SIGTERM_exits_cleanly_through_its_handler()
    {
        using var child = Start("trap 'echo bye; exit 7' TERM; echo ready; while :; do sleep 0.05; done");
        Assert.Equal("ready", child.StandardOutput.ReadLine());
        Signal.Kill(child.Id, Signal.SIGTERM);
        Assert.Equal("bye", child.StandardOutput.ReadLine());
        Assert.True(child.WaitForExit(10_000));
        Assert.Equal(7, child.ExitCode);
    }

    [Fact]
    public void Child_without_a_handler_dies_of_the_signal()
    {
        using var child = Start("echo ready; exec sleep 30");
        Assert.Equal("ready", child.StandardOutput.ReadLine());
        Signal.Kill(child.Id, "SIGKILL");
        Assert.True(child.WaitForExit(10_000));
        Assert.Equal(128 + Signal.SIGKILL, child.ExitCode);
        // Once reaped, it is gone: kill(2) says ESRCH.
        Assert.Throws<ArgumentException>(() => Signal.Kill(child.Id, 0));
    }

    private static Process Start(string script)
    {
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        return Process.Start(info) ?? throw new InvalidOperationException("sh did not start");
    }
}
