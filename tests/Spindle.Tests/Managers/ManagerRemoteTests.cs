using System.Buffers.Binary;
using System.Security.Authentication;
using Spindle.Ipc;
using Spindle.Managers;
using Spindle.Processes;
using Spindle.Tests.Ipc;
using Spindle.Tests.Support;
using Spindle.Threading;

namespace Spindle.Tests.Managers;

/// <summary>Servers reached by address and key: connect, serve, authentication, malformed input, shutdown, owner death.</summary>
public sealed class ManagerRemoteTests : LeakCheckedTest
{
    private static readonly byte[] Key = "abracadabra"u8.ToArray();

    /// <summary>Python's remote-queue recipe: one queue in the server, handed out by a registered factory.</summary>
    private static readonly ThreadQueue<string> RemoteQueue = new();

    private static Manager WithQueue(ManagerAddress? address)
    {
        var manager = new Manager(address, Key);
        manager.Register<IQueue<string>>("get_queue", static () => RemoteQueue);
        return manager;
    }

    /// <summary>A process given only an address and a key, as another program would be.</summary>
    internal static void ClientByAddress(string address, byte[] key)
    {
        using var manager = new Manager(ManagerAddress.Parse(address), key);
        manager.Connect();
        var queue = manager.Create<IQueue<string>>("get_queue");
        queue.Put("hello from a client", null);
        var numbers = manager.List([1, 2, 3]);
        queue.Put(string.Join(",", numbers), null); // the list was made by the server on this client's request
    }

    [Fact]
    public void A_process_connects_by_tcp_address_and_key_and_shares_a_registered_queue()
    {
        using var manager = WithQueue(ManagerAddress.Tcp(0));
        manager.Start();
        Assert.True(manager.Address!.IsTcp);
        Assert.NotEqual(0, manager.Address.Port);
        var queue = manager.Create<IQueue<string>>("get_queue");
        Children.RunAll(SpindleProcess.Create(ClientByAddress, manager.Address.ToString(), Key));
        Assert.Equal("hello from a client", queue.Get(Children.Patience));
        Assert.Equal("1,2,3", queue.Get(Children.Patience));
        Assert.True(queue.TryGet(out var none, TimeSpan.Zero) is false && none is null);
    }

