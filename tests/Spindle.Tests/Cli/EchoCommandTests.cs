using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Spindle.Cli.Bench;
using Spindle.Cli.Commands;
using Spindle.Cli.Echo;
using Spindle.Signals;
using Spindle.Tests.Support;

namespace Spindle.Tests.Cli;

/// <summary><c>spindle echo serve</c> and <c>spindle echo load</c>: what they print, their errors, and a server stopped by Ctrl+C or SIGTERM.</summary>
public sealed class EchoCommandTests : LeakCheckedTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void Load_prints_throughput_and_latency_percentiles()
    {
        using var server = EchoServer.Listen(IPAddress.Loopback, 0);
        using var stop = new CancellationTokenSource();
        var serving = server.ServeInBackground(EpollEcho.Model, stop.Token);
        var port = server.EndPoint.Port.ToString(CultureInfo.InvariantCulture);
        var (code, output, error) = SpindleCli.Run("echo", "load", "--clients", "3", "--rounds", "10", "--size", "32", "--port", port);
        stop.Cancel();
        Assert.True(serving.Wait(Patience));
        Assert.True(code == 0, $"exit {code}: {output}{error}");
        Assert.Contains($"3 clients × 10 round trips of 32 bytes to 127.0.0.1:{port}: 30 round trips in", output, StringComparison.Ordinal);
        Assert.Contains("every echo checked", output, StringComparison.Ordinal);
        Assert.Matches(@"throughput: [\d,]+ round trips/s", output);
        Assert.Matches(@"latency: p50 [\d,]+ µs, p99 [\d,]+ µs, max [\d,]+ µs", output);
    }

    [Fact]
    public void Load_without_a_server_says_so_and_exits_1()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)probe.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture);
        probe.Dispose();
        var (code, _, error) = SpindleCli.Run("echo", "load", "--clients", "1", "--rounds", "1", "--port", port);
        Assert.Equal(1, code);
        Assert.Contains($"cannot connect to 127.0.0.1:{port}", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--clients", "0", "--clients must be from 1 to 10,000, not 0.")]
    [InlineData("--size", "2000000", "--size must be from 1 to 1,048,576, not 2,000,000.")]
    [InlineData("--rounds", "-3", "--rounds must be from 1 to 1,000,000, not -3.")]
    public void Load_refuses_counts_out_of_bounds(string option, string value, string message)
    {
        var (code, output, error) = SpindleCli.Run("echo", "load", option, value);
        Assert.NotEqual(0, code);
        Assert.Contains(message, output + error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_refuses_more_round_trips_than_it_keeps()
    {
        var (code, output, error) = SpindleCli.Run("echo", "load", "--clients", "1000", "--rounds", "20000");
        Assert.NotEqual(0, code);
        Assert.Contains("--clients × --rounds must be at most 10,000,000.", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_talks_to_the_loopback_only()
    {
        var (code, _, error) = SpindleCli.Run("echo", "load", "--host", "192.0.2.1");
        Assert.Equal(EchoCommand.BadArgument, code);
        Assert.Contains("'192.0.2.1' is not a loopback address", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_of_an_unknown_model_lists_the_models_and_exits_2()
    {
        var (code, output, error) = SpindleCli.Run("echo", "serve", "--model", "carrier-pigeon");
        Assert.Equal(EchoCommand.BadArgument, code);
        Assert.Contains($"no model named 'carrier-pigeon'. Models: {EchoModels.Names}.", error, StringComparison.Ordinal);
        Assert.Equal("", output);
    }

    [Theory]
    [InlineData(Signal.SIGTERM)]
    [InlineData(Signal.SIGINT)]
    public void Serve_in_a_child_process_stops_cleanly_on_SIGTERM_and_Ctrl_C(int signal)
    {
        using var server = EchoServerProcess.Start(CliProcess.StartInfo("echo", "serve", "--model", "epoll", "--port", "0"), Patience);
        Assert.Contains($"echo server, model epoll: listening on 127.0.0.1:{server.Port} (Ctrl+C stops it)", server.Output, StringComparison.Ordinal);
        using (var load = EchoLoad.Connect(new IPEndPoint(IPAddress.Loopback, server.Port), clients: 2, size: 64))
            Assert.Equal(10, load.Run(5, Patience).RoundTrips);
        Assert.True(server.CpuTime > TimeSpan.Zero);
        Assert.Equal(0, server.Stop(Patience, signal));
        Assert.Contains("stopped: 2 connections served, 640 bytes echoed", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_hub_server_holds_ten_thousand_connections_at_once_on_its_one_thread()
    {
        const int clients = 10_000;
        using var server = EchoServerProcess.Start(CliProcess.StartInfo("echo", "serve", "--model", "hub", "--port", "0"), Patience);
        using (var load = EchoLoad.Connect(new IPEndPoint(IPAddress.Loopback, server.Port), clients, size: 16))
        {
            // Every connection is open before the first round trip, and each makes two: the hub holds them all at once.
            var result = load.Run(2, TimeSpan.FromSeconds(120));
            Assert.Equal(2 * clients, result.RoundTrips);
        }
        Assert.Equal(0, server.Stop(Patience));
        Assert.Contains($"stopped: {clients:N0} connections served, {2 * 16 * clients:N0} bytes echoed", server.Output, StringComparison.Ordinal);
    }
}
