using Spindle.Ipc;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary>How a lock tells that its owner process is dead: gone, or its pid reused by another process.</summary>
public sealed class OwnerLivenessTests : LeakCheckedTest
{
    internal static void WaitFor(ProcessEvent release) => release.Wait();

    [Fact]
    public void A_live_process_is_alive_unless_its_stamp_shows_the_pid_was_reused_and_an_exited_one_is_dead()
    {
        using var release = new ProcessEvent();
        using var child = SpindleProcess.Create(WaitFor, release);
        child.Start();
        int pid = child.Pid!.Value;
        try
        {
            Assert.False(OwnerLiveness.IsDead(pid, 0)); // no stamp: existence decides
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            long start = long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19], System.Globalization.CultureInfo.InvariantCulture);
            Assert.False(OwnerLiveness.IsDead(pid, ((long)pid << 32) | (uint)start)); // the stamp matches
            Assert.True(OwnerLiveness.IsDead(pid, ((long)pid << 32) | (uint)(start + 1))); // another process under that pid
            Assert.False(OwnerLiveness.IsDead(pid, ((long)(pid + 1) << 32) | (uint)(start + 1))); // a stamp about another pid is no evidence
        }
        finally
        {
            release.Set();
            Assert.True(child.Join(Children.Patience));
        }
        Assert.True(OwnerLiveness.IsDead(pid, 0));
        Assert.False(OwnerLiveness.IsDead(Environment.ProcessId, 0));
        Assert.NotEqual(0L, OwnerLiveness.Stamp);
    }
}
