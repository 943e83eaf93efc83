using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Spectre.Console;
using Spindle.Cli.Echo;
using Spindle.Signals;

namespace Spindle.Cli.Commands;

/// <summary>
/// <c>spindle echo serve --model M [--port P] [--host H] [--verbose]</c>: the seeds' echo server in one IO model, until
/// Ctrl+C or SIGTERM; <c>spindle echo load [--clients N] [--rounds R] [--size B] [--host H] [--port P] [--timeout S]</c>:
/// the load client, printing throughput and latency percentiles.
/// </summary>
internal static class EchoCommand
{
    /// <summary>Exit code for a model that does not exist or a host that cannot be used.</summary>
    public const int BadArgument = 2;

    /// <summary>The seed 001 server's port.</summary>
    public const int DefaultPort = 8888;

    /// <summary>Builds the command.</summary>
    public static Command Create(IAnsiConsole console, TextWriter error) =>
        new("echo", "The seeds' echo server in each IO model, and a load client.") { Serve(console, error), Load(console, error) };

    private static Command Serve(IAnsiConsole console, TextWriter error)
    {
        var model = new Option<string>("--model", "-m") { Description = $"The IO model: {EchoModels.Names}.", Required = true };
        var port = new Option<int>("--port", "-p") { Description = "The port (0: any free one, printed).", DefaultValueFactory = _ => DefaultPort };
        var host = new Option<string>("--host") { Description = "The address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print the seed's server lines: each connection, each message received." };
        var command = new Command("serve", "Serve the upper-casing echo of the seeds until Ctrl+C.") { model, port, host, verbose };
        command.SetAction(result =>
        {
            var name = result.GetValue(model)!;
            if (EchoModels.Find(name) is not { } found)
            {
                error.WriteLine($"spindle echo serve: no model named '{name}'. Models: {EchoModels.Names}.");
                return BadArgument;
            }
            if (!IPAddress.TryParse(result.GetValue(host), out var address))
            {
                error.WriteLine($"spindle echo serve: '{result.GetValue(host)}' is not an IP address.");
                return BadArgument;
            }
            return Run(found, address, result.GetValue(port), result.GetValue(verbose), console, error);
        });
        return command;
    }

    private static int Run(EchoModel model, IPAddress address, int port, bool verbose, IAnsiConsole console, TextWriter error)
    {
        var gate = new Lock();
        void Say(string line)
        {
            lock (gate) console.WriteLine(line);
        }
        EchoServer server;
        try
        {
            server = EchoServer.Listen(address, port, verbose ? Say : null);
        }
        catch (SocketException e)
        {
            error.WriteLine($"spindle echo serve: cannot listen on {address}:{port}: {e.Message}.");
            return 1;
        }
        using (server)
        using (var stop = new CancellationTokenSource())
        {
            // Ctrl+C and SIGTERM stop the server: every connection closed, then the summary below.
            using (Signal.Handle(Signal.SIGINT, _ => stop.Cancel()))
            using (Signal.Handle(Signal.SIGTERM, _ => stop.Cancel()))
            {
                Say($"echo server, model {model.Name}: listening on {server.EndPoint} (Ctrl+C stops it)");
                server.Serve(model, stop.Token);
            }
            Say(string.Create(CultureInfo.InvariantCulture, $"stopped: {server.Connections:N0} connections served, {server.BytesEchoed:N0} bytes echoed"));
        }
        return 0;
    }

    private static Command Load(IAnsiConsole console, TextWriter error)
    {
        var clients = Bounded(new Option<int>("--clients", "-c") { Description = "Concurrent connections.", DefaultValueFactory = _ => 100 }, EchoLoad.MaxClients);
        var rounds = Bounded(new Option<int>("--rounds", "-r") { Description = "Round trips per connection.", DefaultValueFactory = _ => 1_000 }, EchoLoad.MaxRounds);
        var size = Bounded(new Option<int>("--size", "-s") { Description = "Bytes per message.", DefaultValueFactory = _ => 64 }, EchoLoad.MaxSize);
        var timeout = Bounded(new Option<int>("--timeout") { Description = "Seconds before giving up.", DefaultValueFactory = _ => 60 }, 3_600);
        var host = new Option<string>("--host") { Description = "The server's address (loopback only).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "The server's port.", DefaultValueFactory = _ => DefaultPort };
        var command = new Command("load", "Drive an echo server: N connections at once, R round trips of B bytes each; throughput and latency.")
        {
            clients, rounds, size, host, port, timeout,
        };
        command.Validators.Add(r =>
        {
            if ((long)r.GetValue(clients) * r.GetValue(rounds) > EchoLoad.MaxRoundTrips)
                r.AddError($"--clients × --rounds must be at most {EchoLoad.MaxRoundTrips:N0}.");
        });
        command.SetAction(result =>
        {
            if (!IPAddress.TryParse(result.GetValue(host), out var address) || !IPAddress.IsLoopback(address))
            {
                error.WriteLine($"spindle echo load: '{result.GetValue(host)}' is not a loopback address; the load client only talks to this machine.");
                return BadArgument;
            }
            var server = new IPEndPoint(address, result.GetValue(port));
            try
            {
                using var load = EchoLoad.Connect(server, result.GetValue(clients), result.GetValue(size));
                Report(load.Run(result.GetValue(rounds), TimeSpan.FromSeconds(result.GetValue(timeout))), server, console);
                return 0;
            }
            catch (SocketException e)
            {
                error.WriteLine($"spindle echo load: cannot connect to {server}: {e.Message}.");
            }
            catch (Exception e) when (e is IOException or InvalidDataException or TimeoutException)
            {
                error.WriteLine($"spindle echo load: {e.Message}");
            }
            return 1;
        });
        return command;
    }

    private static Option<int> Bounded(Option<int> option, int max)
    {
        option.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<int>();
            if (value < 1 || value > max) r.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be from 1 to {max:N0}, not {value:N0}."));
        });
        return option;
    }

    private static void Report(EchoLoadResult r, IPEndPoint server, IAnsiConsole console)
    {
        var c = CultureInfo.InvariantCulture;
        console.WriteLine(string.Create(c, $"{r.Clients:N0} clients × {r.Rounds:N0} round trips of {r.Size:N0} bytes to {server}: {r.RoundTrips:N0} round trips in {r.Elapsed.TotalSeconds:0.00} s, every echo checked"));
        console.WriteLine(string.Create(c, $"  throughput: {r.RoundTripsPerSecond:N0} round trips/s ({r.BytesPerSecond / 1e6:0.00} MB/s each way)"));
        console.WriteLine(string.Create(c, $"  latency: p50 {r.Percentile(50):N0} µs, p99 {r.Percentile(99):N0} µs, max {r.Percentile(100):N0} µs"));
    }
}
