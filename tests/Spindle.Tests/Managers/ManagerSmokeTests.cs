using Spindle.Managers;
using Spindle.Processes;
using Spindle.Tests.Ipc;
using Spindle.Tests.Support;

namespace Spindle.Tests.Managers;

public sealed class ManagerSmokeTests : LeakCheckedTest
{
    [Fact]
    public void Dict_in_this_process()
    {
        using var manager = Manager.StartNew();
        using var d = manager.Dict<int, string>();
        d[1] = "one";
        Assert.Equal("one", d[1]);
        Assert.Single(d);
        Assert.Equal("{1: 'one'}", d.ToString());
    }

    [Fact]
    public void Dict_from_a_child()
    {
        using var manager = Manager.StartNew();
        using var d = manager.Dict<int, int>();
        using var p = new SpindleProcess(() =>
        {
            for (var i = 0; i < 100; i++) d[i] = i * i;
        });
        Children.RunAll(p);
        Assert.Equal(100, d.Count);
        Assert.Equal(81, d[9]);
    }
}
