using System.Collections.Concurrent;
using Spindle.Threading;

namespace Spindle.Tests.Threading;

public sealed class ThreadTests : SpindleThreadLeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    private sealed class CountingThread(int times) : SpindleThread(name: "counter")
    {
        public int Count { get; private set; }

        protected override void Run()
        {
            for (var i = 0; i < times; i++) Count++;
        }
    }

    private sealed class GatedThread(ManualResetEventSlim gate) : SpindleThread
    {
        protected override void Run() => gate.Wait(Long);
    }

    [Fact]
    public void Target_runs_on_another_thread()
    {
        var ranOn = 0;
        var thread = new SpindleThread(() => ranOn = Environment.CurrentManagedThreadId);
        thread.Start();
        Assert.True(thread.Join(Long));
        Assert.NotEqual(0, ranOn);
        Assert.NotEqual(Environment.CurrentManagedThreadId, ranOn);
        Assert.Equal(thread.Ident, ranOn);
    }

    [Fact]
    public void Subclass_overriding_Run_runs()
    {
        var thread = new CountingThread(5);
        thread.Start();
        Assert.True(thread.Join(Long));
        Assert.Equal(5, thread.Count);
        Assert.Equal("counter", thread.Name);
    }

    [Fact]
    public void Arguments_reach_the_target()
    {
        var got = new ConcurrentBag<string>();
        var one = SpindleThread.Create((string who) => got.Add($"1:{who}"), "alice");
        var two = SpindleThread.Create((string who, int n) => got.Add($"2:{who}{n}"), "bob", 7, name: "two", daemon: true);
        one.Start();
        two.Start();
        Assert.True(one.Join(Long));
        Assert.True(two.Join(Long));
        Assert.Equal(["1:alice", "2:bob7"], got.Order(StringComparer.Ordinal));
        Assert.Equal("two", two.Name);
        Assert.True(two.IsDaemon);
    }

    [Fact]
    public void Join_times_out_while_the_thread_is_held_then_succeeds()
    {
        using var gate = new ManualResetEventSlim();
        var thread = new GatedThread(gate);
        thread.Start();
        var started = DateTime.UtcNow;
        Assert.False(thread.Join(TimeSpan.FromMilliseconds(100)));
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(90));
        Assert.False(thread.Join(TimeSpan.Zero));
        Assert.True(thread.IsAlive);
        gate.Set();
        Assert.True(thread.Join(Long));
        Assert.True(thread.Join(TimeSpan.Zero));
        Assert.False(thread.IsAlive);
    }

    [Fact]
    public async Task JoinAsync_times_out_then_completes()
    {
        using var gate = new ManualResetEventSlim();
        var thread = new GatedThread(gate);
        thread.Start();
        Assert.False(await thread.JoinAsync(TimeSpan.FromMilliseconds(50)));
        Assert.False(await thread.JoinAsync(TimeSpan.Zero));
        gate.Set();
        Assert.True(await thread.JoinAsync(CancellationToken.None));
        Assert.True(await thread.JoinAsync());
    }

    [Fact]
    public async Task JoinAsync_is_cancelled_by_its_token()
    {
        using var gate = new ManualResetEventSlim();
        using var cts = new CancellationTokenSource();
        var thread = new GatedThread(gate);
        thread.Start();
        var join = thread.JoinAsync(cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => join);
        gate.Set();
        Assert.True(thread.Join(Long));
    }

    [Fact]
    public void Starting_twice_throws()
    {
        var thread = new SpindleThread(() => { });
        thread.Start();
        var error = Assert.Throws<InvalidOperationException>(thread.Start);
        Assert.Equal("threads can only be started once", error.Message);
        Assert.True(thread.Join(Long));
        Assert.Throws<InvalidOperationException>(thread.Start);
    }

    [Fact]
    public void Joining_before_start_throws()
    {
        var thread = new SpindleThread(() => { });
        var error = Assert.Throws<InvalidOperationException>(() => thread.Join());
        Assert.Equal("cannot join thread before it is started", error.Message);
        Assert.Throws<InvalidOperationException>(() => { _ = thread.JoinAsync().AsTask(); });
    }

    [Fact]
    public void Joining_the_current_thread_throws()
    {
        Exception? syncError = null, asyncError = null;
        SpindleThread? self = null;
        self = new SpindleThread(() =>
        {
            syncError = Record.Exception(() => self!.Join());
            asyncError = Record.Exception(() => { _ = self!.JoinAsync().AsTask(); });
        });
        self.Start();
        Assert.True(self.Join(Long));
        Assert.Equal("cannot join current thread", Assert.IsType<InvalidOperationException>(syncError).Message);
        Assert.IsType<InvalidOperationException>(asyncError);
    }

    [Fact]
    public void Joining_a_dummy_or_the_main_thread_throws()
    {
        Assert.Equal("cannot join a dummy thread", Assert.Throws<InvalidOperationException>(() => Threads.Current.Join()).Message);
        Assert.Throws<InvalidOperationException>(() => Threads.Main.Join(TimeSpan.Zero));
    }

    [Fact]
    public void Negative_join_timeout_throws_but_infinite_is_allowed()
    {
        var thread = new SpindleThread(() => { });
        thread.Start();
        Assert.Throws<ArgumentOutOfRangeException>(() => thread.Join(TimeSpan.FromMilliseconds(-2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = thread.JoinAsync(TimeSpan.FromMilliseconds(-2)).AsTask(); });
        Assert.True(thread.Join(Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void Setting_daemon_after_start_throws()
    {
        using var gate = new ManualResetEventSlim();
        var thread = new GatedThread(gate) { IsDaemon = true };
        thread.Start();
        var error = Assert.Throws<InvalidOperationException>(() => thread.IsDaemon = false);
        Assert.Equal("cannot set daemon status of active thread", error.Message);
        Assert.True(thread.IsDaemon);
        gate.Set();
        Assert.True(thread.Join(Long));
        Assert.Throws<InvalidOperationException>(() => thread.IsDaemon = false);
    }

    [Fact]
    public void Daemon_maps_to_IsBackground()
    {
        bool? daemonBackground = null, plainBackground = null;
        var daemon = new SpindleThread(() => daemonBackground = Thread.CurrentThread.IsBackground, daemon: true);
        var plain = new SpindleThread(() => plainBackground = Thread.CurrentThread.IsBackground, daemon: false);
        daemon.Start();
        plain.Start();
        Assert.True(daemon.Join(Long));
        Assert.True(plain.Join(Long));
        Assert.True(daemonBackground);
        Assert.False(plainBackground);
    }

    [Fact]
    public void IsAlive_goes_from_false_to_true_to_false()
    {
        using var gate = new ManualResetEventSlim();
        var thread = new GatedThread(gate);
        Assert.False(thread.IsAlive);
        Assert.Null(thread.Ident);
        Assert.Null(thread.NativeId);
        thread.Start();
        Assert.True(thread.IsAlive);
        gate.Set();
        Assert.True(thread.Join(Long));
        Assert.False(thread.IsAlive);
        Assert.NotNull(thread.Ident);
    }

    [Fact]
    public void Default_names_count_up_and_names_are_settable()
    {
        var first = new SpindleThread(() => { });
        var second = new SpindleThread(() => { });
        var named = new SpindleThread(() => { }, name: "worker");
        var third = new SpindleThread(() => { });
        Assert.Matches(@"^Thread-\d+$", first.Name);
        var n1 = int.Parse(first.Name["Thread-".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal($"Thread-{n1 + 1}", second.Name);
        Assert.Equal("worker", named.Name);
        Assert.Equal($"Thread-{n1 + 2}", third.Name); // a given name does not take a number, as in Python

        string? seen = null;
        var renamed = new SpindleThread(() => seen = Threads.Current.Name) { Name = "renamed" };
        renamed.Start();
        Assert.True(renamed.Join(Long));
        Assert.Equal("renamed", seen);
        renamed.Name = "after the end"; // Python allows renaming at any time
        Assert.Equal("after the end", renamed.Name);
        Assert.Throws<ArgumentNullException>(() => renamed.Name = null!);
    }

    [Fact]
    public void The_name_is_the_OS_thread_name_and_follows_a_rename_while_running()
    {
        using var renamed = new ManualResetEventSlim();
        string? before = null, after = null;
        var thread = new SpindleThread(() =>
        {
            before = Thread.CurrentThread.Name;
            renamed.Wait(Long);
            after = Thread.CurrentThread.Name;
        }, name: "first");
        thread.Start();
        thread.Name = "second";
        renamed.Set();
        Assert.True(thread.Join(Long));
        Assert.True(before is "first" or "second", before); // it may have started before or after the rename
        Assert.Equal("second", after);
    }

    [Fact]
    public void Daemon_default_is_inherited_from_the_creating_thread()
    {
        bool? fromDaemon = null, fromPlain = null;
        var daemonParent = new SpindleThread(() => fromDaemon = new SpindleThread(() => { }).IsDaemon, daemon: true);
        var plainParent = new SpindleThread(() => fromPlain = new SpindleThread(() => { }).IsDaemon, daemon: false);
        daemonParent.Start();
        plainParent.Start();
        Assert.True(daemonParent.Join(Long));
        Assert.True(plainParent.Join(Long));
        Assert.True(fromDaemon);
        Assert.False(fromPlain);
        // From a thread Spindle did not start (this test's): .NET's default, not a daemon.
        Assert.False(new SpindleThread(() => { }).IsDaemon);
        Assert.False(Threads.Main.IsDaemon);
    }

    [Fact]
    public void Current_inside_a_thread_is_that_thread()
    {
        SpindleThread? seen = null;
        int? ident = null, nativeId = null;
        var thread = new SpindleThread(() =>
        {
            seen = Threads.Current;
            ident = Threads.GetIdent();
            nativeId = Threads.GetNativeId();
        });
        thread.Start();
        Assert.True(thread.Join(Long));
        Assert.Same(thread, seen);
        Assert.Equal(thread.Ident, ident);
        Assert.Equal(thread.NativeId, nativeId);
        Assert.NotEqual(Environment.ProcessId, nativeId);
    }

    [Fact]
    public void Current_in_the_test_thread_is_a_stable_dummy()
    {
        var current = Threads.Current;
        Assert.Same(current, Threads.Current);
        Assert.NotSame(Threads.Main, current); // the test runner's thread is not the process's first thread
        Assert.StartsWith("Dummy-", current.Name, StringComparison.Ordinal);
        Assert.True(current.IsAlive);
        Assert.True(current.IsDaemon);
        Assert.Equal(Environment.CurrentManagedThreadId, current.Ident);
        Assert.Equal(Threads.GetNativeId(), current.NativeId);
        Assert.DoesNotContain(current, Threads.Enumerate());
    }

    [Fact]
    public void Main_thread_is_the_process()
    {
        var main = Threads.Main;
        Assert.Equal("MainThread", main.Name);
        Assert.True(main.IsAlive);
        Assert.Equal(Environment.ProcessId, main.NativeId);
        Assert.Same(main, Threads.Enumerate()[0]);
    }

    [Fact]
    public void Enumerate_and_ActiveCount_include_a_running_thread_until_it_is_joined()
    {
        using var gate = new ManualResetEventSlim();
        var before = Threads.ActiveCount;
        var thread = new GatedThread(gate);
        Assert.DoesNotContain(thread, Threads.Enumerate());
        thread.Start();
        Assert.Contains(thread, Threads.Enumerate());
        Assert.Equal(before + 1, Threads.ActiveCount);
        Assert.Equal(Threads.Enumerate().Count, Threads.ActiveCount);
        gate.Set();
        Assert.True(thread.Join(Long));
        Assert.DoesNotContain(thread, Threads.Enumerate());
        Assert.Equal(before, Threads.ActiveCount);
    }

    [Fact]
    public void Threads_share_the_process_id_but_not_the_thread_id()
    {
        var pids = new ConcurrentBag<int>();
        var tids = new ConcurrentBag<int>();
        var threads = Enumerable.Range(0, 4).Select(_ => new SpindleThread(() =>
        {
            pids.Add(Environment.ProcessId);
            tids.Add(Threads.GetNativeId());
        })).ToList();
        threads.ForEach(t => t.Start());
        Assert.All(threads, t => Assert.True(t.Join(Long)));
        Assert.All(pids, pid => Assert.Equal(Environment.ProcessId, pid));
        Assert.Equal(4, tids.Distinct().Count());
        Assert.Equal(threads.Select(t => t.NativeId!.Value).Order(), tids.Order());
    }

    [Fact]
    public void Exception_in_target_goes_to_the_hook_and_the_thread_ends_normally()
    {
        var original = SpindleThread.ExceptHook;
        Exception? caught = null;
        SpindleThread? from = null;
        SpindleThread.ExceptHook = (e, t) => (caught, from) = (e, t);
        try
        {
            var thread = new SpindleThread(() => throw new InvalidTimeZoneException("boom"), name: "failing");
            thread.Start();
            Assert.True(thread.Join(Long));
            Assert.False(thread.IsAlive);
            Assert.Equal("boom", Assert.IsType<InvalidTimeZoneException>(caught).Message);
            Assert.Same(thread, from);
        }
        finally
        {
            SpindleThread.ExceptHook = original;
        }
    }

    [Fact]
    public void Default_hook_prints_the_thread_name_and_the_exception_to_stderr()
    {
        var original = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            var thread = new SpindleThread(() => throw new InvalidTimeZoneException("boom"), name: "loud");
            thread.Start();
            Assert.True(thread.Join(Long));
        }
        finally
        {
            Console.SetError(original);
        }
        var text = captured.ToString();
        Assert.StartsWith($"Exception in thread loud:{Environment.NewLine}System.InvalidTimeZoneException: boom", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_hook_is_reported_and_does_not_crash()
    {
        var originalHook = SpindleThread.ExceptHook;
        var originalError = Console.Error;
        using var captured = new StringWriter();
        SpindleThread.ExceptHook = (_, _) => throw new FormatException("hook broke");
        Console.SetError(captured);
        try
        {
            var thread = new SpindleThread(() => throw new InvalidTimeZoneException("boom"));
            thread.Start();
            Assert.True(thread.Join(Long));
        }
        finally
        {
            Console.SetError(originalError);
            SpindleThread.ExceptHook = originalHook;
        }
        Assert.Contains("hook broke", captured.ToString(), StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => SpindleThread.ExceptHook = null!);
    }

    [Fact]
    public void ToString_reads_like_Pythons_repr()
    {
        var thread = new SpindleThread(() => { }, name: "r", daemon: true);
        Assert.Equal("SpindleThread(r, initial daemon)", thread.ToString());
        thread.Start();
        Assert.True(thread.Join(Long));
        Assert.Equal($"SpindleThread(r, stopped daemon {thread.Ident})", thread.ToString());
    }

    [Fact]
    public void Null_targets_are_refused()
    {
        Assert.Throws<ArgumentNullException>(() => new SpindleThread(null!));
        Assert.Throws<ArgumentNullException>(() => SpindleThread.Create<int>(null!, 1));
        Assert.Throws<ArgumentNullException>(() => SpindleThread.Create<int, int>(null!, 1, 2));
    }

    // CPython's test_various_ops_small_stack / large_stack: threads started after stack_size(n) get n-byte stacks.
    [Theory]
    [InlineData(256 * 1024)]
    [InlineData(4 * 1024 * 1024)]
    public void StackSize_applies_to_threads_started_after_it_is_set(int size)
    {
        Assert.Equal(0, Threads.StackSize);
        long measured = 0;
        try
        {
            Threads.StackSize = size;
            var thread = new SpindleThread(() => measured = Spindle.Native.Libc.CurrentThreadStackSize());
            thread.Start();
            Assert.True(thread.Join(Long));
        }
        finally { Threads.StackSize = 0; }
        Assert.InRange(measured, size, 4L * size); // glibc may hand out a cached stack of up to 4× the size asked for
    }

    [Fact]
    public void StackSize_refuses_sizes_below_the_minimum()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Threads.StackSize = 1024);
        Assert.Throws<ArgumentOutOfRangeException>(() => Threads.StackSize = -1);
        Assert.Equal(0, Threads.StackSize);
    }
}
