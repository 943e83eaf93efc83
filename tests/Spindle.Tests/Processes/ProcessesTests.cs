using System.Globalization;
using Spindle.Processes;
using Spindle.Tests.Support;
using ProcessesApi = Spindle.Processes.Processes;

namespace Spindle.Tests.Processes;

public sealed class ProcessesTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    [Fact]
    public void Current_in_the_main_process_is_MainProcess()
    {
        var me = ProcessesApi.Current;
        Assert.Equal("MainProcess", me.Name);
        Assert.Equal(Environment.ProcessId, me.Pid);
        Assert.Equal(me.Pid, me.Ident); // CPython's test_current checks ident
        Assert.Equal(ProcessTable.ParentOf(Environment.ProcessId), me.ParentPid);
        Assert.False(me.Daemon);
        Assert.True(me.IsAlive);
        Assert.Null(ProcessesApi.Parent);
    }

    [Fact]
    public void Current_and_Parent_in_a_child_name_the_child_and_this_process()
    {
        using var scratch = new Scratch();
        using var p = SpindleProcess.Create<string>(ChildTargets.WriteIdentity, scratch["id"], name: "kid", daemon: true);
        p.Start();
        Assert.True(p.Join(Long));
        Assert.Equal(0, p.ExitCode);
        var pid = p.Pid!.Value.ToString(CultureInfo.InvariantCulture);
        var me = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        Assert.Equal($"kid|{pid}|{me}|True|MainProcess|{me}|True", File.ReadAllText(scratch["id"]));
    }

    [Fact]
    public void A_child_does_not_pass_Spindle_variables_on_to_programs_it_starts()
    {
        using var scratch = new Scratch();
        using var p = SpindleProcess.Create<string>(ChildTargets.WriteSpindleVariables, scratch["env"]);
        p.Start();
        Assert.True(p.Join(Long));
        Assert.Equal($"fd=|hooks={Environment.GetEnvironmentVariable("DOTNET_STARTUP_HOOKS")}", File.ReadAllText(scratch["env"]));
    }

    [Fact]
    public void ActiveChildren_lists_running_children_and_drops_finished_ones()
    {
        using var scratch = new Scratch();
        using var p = SpindleProcess.Create<string>(ChildTargets.Wait, scratch["go"]);
        Assert.DoesNotContain(p, ProcessesApi.ActiveChildren());
        p.Start();
        Assert.Contains(p, ProcessesApi.ActiveChildren());
        scratch.Touch("go");
        // Not joined: active_children() itself notices the exit and drops the child.
        Assert.True(SpinWait.SpinUntil(() => !ProcessesApi.ActiveChildren().Contains(p), Long));
        Assert.Equal(0, p.ExitCode);
    }

    [Fact]
    public void CpuCount_is_positive()
    {
        Assert.Equal(Environment.ProcessorCount, ProcessesApi.CpuCount);
        Assert.True(ProcessesApi.CpuCount >= 1);
    }

    [Fact]
    public void Threads_share_the_pid_while_processes_do_not()
    {
        var threadPid = 0;
        var thread = new Thread(() => threadPid = Environment.ProcessId);
        thread.Start();
        thread.Join();
        Assert.Equal(Environment.ProcessId, threadPid);
        using var p = new SpindleProcess(ChildTargets.Noop);
        p.Start();
        Assert.True(p.Join(Long));
        Assert.NotEqual(Environment.ProcessId, p.Pid);
    }
}