    [Fact]
    public void A_server_on_a_unix_path_removes_its_socket_file_at_shutdown()
    {
        var directory = Directory.CreateTempSubdirectory("spindle-manager-test-");
        try
        {
            var path = Path.Combine(directory.FullName, "manager.sock");
            using (var manager = WithQueue(ManagerAddress.Unix(path)))
            {
                manager.Start();
                Assert.True(File.Exists(path));
                Assert.Equal($"unix:{path}", manager.Address!.ToString());
                Children.RunAll(SpindleProcess.Create(ClientByAddress, manager.Address.ToString(), Key));
                Assert.Equal(2, manager.Create<IQueue<string>>("get_queue").Count);
            }
            Assert.False(File.Exists(path));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    internal static void ServeHere(Connection report)
    {
        using var manager = WithQueue(ManagerAddress.Tcp(0));
        var serving = manager.ServeAsync();
        report.Send(manager.Address!.ToString());
        serving.Wait(); // until a client asks the server to stop
    }

    [Fact]
    public void A_standalone_server_runs_until_a_client_stops_it()
    {
        var (mine, theirs) = Pipe.Create();
        using (mine)
        using (theirs)
        {
            var server = SpindleProcess.Create(ServeHere, theirs);
            server.Start();
            var address = ManagerAddress.Parse(mine.Recv<string>());
            var manager = new Manager(address, Key);
            manager.Connect();
            using var d = manager.Dict<string, string>();
            d["where"] = "a server run by another process";
            Assert.Equal("a server run by another process", d["where"]);
            manager.Create<IQueue<string>>("get_queue").Put("x", null);
            manager.Shutdown();
            Children.RunAll(server);
            Assert.Throws<ManagerConnectionException>(() => new Manager(address, Key).Connect());
        }
    }

    internal static void KeepCounting(DictProxy<string, int> d, EventProxy stop)
    {
        while (!stop.IsSet) d["n"] = d["n"] + 1;
    }

    [Fact]
    public void A_wrong_key_is_refused_while_another_client_keeps_working()
    {
        using var manager = Manager.StartNew(ManagerAddress.Tcp(0), Key);
        using var d = manager.Dict<string, int>();
        using var stop = manager.Event();
        d["n"] = 0;
        var worker = new SpindleProcess(() => KeepCounting(d, stop));
        worker.Start();
        try
        {
            WaitUntil(() => d["n"] > 0);
            for (var i = 0; i < 3; i++)
            {
                var refused = Assert.Throws<AuthenticationException>(() => new Manager(manager.Address, "wrong"u8.ToArray()).Connect());
                Assert.Contains("authkey", refused.Message, StringComparison.Ordinal);
            }
            using (var raw = new RawManagerClient(manager.Address!))
            {
                Assert.False(raw.Authenticate("wrong"u8.ToArray()));
                Assert.True(raw.WasDropped());
            }
            var before = d["n"];
            WaitUntil(() => d["n"] > before); // still served
        }
        finally
        {
            stop.Set();
            Children.RunAll(worker);
        }
    }

    [Fact]
    public void A_malformed_or_oversized_frame_drops_that_connection_only()
    {
        using var manager = Manager.StartNew(ManagerAddress.Tcp(0), Key);
        using var d = manager.Dict<int, int>();
        d[1] = 1;
        // Before authentication: a frame longer than the handshake allows, then plain garbage.
        using (var raw = new RawManagerClient(manager.Address!))
        {
            raw.ReadFrame(); // the server's challenge
            raw.WriteRaw([0x7f, 0xff, 0xff, 0xff]);
            Assert.True(raw.WasDropped());
        }
        using (var raw = new RawManagerClient(manager.Address!))
        {
            raw.ReadFrame();
            raw.WriteFrame(RawManagerClient.Text("not a digest"));
            Assert.True(raw.WasDropped());
        }
        // After authentication: an oversized length, an unknown operation, an unknown method, a truncated request.
        var oversized = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(oversized, int.MaxValue);
        byte[][] bad =
        [
            oversized,
            Frame([0xEE]),
            Frame([1, .. BitConverter.GetBytes(Id(d)), 200]),
            Frame([1, 1, 2]),
        ];
        foreach (var bytes in bad)
        {
            using var raw = new RawManagerClient(manager.Address!);
            Assert.True(raw.Authenticate(Key));
            raw.WriteRaw(bytes);
            Assert.True(raw.WasDropped());
            d[1] += 1; // everyone else is still served
        }
        Assert.Equal(5, d[1]);
    }

    internal static void GetForever(QueueProxy<int> q, EventProxy ready)
    {
        ready.Set();
        q.Get();
    }

    [Fact]
    public void Shutting_down_with_a_client_blocked_in_a_call_gives_it_a_clear_error()
    {
        var manager = Manager.StartNew();
        var q = manager.Queue<int>();
        var ready = manager.Event();
        using var client = new SpindleProcess(() => GetForever(q, ready));
        client.Start();
        Assert.True(ready.Wait(Children.Patience));
        manager.Shutdown();
        Assert.True(client.Join(Children.Patience), "the client hung after the manager shut down");
        Assert.Equal(1, client.ExitCode);
        Assert.Equal(typeof(ManagerConnectionException).FullName, client.Exception!.RemoteTypeName);
        Assert.Throws<ManagerConnectionException>(() => q.Put(1));
    }

    internal static void StartManagerAndWait(Connection report)
    {
        var manager = Manager.StartNew();
        report.Send(manager.ServerPid!.Value);
        report.RecvBytes(); // never comes: the test kills us
    }

    [Fact]
    public void The_server_stops_when_its_owner_dies()
    {
        var (mine, theirs) = Pipe.Create();
        using (mine)
        using (theirs)
        {
            using var owner = SpindleProcess.Create(StartManagerAndWait, theirs);
            owner.Start();
            var serverPid = mine.Recv<int>();
            Assert.True(IsRunning(serverPid));
            owner.Kill();
            Assert.True(owner.Join(Children.Patience));
            var left = WaitUntilEmpty(() => IsRunning(serverPid) ? [serverPid] : new List<int>());
            Assert.Empty(left);
        }
    }

    internal static void SetThroughReceivedProxy(Connection inbox)
    {
        var d = inbox.Recv<DictProxy<string, string>>();
        d["via"] = "a value, not a start payload";
    }

    [Fact]
    public void A_proxy_sent_as_a_value_works_in_a_child_with_the_inherited_key()
    {
        // What a pool task does: the proxy crosses inside a message, without its key; the child uses its own
        // (inherited) authkey, which is the manager's default.
        using var manager = Manager.StartNew();
        using var d = manager.Dict<string, string>();
        var (mine, theirs) = Pipe.Create();
        using (mine)
        using (theirs)
        {
            using var child = SpindleProcess.Create(SetThroughReceivedProxy, theirs);
            child.Start();
            mine.Send(d);
            Children.RunAll(child);
        }
        Assert.Equal("a value, not a start payload", d["via"]);
    }

    private static byte[] Frame(byte[] body)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, body.Length);
        return [.. header, .. body];
    }

    private static long Id(ManagerProxy proxy) => proxy.Id;

    private static void WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Children.Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition never became true");
        }
    }

    /// <summary>Alive and not a zombie (an orphan's zombie may wait for a reaper that is not us).</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
