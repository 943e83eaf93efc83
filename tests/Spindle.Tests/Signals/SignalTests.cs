using Spindle.Native;
using Spindle.Signals;
using Spindle.Tests.Selectors;
using Spindle.Tests.Support;

namespace Spindle.Tests.Signals;

/// <summary>Seed 003's signals: handlers, SIG_IGN, SIG_DFL, kill, alarm, pause, names. Every test restores what it changes.</summary>
public sealed class SignalTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    [Fact]
    public void Handler_runs_on_a_pool_thread_when_the_signal_is_sent_and_dispose_restores_the_default()
    {
        Assert.True(SignalMasks.IsDefault(Signal.SIGUSR1));
        using var received = new ManualResetEventSlim();
        var number = 0;
        var onPool = false;
        using (Signal.Handle(Signal.SIGUSR1, n =>
        {
            number = n;
            onPool = Thread.CurrentThread.IsThreadPoolThread;
            received.Set();
        }))
        {
            Assert.True(SignalMasks.IsCaught(Signal.SIGUSR1));
            Signal.Kill(Environment.ProcessId, Signal.SIGUSR1);
            Assert.True(received.Wait(Long));
            Assert.Equal(Signal.SIGUSR1, number);
            Assert.True(onPool);
        }
        Assert.True(SignalMasks.IsDefault(Signal.SIGUSR1));
    }

    [Theory]
    [InlineData("SIGUSR2")]
    [InlineData("usr2")]
    public void Signals_can_be_named(string name)
    {
        using var received = new ManualResetEventSlim();
        using (Signal.Handle(name, _ => received.Set()))
        {
            Signal.Kill(Environment.ProcessId, name);
            Assert.True(received.Wait(Long));
        }
        Assert.True(SignalMasks.IsDefault(Signal.SIGUSR2));
    }

    [Fact]
    public void Later_handler_replaces_the_earlier_and_scopes_unwind_like_a_stack()
    {
        using var first = new SemaphoreSlim(0);
        using var second = new SemaphoreSlim(0);
        using (Signal.Handle(Signal.SIGUSR1, _ => first.Release()))
        {
            using (Signal.Handle(Signal.SIGUSR1, _ => second.Release()))
            {
                Signal.Kill(Environment.ProcessId, Signal.SIGUSR1);
                Assert.True(second.Wait(Long));
                Assert.Equal(0, first.CurrentCount);
            }
            Signal.Kill(Environment.ProcessId, Signal.SIGUSR1);
            Assert.True(first.Wait(Long));
            Assert.Equal(0, second.CurrentCount);
        }
        Assert.True(SignalMasks.IsDefault(Signal.SIGUSR1));
    }

    [Fact]
    public void Ignore_discards_the_signal_without_running_a_handler_or_dying()
    {
        var ran = 0;
        using var flushed = new ManualResetEventSlim();
        using (Signal.Handle(Signal.SIGUSR1, _ => Interlocked.Increment(ref ran)))
        using (Signal.Handle(Signal.SIGUSR2, _ => flushed.Set()))
        {
            using (Signal.Ignore(Signal.SIGUSR1))
            {
                Assert.True(SignalMasks.IsIgnored(Signal.SIGUSR1));
                Assert.False(SignalMasks.IsCaught(Signal.SIGUSR1));
                Signal.Kill(Environment.ProcessId, Signal.SIGUSR1);
                // A later signal that is handled proves the process went on receiving signals.
                Signal.Kill(Environment.ProcessId, Signal.SIGUSR2);
                Assert.True(flushed.Wait(Long));
                Assert.Equal(0, Volatile.Read(ref ran));
            }
            // Back to the handler.
            Assert.True(SignalMasks.IsCaught(Signal.SIGUSR1));
            Assert.False(SignalMasks.IsIgnored(Signal.SIGUSR1));
        }
        Assert.True(SignalMasks.IsDefault(Signal.SIGUSR1));
    }

    [Fact]
    public void RestoreDefault_puts_back_SIG_DFL_or_the_runtimes_own_disposition()
    {
        using (Signal.Ignore("SIGUSR1"))
        {
            Assert.True(SignalMasks.IsIgnored(Signal.SIGUSR1));
            Signal.RestoreDefault(Signal.SIGUSR1);
            Assert.True(SignalMasks.IsDefault(Signal.SIGUSR1));
        }
        // The scope no longer owns the signal, so disposing it left the default alone.
        Assert.True(SignalMasks.IsDefault(Signal.SIGUSR1));

        // The runtime ignores SIGPIPE; handling it must still work, and restoring gives the runtime's SIG_IGN back.
        Assert.True(SignalMasks.IsIgnored(Signal.SIGPIPE));
        using var received = new ManualResetEventSlim();
        using (Signal.Handle(Signal.SIGPIPE, _ => received.Set()))
        {
            Assert.True(SignalMasks.IsCaught(Signal.SIGPIPE));
            Signal.Kill(Environment.ProcessId, Signal.SIGPIPE);
            Assert.True(received.Wait(Long));
            Signal.RestoreDefault("PIPE");
            Assert.True(SignalMasks.IsIgnored(Signal.SIGPIPE));
        }
        Assert.True(SignalMasks.IsIgnored(Signal.SIGPIPE));
    }

    [Fact]
    public void SIGTERM_can_be_handled_instead_of_ending_the_process()
    {
        var runtimeCatchesIt = SignalMasks.IsCaught(Signal.SIGTERM);
        using var received = new ManualResetEventSlim();
        using (Signal.Handle(Signal.SIGTERM, _ => received.Set()))
        {
            Signal.Kill(Environment.ProcessId, Signal.SIGTERM);
            Assert.True(received.Wait(Long));
        }
        Assert.Equal(runtimeCatchesIt, SignalMasks.IsCaught(Signal.SIGTERM));
    }

    [Fact]
    public void Alarm_delivers_SIGALRM_to_its_handler()
    {
        using var rang = new ManualResetEventSlim();
        using (Signal.Handle(Signal.SIGALRM, _ => rang.Set()))
        {
            try
            {
                Assert.Equal(0, Signal.Alarm(1));
                Assert.True(rang.Wait(Long));
            }
            finally { Signal.Alarm(0); }
        }
    }

    [Fact]
    public void A_second_alarm_replaces_the_first_and_returns_its_remaining_seconds()
    {
        // A handler in case the machine stalls long enough for an alarm to ring: it must never end the test host.
        using (Signal.Handle(Signal.SIGALRM, _ => { }))
        {
            try
            {
                Assert.Equal(0, Signal.Alarm(100));
                Assert.InRange(Signal.Alarm(50), 90, 100);
                Assert.InRange(Signal.Alarm(0), 40, 50);
                Assert.Equal(0, Signal.Alarm(0));
            }
            finally { Signal.Alarm(0); }
        }
    }

    [Fact]
    public void Pause_returns_once_a_handled_signal_has_run_its_handler()
    {
        var handled = false;
        using (Signal.Handle(Signal.SIGUSR1, _ => Volatile.Write(ref handled, true)))
        {
            // Compiled beforehand, so the only futex wait this thread can be in is Pause's own.
            Assert.False(Signal.Pause(TimeSpan.Zero));
            var returned = Fds.WhileBlocked(() => Signal.Pause(Long),
                () => Signal.Kill(Environment.ProcessId, Signal.SIGUSR1), 202 /* futex: blocked inside Pause */);
            Assert.True(returned);
            Assert.True(Volatile.Read(ref handled));
        }
    }

    [Fact]
    public async Task PauseAsync_completes_after_a_handled_signal()
    {
        using (Signal.Handle(Signal.SIGUSR2, _ => { }))
        {
            var pause = Signal.PauseAsync(Long);
            Signal.Kill(Environment.ProcessId, Signal.SIGUSR2);
            Assert.True(await pause);

            var untimed = Signal.PauseAsync(CancellationToken.None);
            Signal.Kill(Environment.ProcessId, Signal.SIGUSR2);
            await untimed.WaitAsync(Long);
        }
    }

    [Fact]
    public async Task Pause_times_out_and_can_be_cancelled()
    {
        Assert.False(Signal.Pause(TimeSpan.FromMilliseconds(50)));
        Assert.False(Signal.Pause(TimeSpan.Zero));
        Assert.False(await Signal.PauseAsync(TimeSpan.FromMilliseconds(50)));
        using var cts = new CancellationTokenSource();
        var pending = Signal.PauseAsync(cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.Pause(TimeSpan.FromSeconds(-2)));
    }

    [Fact]
    public void List_names_every_signal_like_kill_l()
    {
        var all = Signal.List();
        Assert.Contains((15, "SIGTERM"), all);
        Assert.Contains((9, "SIGKILL"), all);
        Assert.Contains((Signal.RealTimeMin, "SIGRTMIN"), all);
        Assert.Contains((Signal.RealTimeMax, "SIGRTMAX"), all);
        Assert.Equal(all.OrderBy(s => s.Number), all);
        foreach (var (number, name) in all)
        {
            Assert.Equal(number, Signal.Number(name));
            Assert.Equal(name, Signal.Name(number));
        }
    }

    [Theory]
    [InlineData("SIGTERM", 15)]
    [InlineData("term", 15)]
    [InlineData("15", 15)]
    [InlineData("SIGIOT", 6)]
    [InlineData("SIGCLD", 17)]
    [InlineData("RTMIN+2", 36)]
    [InlineData("SIGRTMAX-1", 63)]
    public void Number_accepts_names_aliases_and_numbers(string name, int expected) =>
        Assert.Equal(expected, Signal.Number(name));

    [Fact]
    public void Unknown_names_and_numbers_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Signal.Number("SIGNOPE"));
        Assert.Throws<ArgumentException>(() => Signal.Number("SIGRTMIN+99"));
        Assert.Throws<ArgumentException>(() => Signal.Number(""));
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.Name(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.Name(99));
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.Number("99"));
    }

    [Fact]
    public void Uncatchable_and_runtime_signals_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Signal.Handle(Signal.SIGKILL, _ => { }));
        Assert.Throws<ArgumentException>(() => Signal.Handle(Signal.SIGSTOP, _ => { }));
        Assert.Throws<ArgumentException>(() => Signal.Ignore(Signal.SIGKILL));
        Assert.Throws<ArgumentException>(() => Signal.RestoreDefault(Signal.SIGSTOP));
        var segv = Assert.Throws<ArgumentException>(() => Signal.Handle("SIGSEGV", _ => { }));
        Assert.Contains(".NET runtime", segv.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Signal.Handle(Signal.RealTimeMin, _ => { }));
        Assert.Throws<ArgumentException>(() => Signal.Ignore(Signal.SIGCHLD));
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.Handle(0, _ => { }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.Handle(65, _ => { }));
        Assert.Throws<ArgumentNullException>(() => Signal.Handle(Signal.SIGUSR1, null!));
        Assert.True(SignalMasks.IsDefault(Signal.SIGUSR1));
    }

    [Fact]
    public void Kill_reports_a_missing_process_and_a_bad_signal()
    {
        Signal.Kill(Environment.ProcessId, 0);
        var missing = Assert.Throws<ArgumentException>(() => Signal.Kill(int.MaxValue, Signal.SIGTERM));
        Assert.Contains("No process", missing.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.Kill(Environment.ProcessId, 99));
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.Alarm(-1));
    }

    [Fact]
    public void GetDisposition_and_GetHandler_follow_handle_ignore_and_restore()
    {
        Assert.Equal(SignalDisposition.Default, Signal.GetDisposition(Signal.SIGUSR1));
        Assert.Null(Signal.GetHandler(Signal.SIGUSR1));
        Action<int> handler = _ => { };
        using (Signal.Handle(Signal.SIGUSR1, handler))
        {
            Assert.Equal(SignalDisposition.Handler, Signal.GetDisposition(Signal.SIGUSR1));
            Assert.Same(handler, Signal.GetHandler(Signal.SIGUSR1));
            using (Signal.Ignore(Signal.SIGUSR1))
            {
                Assert.Equal(SignalDisposition.Ignore, Signal.GetDisposition(Signal.SIGUSR1));
                Assert.Null(Signal.GetHandler(Signal.SIGUSR1));
            }
            Assert.Same(handler, Signal.GetHandler(Signal.SIGUSR1));
        }
        Assert.Equal(SignalDisposition.Default, Signal.GetDisposition(Signal.SIGUSR1));
        Assert.Equal(SignalDisposition.Default, Signal.GetDisposition(Signal.SIGKILL));
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.GetDisposition(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.GetHandler(65));
    }

    [Fact]
    public void Raise_sends_the_signal_to_this_process()
    {
        using var received = new ManualResetEventSlim();
        using (Signal.Handle(Signal.SIGUSR2, _ => received.Set()))
        {
            Signal.Raise(Signal.SIGUSR2);
            Assert.True(received.Wait(Long));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.Raise(99));
    }

    [Fact]
    public void Describe_gives_the_systems_description_of_a_signal()
    {
        Assert.Equal("Interrupt", Signal.Describe(Signal.SIGINT));
        Assert.Equal("Terminated", Signal.Describe(Signal.SIGTERM));
        Assert.Equal("Killed", Signal.Describe(Signal.SIGKILL));
        Assert.False(string.IsNullOrEmpty(Signal.Describe(Signal.RealTimeMin + 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.Describe(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.Describe(65));
    }

    [Fact]
    public void The_wakeup_fd_receives_the_number_of_each_handled_signal_before_its_handler_runs()
    {
        var (read, write) = Libc.OpenPipe(Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        try
        {
            using var received = new ManualResetEventSlim();
            var byteFirst = -1;
            using (Signal.Handle(Signal.SIGUSR1, _ =>
            {
                byteFirst = Libc.ReadByte(read);
                received.Set();
            }))
            {
                Assert.Equal(-1, Signal.SetWakeupFd(write));
                try
                {
                    Signal.Kill(Environment.ProcessId, Signal.SIGUSR1);
                    Assert.True(received.Wait(Long));
                    Assert.Equal(Signal.SIGUSR1, byteFirst);
                }
                finally { Assert.Equal(write, Signal.SetWakeupFd(-1)); }
                received.Reset();
                Signal.Kill(Environment.ProcessId, Signal.SIGUSR1);
                Assert.True(received.Wait(Long));
                Assert.Equal(-1, byteFirst);
            }
        }
        finally
        {
            Libc.CloseFd(read);
            Libc.CloseFd(write);
        }
    }

    [Fact]
    public void A_blocking_or_closed_wakeup_fd_is_refused()
    {
        var (read, write) = Libc.OpenPipe(Libc.O_CLOEXEC);
        try
        {
            var blocking = Assert.Throws<ArgumentException>(() => Signal.SetWakeupFd(write));
            Assert.Contains("non-blocking", blocking.Message, StringComparison.Ordinal);
        }
        finally
        {
            Libc.CloseFd(read);
            Libc.CloseFd(write);
        }
        var closed = Assert.Throws<ArgumentException>(() => Signal.SetWakeupFd(1_000_000)); // above any descriptor limit here
        Assert.Contains("not open", closed.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.SetWakeupFd(-2));
        Assert.Equal(-1, Signal.SetWakeupFd(-1));
    }
}
