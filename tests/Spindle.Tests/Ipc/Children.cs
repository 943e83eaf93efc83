using Spindle.Ipc;
using Spindle.Processes;

namespace Spindle.Tests.Ipc;

/// <summary>Starting and joining the child processes of the IPC tests.</summary>
internal static class Children
{
    /// <summary>How long a test waits for something that should happen promptly; only matters when a test fails.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>Starts every process not started yet, then joins each and checks it exited with 0.</summary>
    public static void RunAll(params SpindleProcess[] processes)
    {
        try
        {
            foreach (var p in processes)
            {
                if (p.Pid is null) p.Start();
            }
            foreach (var p in processes)
            {
                Assert.True(p.Join(Patience), $"{p.Name} did not finish");
                Assert.True(p.ExitCode == 0, $"{p.Name} exited with {p.ExitCode}: {p.Exception}");
            }
        }
        finally
        {
            foreach (var p in processes)
            {
                if (p.Pid is not null)
                {
                    if (p.IsAlive) p.Kill();
                    p.Join(Patience);
                }
                p.Dispose();
            }
        }
    }

    /// <summary>A short stretch of work inside a critical section, so that overlapping holders would be seen.</summary>
    public static void Work()
    {
        for (int i = 0; i < 50; i++) Thread.SpinWait(20);
    }

    /// <summary>Child: takes <paramref name="held"/>, says so through <paramref name="ready"/>, then waits on <paramref name="never"/> (the test kills it).</summary>
    public static void HoldLockForever(ILock held, ProcessEvent ready, ProcessEvent never)
    {
        held.Acquire();
        ready.Set();
        never.Wait();
    }
}
