using Spindle.Coroutines;
using Spindle.Tests.Support;

namespace Spindle.Tests.Coroutines;

// Ported from greenlet's own tests (test_greenlet.py, test_throw.py) and the seeds' t1/t2 and baozi examples.
public class GreenletTests : LeakCheckedTest
{
    private sealed class SomeException : Exception
    {
        public SomeException() : base("some error") { }
    }

    [Fact]
    public void Simple_switches_go_to_the_parent_and_back() => OnFreshThread(() =>
    {
        var list = new List<int>();
        var g = new Greenlet(async () =>
        {
            list.Add(1);
            await Greenlet.Current.Parent!.SwitchAsync();
            list.Add(3);
        });
        list.Add(0);
        g.Switch();
        list.Add(2);
        g.Switch();
        list.Add(4);
        Assert.Equal([0, 1, 2, 3, 4], list);
        Assert.True(g.IsDead);
    });

    // greenlet's test_leaks: a greenlet, finished or left suspended, is collectable with what it captured once dropped —
    // the thread keeps no reference to the last thing it ran.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_dropped_greenlet_and_its_captures_are_not_kept_alive(bool finish) => OnFreshThread(() =>
    {
        var weak = RunAndDrop(finish);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(weak.IsAlive);
    });

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference RunAndDrop(bool finish)
    {
        var payload = new byte[1024];
        var g = new Greenlet(async () =>
        {
            await Greenlet.Current.Parent!.SwitchAsync(payload.Length);
            return payload.Length;
        });
        Assert.Equal(1024, g.Switch());
        if (finish) Assert.Equal(1024, g.Switch());
        Assert.Equal(finish, g.IsDead);
        return new WeakReference(payload);
    }

    [Fact]
    public void Seed_t1_t2_interleaves_12_56_34_78() => OnFreshThread(() =>
    {
        var printed = new List<int>();
        Greenlet gr1 = null!, gr2 = null!;
        gr1 = new Greenlet(async () =>
        {
            printed.Add(12);
            await gr2.SwitchAsync();
            printed.Add(34);
            await gr2.SwitchAsync();
        });
        gr2 = new Greenlet(async () =>
        {
            printed.Add(56);
            await gr1.SwitchAsync();
            printed.Add(78);
        });
        gr1.Switch();
        Assert.Equal([12, 56, 34, 78], printed);
    });

    [Fact]
    public void Seed_baozi_passes_values_both_ways() => OnFreshThread(() =>
    {
        var eaten = new List<int>();
        Greenlet consumer = null!, producer = null!;
        consumer = new Greenlet(async n =>
        {
            while (true)
            {
                eaten.Add((int)n!);
                n = await producer.SwitchAsync();
            }
        });
        producer = new Greenlet(async () =>
        {
            for (var n = 1; n <= 5; n++) await consumer.SwitchAsync(n);
        });
        producer.Switch();
        Assert.Equal([1, 2, 3, 4, 5], eaten);
        Assert.True(producer.IsDead);
        Assert.False(consumer.IsDead);
        Assert.IsType<GreenletExitException>(consumer.Throw());
        Assert.True(consumer.IsDead);
    });

    [Fact]
    public void The_return_value_goes_to_the_parent_and_switch_values_come_back() => OnFreshThread(() =>
    {
        var g = new Greenlet(async x =>
        {
            var y = await Greenlet.Current.Parent!.SwitchAsync((int)x! + 1);
            return (int)y! * 10;
        });
        Assert.Equal(2, g.Switch(1));
        Assert.Equal(50, g.Switch(5));
        Assert.True(g.IsDead);
    });

    [Fact]
    public void Two_children_run_independently() => OnFreshThread(() =>
    {
        var list = new List<int>();
        async Task F()
        {
            list.Add(1);
            await Greenlet.Current.Parent!.SwitchAsync();
            list.AddRange([1, 1]);
        }
        var g = new Greenlet(F);
        var h = new Greenlet(F);
        g.Switch();
        Assert.Single(list);
        h.Switch();
        Assert.Equal(2, list.Count);
        h.Switch();
        Assert.Equal(4, list.Count);
        Assert.True(h.IsDead);
        g.Switch();
        Assert.Equal(6, list.Count);
        Assert.True(g.IsDead);
    });

    [Fact]
    public void Two_recursive_children() => OnFreshThread(() =>
    {
        var list = new List<string>();
        var outer = new Greenlet(async () =>
        {
            list.Add("a");
            var inner = new Greenlet(async () =>
            {
                list.Add("b");
                await Greenlet.Current.Parent!.SwitchAsync();
            });
            await inner.SwitchAsync();
            list.Add("c");
        });
        outer.Switch();
        Assert.Equal(["a", "b", "c"], list);
    });

    [Fact]
    public void Greenlets_work_on_many_threads_at_once()
    {
        var threads = Enumerable.Range(0, 10).Select(_ => new Thread(() =>
        {
            var list = new List<int>();
            var g = new Greenlet(async () => { list.Add(1); await Greenlet.Current.Parent!.SwitchAsync(); list.Add(3); });
            list.Add(0);
            g.Switch();
            list.Add(2);
            g.Switch();
            Assert.Equal([0, 1, 2, 3], list);
        })).ToList();
        var failures = 0;
        foreach (var t in threads) t.Start();
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, failures);
    }

    // fmain of test_greenlet.py: records what it sees raised at its switch, then raises SomeException.
    private static Func<object?, Task> FMain => async seen =>
    {
        try
        {
            await Greenlet.Current.Parent!.SwitchAsync();
        }
        catch (Exception e)
        {
            ((List<Type>)seen!).Add(e.GetType());
            throw;
        }
        throw new SomeException();
    };

    [Fact]
    public void An_exception_goes_to_the_parent_and_a_dead_greenlet_forwards_switches() => OnFreshThread(() =>
    {
        var seen = new List<Type>();
        var g1 = new Greenlet(FMain);
        var g2 = new Greenlet(FMain);
        g1.Switch(seen);
        g2.Switch(seen);
        g2.Parent = g1;
        Assert.Empty(seen);
        Assert.Throws<SomeException>(() => g2.Switch());
        Assert.Equal([typeof(SomeException)], seen);
        Assert.Null(g2.Switch());
        Assert.Equal(25, g2.Switch(25));
        Assert.Equal([typeof(SomeException)], seen);
    });

    [Fact]
    public void Send_exception_through_a_crashing_child() => OnFreshThread(() =>
    {
        var seen = new List<Type>();
        var g1 = new Greenlet(FMain);
        g1.Switch(seen);
        var crasher = new Greenlet(e => Task.FromException((Exception)e!), parent: g1);
        Assert.Throws<KeyNotFoundException>(() => crasher.Switch(new KeyNotFoundException()));
        Assert.Equal([typeof(KeyNotFoundException)], seen);
    });

    [Fact]
    public void Throw_raises_inside_the_suspended_greenlet() => OnFreshThread(() =>
    {
        var g = new Greenlet(async () =>
        {
            try
            {
                await Greenlet.Current.Parent!.SwitchAsync("ok");
            }
            catch (InvalidOperationException e) when (e.Message == "ciao")
            {
                await Greenlet.Current.Parent!.SwitchAsync("caught");
                return;
            }
            await Greenlet.Current.Parent!.SwitchAsync("fail");
        });
        Assert.Equal("ok", g.Switch());
        Assert.Equal("caught", g.Throw(new InvalidOperationException("ciao")));
    });

    [Fact]
    public void Throw_without_argument_kills_and_greenlet_exit_is_a_normal_return() => OnFreshThread(() =>
    {
        var cleanedUp = false;
        var g = new Greenlet(async () =>
        {
            try
            {
                await Greenlet.Current.Parent!.SwitchAsync("ok");
                await Greenlet.Current.Parent!.SwitchAsync("fail");
            }
            finally
            {
                cleanedUp = true;
            }
        });
        Assert.Equal("ok", g.Switch());
        Assert.IsType<GreenletExitException>(g.Throw());
        Assert.True(g.IsDead);
        Assert.True(cleanedUp);
        Assert.IsType<GreenletExitException>(g.Throw()); // eaten by the dead greenlet, as Python's
    });

    [Fact]
    public void Throw_goes_to_the_original_parent() => OnFreshThread(() =>
    {
        var main = Greenlet.Current;
        Func<Task<object?>> f1 = async () =>
        {
            try
            {
                await main.SwitchAsync("f1 ready to catch");
            }
            catch (ArgumentOutOfRangeException)
            {
                return "caught";
            }
            return "normal exit";
        };
        Func<Task> f2 = async () => await main.SwitchAsync("from f2");

        var g1 = new Greenlet(f1);
        var g2 = new Greenlet(f2, parent: g1);
        Assert.Throws<ArgumentOutOfRangeException>(() => g2.Throw(new ArgumentOutOfRangeException()));
        Assert.True(g2.IsDead);
        Assert.True(g1.IsDead);

        g1 = new Greenlet(f1);
        g2 = new Greenlet(f2, parent: g1);
        Assert.Equal("f1 ready to catch", g1.Switch());
        Assert.Equal("caught", g2.Throw(new ArgumentOutOfRangeException()));
        Assert.True(g2.IsDead);
        Assert.True(g1.IsDead);

        g1 = new Greenlet(f1);
        g2 = new Greenlet(f2, parent: g1);
        Assert.Equal("f1 ready to catch", g1.Switch());
        Assert.Equal("from f2", g2.Switch());
        Assert.Equal("caught", g2.Throw(new ArgumentOutOfRangeException()));
        Assert.True(g2.IsDead);
        Assert.True(g1.IsDead);
    });

    [Fact]
    public void Falling_off_the_end_starts_an_unstarted_parent_with_the_result() => OnFreshThread(() =>
    {
        var parent = new Greenlet(x => Task.FromResult<object?>(((int)x!, 24)));
        var child = new Greenlet(() => Task.FromResult<object?>(42), parent);
        Assert.Equal((42, 24), child.Switch());
    });

    [Fact]
    public void Switching_to_a_dead_greenlet_after_reparenting_goes_to_the_new_parent() => OnFreshThread(() =>
    {
        var seen = new List<int>();
        var neverStarted = new Greenlet(() => { seen.Add(24); return Task.CompletedTask; });
        var child = new Greenlet(() => { seen.Add(42); return Task.CompletedTask; });
        child.Switch();
        Assert.Equal([42], seen);
        child.Parent = neverStarted;
        Assert.Null(child.Switch());
        Assert.Equal([42, 24], seen);
    });

    [Fact]
    public void A_greenlet_without_a_run_function_fails_its_switcher() => OnFreshThread(() =>
    {
        var noRun = new NoRun();
        var child = new Greenlet(() => Task.CompletedTask, noRun);
        var e = Assert.Throws<InvalidOperationException>(() => child.Switch());
        Assert.Contains("run", e.Message, StringComparison.Ordinal);
    });

    private sealed class NoRun : Greenlet;

    private sealed class Doubler : Greenlet
    {
        protected override Task<object?> RunAsync(object? argument) => Task.FromResult<object?>((int)argument! * 2);
    }

    [Fact]
    public void A_subclass_overrides_RunAsync() => OnFreshThread(() => Assert.Equal(42, new Doubler().Switch(21)));

    [Fact]
    public void Switching_from_another_thread_is_an_error()
    {
        Greenlet? g = null;
        var t = new Thread(() => g = new Greenlet(() => Task.CompletedTask));
        t.Start();
        Assert.True(t.Join(TimeSpan.FromSeconds(30)));
        var e = Assert.Throws<InvalidOperationException>(() => g!.Switch());
        Assert.StartsWith("cannot switch to a different thread", e.Message, StringComparison.Ordinal);
        Assert.Contains("exited", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parent_of_another_thread_or_a_cycle_is_refused() => OnFreshThread(() =>
    {
        Greenlet? foreign = null;
        var t = new Thread(() => foreign = new Greenlet(() => Task.CompletedTask));
        t.Start();
        Assert.True(t.Join(TimeSpan.FromSeconds(30)));
        var g1 = new Greenlet(() => Task.CompletedTask);
        Assert.Equal("parent cannot be on a different thread", Assert.Throws<ArgumentException>(() => g1.Parent = foreign).Message.Split(" (")[0]);
        Assert.StartsWith("cyclic parent chain", Assert.Throws<ArgumentException>(() => g1.Parent = g1).Message, StringComparison.Ordinal);
        var g2 = new Greenlet(() => Task.CompletedTask);
        var g3 = new Greenlet(() => Task.CompletedTask);
        g1.Parent = g2;
        g2.Parent = g3;
        Assert.Throws<ArgumentException>(() => g3.Parent = g1);
        Assert.Throws<InvalidOperationException>(() => Greenlet.Current.Parent = g1);
        Assert.Throws<ArgumentNullException>(() => g1.Parent = null);
    });

    [Fact]
    public void The_main_greenlet_has_no_parent_and_is_current_outside() => OnFreshThread(() =>
    {
        var main = Greenlet.Current;
        Assert.True(main.IsMain);
        Assert.Null(main.Parent);
        Assert.EndsWith("current active started main>", main.ToString(), StringComparison.Ordinal);
        var g = new Greenlet(() => Task.FromResult<object?>(main.ToString()));
        Assert.EndsWith("pending>", g.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("suspended active started main>", (string)g.Switch()!, StringComparison.Ordinal);
        Assert.EndsWith("dead>", g.ToString(), StringComparison.Ordinal);
        Assert.Same(main, g.Parent);
        Assert.False(g.IsActive);
    });

    [Fact]
    public void Inside_a_greenlet_the_blocking_Switch_is_refused_with_a_hint() => OnFreshThread(() =>
    {
        var other = new Greenlet(() => Task.CompletedTask);
        var g = new Greenlet(() =>
        {
            var e = Assert.Throws<InvalidOperationException>(() => other.Switch());
            return Task.FromResult<object?>(e.Message);
        });
        Assert.Contains("SwitchAsync", (string)g.Switch()!, StringComparison.Ordinal);
    });

    [Fact]
    public void A_million_switches_do_not_grow_the_stack() => OnFreshThread(() =>
    {
        Greenlet a = null!, b = null!;
        a = new Greenlet(async () =>
        {
            for (var i = 0; i < 500_000; i++) await b.SwitchAsync();
            return "done";
        });
        b = new Greenlet(async () =>
        {
            while (true) await a.SwitchAsync();
        });
        Assert.Equal("done", a.Switch());
        Assert.IsType<GreenletExitException>(b.Throw());
    }, stackSize: 256 * 1024);

    [Fact]
    public void Awaiting_a_task_inside_a_greenlet_resumes_on_its_thread() => OnFreshThread(() =>
    {
        var owner = Environment.CurrentManagedThreadId;
        var g = new Greenlet(async () =>
        {
            await Task.Delay(20);
            var afterDelay = Environment.CurrentManagedThreadId;
            await Task.Run(() => Thread.Sleep(10));
            return (object?)(afterDelay, Environment.CurrentManagedThreadId);
        });
        Assert.Equal((owner, owner), g.Switch());
    });

    private static void OnFreshThread(Action body, int stackSize = 0) => FreshThread.Run(body, stackSize);
}
