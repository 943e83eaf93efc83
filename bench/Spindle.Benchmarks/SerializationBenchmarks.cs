using BenchmarkDotNet.Attributes;
using Spindle.Serialization;

namespace Spindle.Benchmarks;

/// <summary>
/// What crosses a process boundary: a closure capturing a record with a 1 KiB payload, encoded by the parent and
/// decoded by the child (issue 3's figure: round trip ≥ 1 M/s). System.Text.Json is no option for delegates at all.
/// </summary>
[MemoryDiagnoser]
public class SerializationBenchmarks
{
    public sealed record Order(int Id, string Customer, double Amount, DateTime Placed, byte[] Attachment);

    private Order _order = null!;

    [GlobalSetup]
    public void Setup() => _order = new Order(42, "egon", 12.5, new DateTime(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc), new byte[1024]);

    public static int Ship(Order order) => order.Attachment.Length + order.Id;

    [Benchmark]
    public object? ClosureRoundTrip()
    {
        var order = _order;
        var payload = CallCodec.Encode(() => Ship(order));
        return CallCodec.Decode(payload).Target;
    }

    [Benchmark]
    public object? RecordRoundTrip() => ValueCodec.Decode<Order>(ValueCodec.Encode(_order));
}
