using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Spindle.Cli.Echo;
using Spindle.Coroutines;

namespace Spindle.Cli.Lessons;

/// <summary>
/// Coroutines: seed 000 §7.4 and seed 001 (greenlet's explicit switch, the baozi producer/consumer, gevent's crawler),
/// seed 004 (gevent spawn of three sleepers, the gevent echo server with 400 clients). Each lesson runs its hub on a
/// thread of its own and destroys it at the end.
/// </summary>
internal static class CoroutineLessons
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>The lessons of this area, in tour order.</summary>
    public static IReadOnlyList<Lesson> All { get; } =
    [
        Lesson.Create("greenlet-switch", "seed 001 (greenlet), seed 000 §7.4.2",
            "two greenlets switch explicitly: 12, 56, 34, 78", Switch),
        Lesson.Create("greenlet-baozi", "seed 001 (吃包子)",
            "producer and consumer greenlets pass each baozi with switch(n)", Baozi),
        Lesson.Create("gevent-spawn", "seed 004 (gevent spawn)",
            "heng, ha and heiheihei sleep 2, 3 and 5 s on one hub: done in about 5 s, not 10", Spawn),
        Lesson.Create("gevent-crawler", "seed 001 (gevent crawler)",
            "joinall of spawned page fetches over hub sockets, against a web server on 127.0.0.1", Crawler),
        Lesson.Create("gevent-echo-server", "seed 004 (gevent echo server)",
            "the hub echo server (spindle echo serve --model hub) talks to 400 concurrent clients on one thread", EchoServer),
    ];

    private static void Switch(LessonContext say) => OnHubThread(() =>
    {
        Greenlet gr1 = null!, gr2 = null!;
        gr1 = new Greenlet(async () =>
        {
            say.Line("  12");
            await gr2.SwitchAsync();
            say.Line("  34");
            await gr2.SwitchAsync();
        });
        gr2 = new Greenlet(async () =>
        {
            say.Line("  56");
            await gr1.SwitchAsync();
            say.Line("  78");
        });
        gr1.Switch();
        say.Note("gr2 ends after 78 and control goes to its parent, the main greenlet: gr1 stays suspended after 34 — as in Python");
    });

    private static void Baozi(LessonContext say) => OnHubThread(() =>
    {
        Greenlet gr1 = null!, gr2 = null!;
        gr1 = new Greenlet(async n => // consumer
        {
            say.Line("  --->starting eating baozi...");
            while (true)
            {
                say.Line($"  eating baozi {n}");
                n = await gr2.SwitchAsync();
            }
        });
        gr2 = new Greenlet(async () => // producer
        {
            for (var n = 1; n <= 5; n++)
            {
                say.Line($"  [producer] is making baozi {n}");
                await gr1.SwitchAsync(n);
            }
        });
        gr2.Switch();
        gr1.Throw(); // GreenletExit: the consumer's endless loop ends, as Python's does when gr1 is collected
    });

    private static void Spawn(LessonContext say) => OnHubThread(() =>
    {
        say.NoteShortened();
        Func<Task> Sleeper(string name, double seconds) => async () =>
        {
            say.Line($"  {name}");
            await Hub.SleepAsync(LessonContext.SeedTime(seconds)); // Python: time.sleep under monkey.patch_all()
            say.Line($"  {name} (after {seconds} s)");
        };
        Hub.Spawn(() => Hub.SleepAsync(TimeSpan.FromMilliseconds(1)).AsTask()).Join(); // warm-up: the hub's first use compiles it
        var start = Stopwatch.StartNew();
        var g1 = Hub.Spawn(Sleeper("heng", 2));
        var g2 = Hub.Spawn(Sleeper("ha", 3));
        var g3 = Hub.Spawn(Sleeper("heiheihei", 5));
        g1.Join();
        g2.Join();
        g3.Join();
        var seedSeconds = start.Elapsed.TotalSeconds * LessonContext.SpeedUp;
        say.Line(string.Create(CultureInfo.InvariantCulture, $"  {seedSeconds:0.00} seed-seconds: the longest sleep, not the sum (10)"));
    });

    private static void Crawler(LessonContext say) => OnHubThread(() =>
    {
        using var web = new LocalWebServer();
        var urls = Enumerable.Range(1, 3).Select(web.Page).ToList();
        async Task<int> PaWebPage(Uri url)
        {
            say.Line($"  GET url {url}");
            var data = await HttpGetAsync(url);
            say.Line($"  {data.Length} bytes received from {url}.");
            return data.Length;
        }
        var pages = Hub.JoinAll(urls.Select(url => (HubGreenlet)Hub.Spawn(() => PaWebPage(url))).ToList(), Patience, raiseError: true);
        say.Line($"  joinall: {pages.Count} pages fetched concurrently on one thread");
    });

    // urlopen(url).read() on a hub socket: HTTP/1.0, the body is whatever follows the blank line until the server closes.
    private static async Task<string> HttpGetAsync(Uri url)
    {
        using var socket = new HubSocket { Timeout = Patience };
        await socket.ConnectAsync(IPAddress.Loopback, url.Port);
        await socket.SendAllAsync(Encoding.ASCII.GetBytes($"GET {url.PathAndQuery} HTTP/1.0\r\nHost: {url.Authority}\r\n\r\n"));
        var response = new MemoryStream();
        var buffer = new byte[4096];
        int count;
        while ((count = await socket.ReceiveAsync(buffer)) > 0) response.Write(buffer, 0, count);
        var text = Encoding.UTF8.GetString(response.ToArray());
        var body = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return body < 0 ? text : text[(body + 4)..];
    }

    private static void EchoServer(LessonContext say)
    {
        const int clients = 400, messages = 3;
        using var server = Echo.EchoServer.Listen(IPAddress.Loopback, 0);
        using var stop = new CancellationTokenSource();
        var serving = server.ServeInBackground(HubEcho.Model, stop.Token); // spindle echo serve --model hub
        try
        {
            OnHubThread(() =>
            {
                // The seed's clients are 400 threads; here they are 400 coroutines of a second hub, which is the same
                // load for the server: 400 connections open at once, each sending "Thread-i n" and reading the echo.
                var talkers = Enumerable.Range(1, clients).Select(i => Hub.Spawn(async () =>
                {
                    using var client = new HubSocket { Timeout = Patience };
                    await client.ConnectAsync(server.EndPoint);
                    var buffer = new byte[1024];
                    var last = "";
                    for (var n = 0; n < messages; n++)
                    {
                        await client.SendAllAsync(Encoding.UTF8.GetBytes($"Thread-{i} {n}"));
                        last = Encoding.UTF8.GetString(buffer, 0, await client.ReceiveAsync(buffer));
                    }
                    return last;
                })).ToList();
                Hub.JoinAll(talkers, Patience, raiseError: true);
                foreach (var talker in talkers.Take(3)) say.Line($"  {talker.Value}");
                say.Line($"  … {clients} clients × {messages} messages, every reply upper-cased");
            });
        }
        finally
        {
            stop.Cancel();
            serving.Wait(Patience);
        }
        say.Line($"  the server handled {server.Connections} connections in coroutines on its one thread");
    }

    // Each lesson gets a thread of its own: its greenlets and hub stay there, and the hub is destroyed at the end.
    private static void OnHubThread(Action body)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
#pragma warning disable CA1031 // carried back to the lesson's thread
            catch (Exception e)
            {
                failure = e;
            }
#pragma warning restore CA1031
            finally
            {
                if (Greenlet.Current.IsMain) Hub.Current.Dispose();
            }
        }) { Name = "lesson hub" };
        thread.Start();
        thread.Join();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }
}
