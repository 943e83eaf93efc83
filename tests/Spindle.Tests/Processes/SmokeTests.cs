using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Processes;

public sealed class SmokeTests : LeakCheckedTest
{
    internal static void WriteFile(string path, string text) => File.WriteAllText(path, text + Environment.ProcessId);

    [Fact]
    public void Child_runs_target()
    {
        var path = Path.Combine(Path.GetTempPath(), "spindle-smoke-" + Guid.NewGuid());
        using var p = SpindleProcess.Create<string, string>(WriteFile, path, "hi");
        p.Start();
        Assert.True(p.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, p.ExitCode);
        Assert.Equal("hi" + p.Pid, File.ReadAllText(path));
        File.Delete(path);
    }
}
