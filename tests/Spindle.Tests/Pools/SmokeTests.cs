using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

public sealed class SmokeTests : LeakCheckedTest
{
    [Fact]
    public void Map_and_apply()
    {
        using var pool = new ProcessPool(2);
        var squares = pool.Map(static x => x * x, Enumerable.Range(0, 100));
        Assert.Equal(Enumerable.Range(0, 100).Select(x => x * x), squares);
        var n = 21;
        Assert.Equal(42, pool.Apply(() => n * 2));
        Assert.NotEqual(Environment.ProcessId, pool.Apply(static () => Environment.ProcessId));
        pool.Close();
        pool.Join();
    }

    [Fact]
    public void Executor_submit()
    {
        using var executor = new ProcessPoolExecutor(2);
        var futures = Enumerable.Range(0, 50).Select(i => executor.Submit(() => i + 1)).ToList();
        Assert.Equal(Enumerable.Range(1, 50), futures.Select(f => f.Result(TimeSpan.FromSeconds(30))));
    }
}
