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

    [Fact]
    public async Task Waiting_for_spares_returns_once_they_have_booted_and_at_once_when_none_are_wanted()
    {
        Assert.True(SpindleProcess.WaitForWarmSpares(TimeSpan.Zero)); // none wanted: nothing to wait for
        try
        {
            SpindleProcess.WarmSpares = 2;
            Assert.True(await SpindleProcess.WaitForWarmSparesAsync(Long));
            var pids = SparePool.Pids;
            Assert.Equal(2, pids.Count);
            Assert.All(SparePool.Spares, spare => Assert.True(spare.Booted.IsCompletedSuccessfully));
            using var p = new SpindleProcess(static () => { });
            p.Start();
            Assert.Equal(pids[0], p.Pid);
            Assert.True(p.Join(Long));
            Assert.Equal(0, p.ExitCode);
            Assert.True(SpindleProcess.WaitForWarmSpares(Long)); // the refill booted a new one
            Assert.DoesNotContain(p.Pid!.Value, SparePool.Pids);
            Assert.Throws<ArgumentOutOfRangeException>(() => SpindleProcess.WaitForWarmSpares(TimeSpan.FromSeconds(-2)));
            using var cancelled = new CancellationTokenSource();
            await cancelled.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SpindleProcess.WaitForWarmSparesAsync(Long, cancelled.Token));
        }
        finally
        {
            SpindleProcess.WarmSpares = 0;
        }
    }

    /// <summary>Waits until the background refill has a booted spare waiting, and returns its pid.</summary>
    private static int WaitForSpare()
    {
        Assert.True(SpindleProcess.WaitForWarmSpares(Long), "no warm spare booted");
        return SparePool.Pids[0];
    }
}
