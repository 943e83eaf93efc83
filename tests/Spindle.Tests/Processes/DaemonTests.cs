using System.Globalization;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Processes;

public sealed class DaemonTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    [Fact]
    public void A_daemon_cannot_start_children()
    {
        using var p = new SpindleProcess(ChildTargets.StartGrandchild, daemon: true);
        p.Start();
        Assert.True(p.Join(Long));
        Assert.Equal(1, p.ExitCode);
        Assert.Equal("System.InvalidOperationException", p.Exception!.RemoteTypeName);
        Assert.Equal("daemonic processes are not allowed to have children", p.Exception.Message);
    }

    [Fact]
    public void A_non_daemon_child_can_start_children()
    {
        using var p = new SpindleProcess(ChildTargets.StartGrandchild);
        p.Start();
        Assert.True(p.Join(Long));
        Assert.Equal(0, p.ExitCode);
    }

    [Fact]
    public void A_daemon_child_dies_with_a_SIGKILLed_parent()
    {
        using var scratch = new Scratch();
        using var parent = SpindleProcess.Create<string>(ChildTargets.StartDaemonAndWait, scratch.Dir);
        parent.Start();
        var daemonPid = int.Parse(scratch.WaitForText("daemon.pid"), CultureInfo.InvariantCulture);
        Assert.True(IsRunning(daemonPid));
        parent.Kill();
        Assert.True(parent.Join(Long));
        Assert.Equal(-9, parent.ExitCode);
        // The daemon is no child of ours: its death is seen through /proc (a zombie counts as dead).
        Assert.True(SpinWait.SpinUntil(() => !IsRunning(daemonPid), Long), $"daemon {daemonPid} outlived its SIGKILLed parent");
    }

    /// <summary>Whether the pid names a process that is not a zombie.</summary>
    internal static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0] != "Z";
        }
        catch (IOException) { return false; }
    }
}
