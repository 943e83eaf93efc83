using System.Security.Authentication;
using Spindle.Managers;
using Spindle.Processes;

namespace Spindle.Cli.Lessons;

/// <summary>
/// Managers: seed 002 (Manager), and the remote use Python's documentation shows (a server reached by address and
/// authkey). Targets run in child processes; the proxies travel to them by reference.
/// </summary>
internal static class ManagerLessons
{
    /// <summary>The queue a registered factory hands out (Python's remote-queue recipe); it lives in the server process.</summary>
    private static readonly Threading.ThreadQueue<string> s_queue = new();

    /// <summary>The lessons of this area, in tour order.</summary>
    public static IReadOnlyList<Lesson> All { get; } =
    [
        Lesson.Create("process-manager", "seed 002 (Manager)",
            "a Manager's server process holds a value, an array, a list, a dict and a namespace; a child changes them through proxies", Shared),
        Lesson.Create("manager-remote", "seed 002 (BaseManager address, authkey)",
            "a manager listening on TCP loopback: a client process connects by address and authkey; a wrong key is refused", Remote),
    ];

    /// <summary>Seed 002's <c>f</c>: runs in the child.</summary>
    internal static void F(ValueProxy<double> x, ArrayProxy<int> arr, ListProxy<string> l, DictProxy<int, int> d, NamespaceProxy n)
    {
        x.Value = 3.14;
        arr[0] = 5;
        l.Add("Hello");
        d[1] = 2;
        dynamic ns = n;
        ns.a = 10;
    }

    private static void Shared(LessonContext say)
    {
        using var server = Manager.StartNew();                       // Python: server = multiprocessing.Manager()
        using var x = server.Value(0.0);                              // server.Value('d', 0.0)
        using var arr = server.Array(Enumerable.Range(0, 10));       // server.Array('i', range(10))
        using var l = server.List<string>();                          // server.list()
        using var d = server.Dict<int, int>();                        // server.dict()
        using var n = server.Namespace();                             // server.Namespace()
        using var proc = new SpindleProcess(() => F(x, arr, l, d, n)); // Process(target=f, args=(x, arr, l, d, n))
        proc.Start();
        proc.Join();
        say.Line(x.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        say.Line(arr.ToString());
        say.Line(l.ToString());
        say.Line(d.ToString());
        say.Line(n.ToString());
        say.Note("The objects live in the manager's server process; every proxy call is a request to it.");
    }

    private static void Client(string address, byte[] authKey)
    {
        using var manager = new Manager(ManagerAddress.Parse(address), authKey); // BaseManager(address, authkey)
        manager.Connect();                                                       // manager.connect()
        var queue = manager.Create<IQueue<string>>("get_queue");                 // manager.get_queue()
        queue.Put($"hello from client pid {Environment.ProcessId}", null);
    }

    private static void Remote(LessonContext say)
    {
        var authKey = "abracadabra"u8.ToArray();
        using var manager = new Manager(ManagerAddress.Tcp(0), authKey);         // address=('127.0.0.1', 0)
        manager.Register<IQueue<string>>("get_queue", static () => s_queue);     // QueueManager.register('get_queue', ...)
        manager.Start();
        say.Line($"manager listening at {manager.Address}");
        using (var client = SpindleProcess.Create(Client, manager.Address!.ToString(), authKey))
        {
            client.Start();
            client.Join();
        }
        say.Line($"server's queue: {manager.Create<IQueue<string>>("get_queue").Get(TimeSpan.FromSeconds(10))}");
        try
        {
            using var intruder = new Manager(manager.Address, "wrong key"u8.ToArray());
            intruder.Connect();
        }
        catch (AuthenticationException e)
        {
            say.Line($"a client with the wrong key: {e.GetType().Name}: {e.Message}");
        }
        say.Note("The HMAC challenge runs both ways before anything else is read; the server goes on serving the others.");
    }
}
