using Spindle.Tests.Support;

namespace Spindle.Tests.Futures;

public sealed class AsyncResultTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void Pending_result_is_not_ready_and_Successful_throws()
    {
        var result = new AsyncResult<int>(new Future<int>());
        Assert.False(result.Ready);
        Assert.Throws<InvalidOperationException>(() => result.Successful);
        Assert.False(result.Wait(Short));
        Assert.Throws<TimeoutException>(() => result.Get(Short));
    }

    [Fact]
    public void Successful_result()
    {
        var future = new Future<string>();
        var result = new AsyncResult<string>(future);
        future.SetResult("ok");
        Assert.True(result.Wait(Long));
        Assert.True(result.Ready);
        Assert.True(result.Successful);
        Assert.Equal("ok", result.Get());
        Assert.Same(future, result.Future);
    }

    [Fact]
    public void Failed_result_rethrows_with_its_type()
    {
        var future = new Future<int>();
        var result = new AsyncResult<int>(future);
        future.SetException(new DivideByZeroException());
        Assert.True(result.Ready);
        Assert.False(result.Successful);
        Assert.Throws<DivideByZeroException>(() => result.Get());
    }

    [Fact]
    public void Cancelled_result_is_ready_but_not_successful()
    {
        var future = new Future<int>();
        var result = new AsyncResult<int>(future);
        future.Cancel();
        Assert.False(result.Successful);
        Assert.Throws<FutureCancelledException>(() => result.Get());
    }

    [Fact]
    public async Task Awaitable_forms_complete_with_the_outcome()
    {
        var future = new Future<int>();
        var result = new AsyncResult<int>(future);
        var waited = result.WaitAsync(Long);
        var got = result.GetAsync();
        future.SetResult(3);
        Assert.True(await waited);
        Assert.Equal(3, await got);
        Assert.Equal(3, await result);
        Assert.False(await new AsyncResult<int>(new Future<int>()).WaitAsync(Short));
    }
}
