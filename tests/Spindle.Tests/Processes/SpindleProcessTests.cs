using System.Globalization;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Processes;

public sealed class SpindleProcessTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    [Fact]
    public void Target_runs_in_another_process_with_its_arguments()
    {
        using var scratch = new Scratch();
        using var p = SpindleProcess.Create<string, string>(ChildTargets.Write, scratch["out"], "hello");
        Assert.Null(p.Pid);
        Assert.Null(p.Ident);
        p.Start();
        Assert.True(p.Join(Long));
        Assert.NotEqual(Environment.ProcessId, p.Pid);
        Assert.Equal(p.Pid, p.Ident);
        Assert.Equal("hello", File.ReadAllText(scratch["out"]));
        Assert.Equal(0, p.ExitCode);
        Assert.Null(p.Exception);
    }

    [Fact]
    public void Name_defaults_to_a_numbered_name_and_can_be_given()
    {
        using var a = new SpindleProcess(ChildTargets.Noop);
        Assert.Matches(@"^Process-\d+$", a.Name); // Python's default names
        using var b = new SpindleProcess(ChildTargets.Noop, name: "worker");
        Assert.Equal("worker", b.Name);
        b.Name = "renamed";
        Assert.Equal("renamed", b.Name);
        Assert.Throws<ArgumentNullException>(() => b.Name = null!);
    }

    [Fact]
    public void A_child_names_its_own_children_after_itself_as_Python_does()
    {
        using var scratch = new Scratch();
        var path = scratch["inner"];
        using var outer = new SpindleProcess(() => ChildTargets.Write(path, new SpindleProcess(ChildTargets.Noop).Name));
        outer.Start();
        Assert.True(outer.Join(Long));
        Assert.Equal(0, outer.ExitCode);
        Assert.Equal(outer.Name + ":1", File.ReadAllText(path)); // Process-N:1, as Python's identity-based names
    }

    [Fact]
    public void A_child_cannot_change_the_parents_variables()
    {
        using var scratch = new Scratch();
        ChildTargets.Counter = 100;
        using var p = SpindleProcess.Create<string>(ChildTargets.IncrementCounter, scratch["counter"]);
        p.Start();
        Assert.True(p.Join(Long));
        Assert.Equal("1", File.ReadAllText(scratch["counter"])); // a fresh runtime: the static started at 0
        Assert.Equal(100, ChildTargets.Counter);
    }

    [Fact]
    public void Join_times_out_while_the_child_runs_then_succeeds()
    {
        using var scratch = new Scratch();
        using var p = SpindleProcess.Create<string>(ChildTargets.Wait, scratch["go"]);
        Assert.False(p.IsAlive);
        p.Start();
        Assert.False(p.Join(TimeSpan.FromMilliseconds(50)));
        Assert.False(p.Join(TimeSpan.Zero));
        Assert.True(p.IsAlive);
        Assert.Null(p.ExitCode);
        scratch.Touch("go");
        Assert.True(p.Join(Long));
        Assert.False(p.IsAlive);
        Assert.Equal(0, p.ExitCode);
        Assert.True(p.Join(TimeSpan.Zero));
    }

    [Fact]
    public async Task JoinAsync_waits_for_the_child_and_honours_timeout_and_cancellation()
    {
        using var scratch = new Scratch();
        using var p = SpindleProcess.Create<string>(ChildTargets.Wait, scratch["go"]);
        p.Start();
        Assert.False(await p.JoinAsync(TimeSpan.FromMilliseconds(50)));
        using (var cts = new CancellationTokenSource())
        {
            var waiting = p.JoinAsync(cts.Token);
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        }
        scratch.Touch("go");
        await p.JoinAsync().WaitAsync(Long);
        Assert.Equal(0, p.ExitCode);
        Assert.True(await p.JoinAsync(TimeSpan.Zero));
    }

    [Fact]
    public void A_target_that_throws_exits_with_1_and_the_parent_sees_the_remote_exception()
    {
        using var p = SpindleProcess.Create<string>(ChildTargets.Throw, "boom in child");
        p.Start();
        Assert.True(p.Join(Long));
        Assert.Equal(1, p.ExitCode);
        var remote = Assert.IsType<RemoteException>(p.Exception);
        Assert.Equal("System.InvalidOperationException", remote.RemoteTypeName);
        Assert.Equal("boom in child", remote.Message);
        Assert.Contains(nameof(ChildTargets.Throw), remote.RemoteStackTrace, StringComparison.Ordinal);
        Assert.Contains("boom in child", remote.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_exit_in_the_child_gives_its_code()
    {
        using var p = SpindleProcess.Create<int>(ChildTargets.Exit, 7);
        p.Start();
        Assert.True(p.Join(Long));
        Assert.Equal(7, p.ExitCode);
        Assert.Null(p.Exception);
    }

    [Fact]
    public void Exit_code_above_128_is_not_mistaken_for_a_signal()
    {
        using var p = SpindleProcess.Create<int>(ChildTargets.Exit, 137);
        p.Start();
        Assert.True(p.Join(Long));
        Assert.Equal(137, p.ExitCode);
    }

    [Fact]
    public void Kill_gives_minus_9()
    {
        using var scratch = new Scratch();
        using var p = SpindleProcess.Create<string>(ChildTargets.Wait, scratch["never"]);
        p.Start();
        p.Kill();
        Assert.True(p.Join(Long));
        Assert.Equal(-9, p.ExitCode);
        Assert.False(p.IsAlive);
        p.Kill(); // already dead: nothing, as in Python
        p.Terminate();
    }

    [Fact]
    public void Terminate_gives_minus_15()
    {
        using var scratch = new Scratch();
        using var p = SpindleProcess.Create<string>(ChildTargets.WriteAndWait, scratch.Dir);
        p.Start();
        scratch.WaitForText("started"); // the runtime is up and the target runs
        p.Terminate();
        Assert.True(p.Join(Long));
        Assert.Equal(-15, p.ExitCode);
    }

    [Fact]
    public void Starting_twice_is_refused()
    {
        using var p = new SpindleProcess(ChildTargets.Noop);
        p.Start();
        var e = Assert.Throws<InvalidOperationException>(p.Start);
        Assert.Equal("cannot start a process twice", e.Message);
        Assert.True(p.Join(Long));
    }

    [Fact]
    public void Operations_before_start_are_refused()
    {
        using var p = new SpindleProcess(ChildTargets.Noop);
        Assert.Equal("can only join a started process", Assert.Throws<InvalidOperationException>(() => p.Join()).Message);
        Assert.Throws<InvalidOperationException>(() => { _ = p.JoinAsync(); });
        Assert.Throws<InvalidOperationException>(p.Terminate);
        Assert.Throws<InvalidOperationException>(p.Kill);
        Assert.Null(p.ExitCode);
        Assert.False(p.IsAlive);
    }

    [Fact]
    public void Negative_timeout_is_refused()
    {
        using var p = new SpindleProcess(ChildTargets.Noop);
        p.Start();
        Assert.Throws<ArgumentOutOfRangeException>(() => p.Join(TimeSpan.FromSeconds(-2)));
        Assert.True(p.Join(Long));
    }

    [Fact]
    public void Daemon_is_settable_only_before_start()
    {
        using var p = new SpindleProcess(ChildTargets.Noop);
        p.Daemon = true;
        Assert.True(p.Daemon);
        p.Daemon = false;
        p.Start();
        Assert.Equal("process has already started", Assert.Throws<InvalidOperationException>(() => p.Daemon = true).Message);
        Assert.True(p.Join(Long));
    }

    [Fact]
    public void Closing_a_live_process_is_refused_and_a_closed_one_refuses_use()
    {
        using var scratch = new Scratch();
        var p = SpindleProcess.Create<string>(ChildTargets.Wait, scratch["go"]);
        p.Start();
        var e = Assert.Throws<InvalidOperationException>(p.Close);
        Assert.StartsWith("Cannot close a process while it is still running", e.Message, StringComparison.Ordinal);
        scratch.Touch("go");
        Assert.True(p.Join(Long));
        p.Close();
        p.Close(); // idempotent, as in Python
        Assert.Throws<ObjectDisposedException>(() => p.Join());
        Assert.Throws<ObjectDisposedException>(p.Start);
        Assert.Throws<ObjectDisposedException>(() => p.ExitCode);
        p.Dispose();
    }

    [Fact]
    public void ToString_describes_the_state()
    {
        using var p = new SpindleProcess(ChildTargets.Noop, name: "shown");
        Assert.Contains("initial", p.ToString(), StringComparison.Ordinal);
        p.Start();
        Assert.True(p.Join(Long));
        Assert.Contains("stopped exitcode=0", p.ToString(), StringComparison.Ordinal);
        Assert.Contains(p.Pid!.Value.ToString(CultureInfo.InvariantCulture), p.ToString(), StringComparison.Ordinal);
    }
}
