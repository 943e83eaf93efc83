using System.Globalization;
using System.Net.Sockets;
using Spindle.Processes;
using Spindle.Serialization;
using Spindle.Tests.Support;

namespace Spindle.Tests.Processes;

/// <summary>What crosses to a child: arguments of several kinds, captures, a derived process instance; and what is refused.</summary>
public sealed class TransferTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    internal sealed record Order(string Item, int Quantity, List<string> Tags);

    internal enum Mood { Calm, Busy }

    internal static void Describe(Order order, Dictionary<string, int[]> table, (Mood Mood, double Ratio, string? Nothing) tuple)
    {
        var text = string.Join(';',
            $"{order.Item}x{order.Quantity}[{string.Join(',', order.Tags)}]",
            string.Join(',', table.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={string.Join('+', kv.Value)}")),
            $"{tuple.Mood}/{tuple.Ratio.ToString(CultureInfo.InvariantCulture)}/{tuple.Nothing ?? "null"}");
        File.WriteAllText(order.Tags[^1], text);
    }

    [Fact]
    public void Arguments_of_several_kinds_cross()
    {
        using var scratch = new Scratch();
        var order = new Order("tea", 3, ["hot", "green", scratch["out"]]);
        var table = new Dictionary<string, int[]> { ["a"] = [1, 2], ["b"] = [] };
        using var p = SpindleProcess.Create<Order, Dictionary<string, int[]>, (Mood, double, string?)>(Describe, order, table, (Mood.Busy, 0.5, null));
        p.Start();
        Assert.True(p.Join(Long));
        Assert.Equal(0, p.ExitCode);
        Assert.Equal($"teax3[hot,green,{scratch["out"]}];a=1+2,b=;Busy/0.5/null", File.ReadAllText(scratch["out"]));
    }

    [Fact]
    public void A_lambda_and_its_captured_variables_cross()
    {
        using var scratch = new Scratch();
        var path = scratch["out"];
        var numbers = new[] { 1, 2, 3 };
        var label = "sum";
        using var p = new SpindleProcess(() => File.WriteAllText(path, $"{label}={numbers.Sum()}"));
        p.Start();
        Assert.True(p.Join(Long));
        Assert.Equal(0, p.ExitCode);
        Assert.Equal("sum=6", File.ReadAllText(path));
    }

    internal sealed class Greeter : SpindleProcess
    {
        public Greeter() : base(name: "greeter") { }

        public string Path { get; set; } = "";

        public string Greeting { get; set; } = "";

        protected override void Run() =>
            File.WriteAllText(Path, $"{Greeting} from {Name} {Pid == Environment.ProcessId} {IsAlive}");
    }

    [Fact]
    public void A_derived_process_crosses_with_its_public_state_and_runs_Run()
    {
        using var scratch = new Scratch();
        using var p = new Greeter { Path = scratch["out"], Greeting = "hello" };
        p.Start();
        Assert.True(p.Join(Long));
        Assert.Equal(0, p.ExitCode);
        Assert.Equal("hello from greeter True True", File.ReadAllText(scratch["out"]));
    }

    internal sealed class SelfJoiner : SpindleProcess
    {
        protected override void Run() => Join();
    }

    [Fact]
    public void A_process_cannot_join_itself_in_the_child()
    {
        using var p = new SelfJoiner();
        p.Start();
        Assert.True(p.Join(Long));
        Assert.Equal(1, p.ExitCode);
        Assert.Equal("can only join a child process", p.Exception!.Message);
    }

    internal sealed class Unsendable : SpindleProcess
    {
        private readonly Socket _socket = new(SocketType.Stream, ProtocolType.Tcp);

        protected override void Run() => _socket.Dispose();
    }

    [Fact]
    public void A_capture_that_cannot_cross_is_refused_at_start_and_nothing_starts()
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var p = new SpindleProcess(() => socket.Dispose());
        var before = ProcessTable.ChildrenOf(Environment.ProcessId).Order().ToList();
        var e = Assert.Throws<NotTransferableException>(p.Start);
        Assert.Contains("socket", e.Message, StringComparison.Ordinal);
        Assert.Equal(typeof(Socket), e.OffendingType);
        Assert.Null(p.Pid);
        Assert.Equal(before, ProcessTable.ChildrenOf(Environment.ProcessId).Order().ToList());
    }

    [Fact]
    public void A_derived_process_with_hidden_state_is_refused_at_start()
    {
        using var p = new Unsendable();
        var e = Assert.Throws<NotTransferableException>(p.Start);
        Assert.Contains("_socket", e.Message, StringComparison.Ordinal);
        Assert.Null(p.Pid);
        Assert.Throws<InvalidOperationException>(() => p.Join()); // still not started
    }
}
