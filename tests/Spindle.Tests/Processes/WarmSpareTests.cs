using System.Globalization;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Processes;

public sealed class WarmSpareTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    [Fact]
    public void Spares_are_off_by_default_and_cannot_be_negative()
    {
        Assert.Equal(0, SpindleProcess.WarmSpares);
        Assert.Throws<ArgumentOutOfRangeException>(() => SpindleProcess.WarmSpares = -1);
    }

    [Fact]
    public void A_start_takes_a_spare_and_the_child_behaves_as_a_cold_one()
    {
        using var scratch = new Scratch();
        try
        {
            SpindleProcess.WarmSpares = 1;
            var spare = WaitForSpare();
            using var p = SpindleProcess.Create<string>(ChildTargets.WriteContext, scratch["ctx"], name: "warm");
            p.Start();
            Assert.Equal(spare, p.Pid);
            Assert.True(p.Join(Long));
            Assert.Equal(0, p.ExitCode);
            Assert.Equal($"{spare}||{Environment.CurrentDirectory}", File.ReadAllText(scratch["ctx"]));
            WaitForSpare(); // refilled in the background
            using var failing = SpindleProcess.Create<string>(ChildTargets.Throw, "warm failure");
            failing.Start();
            Assert.True(failing.Join(Long));
            Assert.Equal(1, failing.ExitCode);
            Assert.Equal("warm failure", failing.Exception!.Message);
        }
        finally
        {
            SpindleProcess.WarmSpares = 0;
        }
    }

    [Fact]
    public void A_spare_is_not_used_after_the_environment_changed()
    {
        using var scratch = new Scratch();
        try
        {
            SpindleProcess.WarmSpares = 1;
            var stale = WaitForSpare();
            Environment.SetEnvironmentVariable("SPINDLE_TEST_MARK", "changed");
            using var p = SpindleProcess.Create<string>(ChildTargets.WriteContext, scratch["ctx"]);
            p.Start();
            Assert.NotEqual(stale, p.Pid);
            Assert.True(p.Join(Long));
            Assert.Equal($"{p.Pid}|changed|{Environment.CurrentDirectory}", File.ReadAllText(scratch["ctx"]));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SPINDLE_TEST_MARK", null);
            SpindleProcess.WarmSpares = 0;
        }
    }

    [Fact]
    public void A_spare_is_not_used_after_the_working_directory_changed()
    {
        using var scratch = new Scratch();
        var original = Environment.CurrentDirectory;
        try
        {
            SpindleProcess.WarmSpares = 1;
            var stale = WaitForSpare();
            Environment.CurrentDirectory = scratch.Dir;
            using var p = SpindleProcess.Create<string>(ChildTargets.WriteContext, scratch["ctx"]);
            p.Start();
            Assert.NotEqual(stale, p.Pid);
            Assert.True(p.Join(Long));
            Assert.Equal($"{p.Pid}||{scratch.Dir}", File.ReadAllText(scratch["ctx"]));
        }
        finally
        {
            Environment.CurrentDirectory = original;
            SpindleProcess.WarmSpares = 0;
        }
    }

    /// <summary>Polls until the background refill has a spare waiting, and returns its pid.</summary>
    private static int WaitForSpare()
    {
        Assert.True(SpinWait.SpinUntil(() => SparePool.Pids.Count > 0, Long), "no warm spare appeared");
        return SparePool.Pids[0];
    }
}
