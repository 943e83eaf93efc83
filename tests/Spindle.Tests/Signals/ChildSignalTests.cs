using Spindle.Ipc;
using Spindle.Processes;
using Spindle.Signals;
using Spindle.Tests.Support;

namespace Spindle.Tests.Signals;

/// <summary>Signals sent to child processes (seed 003: kill to a child; Terminate sends SIGTERM).</summary>
public sealed class ChildSignalTests : LeakCheckedTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    // Runs in the child: handles SIGTERM, says it is ready, waits for the signal, cleans up and returns normally.
    private static void HandleTermThenCleanUp(ProcessEvent ready, SharedValue<int> cleanedUp)
    {
        using var stop = new ManualResetEventSlim();
        using (Signal.Handle(Signal.SIGTERM, _ => stop.Set()))
        {
            ready.Set();
            if (!stop.Wait(Patience)) throw new TimeoutException("SIGTERM never arrived");
        }
        cleanedUp.Value = 1;
    }

    private static void WaitForever(ProcessEvent ready)
    {
        ready.Set();
        Thread.Sleep(Timeout.Infinite);
    }

    [Fact]
    public void A_child_that_handles_SIGTERM_from_Terminate_cleans_up_and_exits_with_0()
    {
        using var ready = new ProcessEvent();
        using var cleanedUp = new SharedValue<int>(0);
        using var child = SpindleProcess.Create(HandleTermThenCleanUp, ready, cleanedUp);
        child.Start();
        Assert.True(ready.Wait(Patience), "the child never installed its handler");
        child.Terminate();
        Assert.True(child.Join(Patience));
        Assert.Equal(0, child.ExitCode);
        Assert.Null(child.Exception);
        Assert.Equal(1, cleanedUp.Value);
    }

    [Fact]
    public void Signal_Kill_to_a_child_that_handles_it_lets_it_finish_its_work()
    {
        using var ready = new ProcessEvent();
        using var cleanedUp = new SharedValue<int>(0);
        using var child = SpindleProcess.Create(HandleTermThenCleanUp, ready, cleanedUp);
        child.Start();
        Assert.True(ready.Wait(Patience));
        Signal.Kill(child.Pid!.Value, "SIGTERM");
        Assert.True(child.Join(Patience));
        Assert.Equal(0, child.ExitCode);
        Assert.Equal(1, cleanedUp.Value);
    }

    [Fact]
    public void A_child_without_a_handler_dies_of_the_signal_Kill_sends()
    {
        using var ready = new ProcessEvent();
        using var child = SpindleProcess.Create(WaitForever, ready);
        child.Start();
        Assert.True(ready.Wait(Patience));
        Signal.Kill(child.Pid!.Value, Signal.SIGUSR1); // default action of SIGUSR1: terminate
        Assert.True(child.Join(Patience));
        Assert.Equal(-Signal.SIGUSR1, child.ExitCode);
    }
}
