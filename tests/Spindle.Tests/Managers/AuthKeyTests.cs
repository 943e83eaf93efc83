using Spindle.Ipc;
using Spindle.Managers;
using Spindle.Processes;
using Spindle.Tests.Ipc;
using Spindle.Tests.Support;
using ProcessesApi = Spindle.Processes.Processes;

namespace Spindle.Tests.Managers;

/// <summary>Python's <c>Process.authkey</c>: a random key in the main process, inherited by children, the default key of managers.</summary>
public sealed class AuthKeyTests : LeakCheckedTest
{
    internal static void ReportKey(Connection report) => report.Send(ProcessesApi.AuthKey);

    [Fact]
    public void A_child_inherits_the_key_or_gets_the_one_set_on_its_process_object()
    {
        var key = ProcessesApi.AuthKey;
        Assert.Equal(32, key.Length);
        key[0] ^= 0xff;
        Assert.NotEqual(key, ProcessesApi.AuthKey); // a copy
        var (mine, theirs) = Pipe.Create();
        using (mine)
        using (theirs)
        {
            Children.RunAll(SpindleProcess.Create(ReportKey, theirs));
            Assert.Equal(ProcessesApi.AuthKey, mine.Recv<byte[]>());
            var custom = SpindleProcess.Create(ReportKey, theirs);
            custom.AuthKey = "a key of its own"u8.ToArray();
            Children.RunAll(custom);
            Assert.Equal("a key of its own"u8.ToArray(), mine.Recv<byte[]>());
        }
        Assert.Throws<ArgumentException>(() => new SpindleProcess(() => { }).AuthKey = []);
        Assert.Throws<ArgumentException>(() => ProcessesApi.AuthKey = []);
    }

    [Fact]
    public void A_manager_defaults_to_the_process_key_and_refuses_an_empty_one()
    {
        using var manager = new Manager();
        Assert.Equal(ProcessesApi.AuthKey, manager.AuthKey);
        Assert.Throws<ArgumentException>(() => new Manager(authKey: []));
    }
}
