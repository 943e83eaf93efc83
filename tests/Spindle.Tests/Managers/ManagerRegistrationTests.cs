using Spindle.Managers;
using Spindle.Processes;
using Spindle.Tests.Ipc;
using Spindle.Tests.Support;

namespace Spindle.Tests.Managers;

public interface ICounter
{
    int Value { get; }

    string Name { get; set; }

    int Add(int amount);

    bool TryTake(int amount, out int left);

    void Fail(string message);

    Task<int> AddLaterAsync(int amount);

    Task WaitUntilCancelledAsync(CancellationToken cancellationToken);
}

public sealed class Counter(int start) : ICounter
{
    public int Value { get; private set; } = start;

    public string Name { get; set; } = "counter";

    public int Add(int amount) => Value += amount;

    public bool TryTake(int amount, out int left)
    {
        var ok = amount <= Value;
        if (ok) Value -= amount;
        left = Value;
        return ok;
    }

    public void Fail(string message) => throw new FormatException(message);

    public async Task<int> AddLaterAsync(int amount)
    {
        await Task.Yield();
        return Add(amount);
    }

    public Task WaitUntilCancelledAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

    /// <summary>Not part of <see cref="ICounter"/>: a client cannot reach it.</summary>
    public void Reset() => Value = 0;
}

/// <summary>Custom types registered through an interface (Python: <c>BaseManager.register</c>).</summary>
public sealed class ManagerRegistrationTests : LeakCheckedTest
{
    private static readonly Counter Shared = new(100);

    private static Manager StartWithCounter()
    {
        var manager = new Manager();
        manager.Register<ICounter>("Counter", static () => new Counter(0));
        manager.Register<ICounter, int>("CounterFrom", static start => new Counter(start));
        return manager;
    }

    internal static void AddFromChild(ICounter counter) => counter.Add(5);

    [Fact]
    public void A_registered_type_is_called_through_its_interface_here_and_in_a_child()
    {
        using var manager = StartWithCounter();
        manager.Start();
        var counter = manager.Create<ICounter>("Counter");
        Assert.Equal(3, counter.Add(3));
        counter.Name = "apples";
        Assert.Equal("apples", counter.Name);
        Children.RunAll(SpindleProcess.Create(AddFromChild, counter));
        Assert.Equal(8, counter.Value);
        Assert.True(counter.TryTake(5, out var left));
        Assert.Equal(3, left);
        Assert.False(counter.TryTake(5, out left));
        Assert.Equal(3, left);
        var from = manager.Create<ICounter, int>("CounterFrom", 40);
        Assert.Equal(41, from.Add(1));
        Assert.Equal(2, manager.ObjectCount);
        InterfaceProxy.Release(counter);
        Assert.Equal(1, manager.ObjectCount);
        Assert.Throws<ObjectDisposedException>(() => counter.Add(1));
    }

    [Fact]
    public async Task Exceptions_keep_their_type_and_tasks_and_tokens_cross()
    {
        using var manager = StartWithCounter();
        manager.Start();
        var counter = manager.Create<ICounter>("Counter");
        var error = Assert.Throws<FormatException>(() => counter.Fail("bad input"));
        Assert.Equal("bad input", error.Message);
        Assert.IsType<RemoteException>(error.InnerException);
        Assert.Contains("Counter.Fail", ((RemoteException)error.InnerException!).RemoteStackTrace, StringComparison.Ordinal);
        Assert.Equal(2, await counter.AddLaterAsync(2));
        using var cts = new CancellationTokenSource();
        var waiting = counter.WaitUntilCancelledAsync(cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Children.Patience));
        Assert.Equal(3, counter.Add(1)); // the connection is fine after a cancelled call
    }

    [Fact]
    public async Task A_factory_returning_one_object_shares_it_in_a_server_run_here()
    {
        using var manager = new Manager();
        manager.Register<ICounter>("shared", static () => Shared);
        var serving = manager.ServeAsync();
        var a = manager.Create<ICounter>("shared");
        var b = manager.Create<ICounter>("shared");
        a.Add(1);
        Assert.Equal(Shared.Value, b.Value);
        Assert.Equal(1, manager.ObjectCount);
        manager.Shutdown();
        await serving.WaitAsync(Children.Patience);
    }

    [Fact]
    public void Misuse_is_refused_with_a_clear_error()
    {
        using var manager = StartWithCounter();
        Assert.Throws<ArgumentException>(() => manager.Register<ICounter>("Counter", static () => new Counter(0)));
        Assert.Throws<ArgumentException>(() => manager.Register<ICounter>("dict", static () => new Counter(0)));
        Assert.Throws<ArgumentException>(() => manager.Register<Counter>("concrete", static () => new Counter(0)));
        Assert.Throws<InvalidOperationException>(() => manager.Create<ICounter>("Counter")); // not started
        manager.Start();
        Assert.Throws<InvalidOperationException>(() => manager.Register<ICounter>("late", static () => new Counter(0)));
        var unknown = Assert.Throws<ArgumentException>(() => manager.Create<ICounter>("nobody"));
        Assert.Contains("nobody", unknown.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => manager.Create<IDisposable>("Counter")); // served through another interface
        Assert.Throws<InvalidOperationException>(manager.Start);
        using var unsendable = new Manager();
        var local = new Thread(() => { });
        unsendable.Register<ICounter>("local", () => new Counter(local.ManagedThreadId));
        Assert.Throws<Spindle.Serialization.NotTransferableException>(unsendable.Start); // nothing was started
        Assert.Null(unsendable.Address);
    }
}
