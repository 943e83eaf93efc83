using System.Buffers;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Spindle.Serialization;
using Spindle.Tests.Support;

namespace Spindle.Tests.Serialization;

internal sealed class LogConfig
{
    public string Name { get; set; } = "";
    public TextWriter? Log { get; set; }
}

/// <summary>Private state that its public surface does not round-trip.</summary>
internal sealed class Secretive
{
    private int _hidden = 42;

    public int Visible { get; set; }

    public int Peek() => _hidden++;
}

internal sealed class GetOnly
{
    public int Id { get; } = 5;
}

internal sealed class Holder
{
    public Thread? Worker { get; set; }
    public object? Anything { get; set; }
}

internal sealed class OnlyExports : IShareable
{
    public ShareableHandle Export() => new(Array.Empty<byte>());
}

public class RefusalTests : LeakCheckedTest
{
    private static NotTransferableException RefuseCall(Delegate target, params object?[] args) =>
        Assert.Throws<NotTransferableException>(() => CallCodec.Encode(target, args));

    private static NotTransferableException RefuseValue(object? value) =>
        Assert.Throws<NotTransferableException>(() => ValueCodec.Encode(value));

    [Fact]
    public void Captured_socket_is_refused_naming_the_variable()
    {
        using var sock = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Action a = () => sock.Close();
        var e = RefuseCall(a);
        Assert.Equal("captured variable 'sock'", e.Path);
        Assert.Equal(typeof(Socket), e.OffendingType);
        Assert.StartsWith("captured variable 'sock' (System.Net.Sockets.Socket) cannot be sent to another process: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stream_argument_is_refused_naming_the_argument()
    {
        var path = Path.GetTempFileName();
        try
        {
            using var fs = new FileStream(path, FileMode.Open);
            var e = RefuseCall(new Action<Stream>(static s => s.Flush()), fs);
            Assert.Equal("argument 1 's'", e.Path);
            Assert.Equal(typeof(FileStream), e.OffendingType);
            Assert.Contains("argument 1 's' (System.IO.FileStream)", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Property_deep_in_a_capture_is_named_through_the_path()
    {
        var cfg = new LogConfig { Name = "x", Log = Console.Out };
        Action a = () => cfg.Log!.WriteLine(cfg.Name);
        var e = RefuseCall(a);
        Assert.Equal("captured variable 'cfg' → property 'Log'", e.Path);
        Assert.True(typeof(TextWriter).IsAssignableFrom(e.OffendingType));
        Assert.Contains("reader or writer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_non_transferable_member_is_fine_because_nothing_crosses()
    {
        var cfg = new LogConfig { Name = "x" };
        Func<string> f = () => cfg.Name;
        Assert.Equal("x", CallCodec.Decode(CallCodec.Encode(f)).Invoke());
    }

    [Fact]
    public void Captured_this_with_private_state_is_refused_naming_this_and_the_field()
    {
        var s = new Secretive();
        var e = RefuseCall(new Func<int>(s.Peek));
        Assert.Equal("target of Peek", e.Path);
        Assert.Equal(typeof(Secretive), e.OffendingType);
        Assert.Contains("private field '_hidden'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_only_property_without_a_constructor_parameter_is_refused()
    {
        var e = RefuseValue(new GetOnly());
        Assert.Contains("property 'Id' has no public setter or init accessor", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Process_bound_types_are_refused_with_their_reason()
    {
        Assert.Contains("thread", RefuseValue(new Holder { Worker = Thread.CurrentThread }).Message, StringComparison.Ordinal);
        Assert.Equal("value → property 'Worker'", RefuseValue(new Holder { Worker = Thread.CurrentThread }).Path);
        Assert.Contains("task", RefuseValue(Task.CompletedTask).Message, StringComparison.Ordinal);
        Assert.Contains("task", RefuseValue(Task.FromResult(1)).Message, StringComparison.Ordinal);
        using var handle = new SafeFileHandle(IntPtr.Zero, ownsHandle: false);
        Assert.Contains("OS handle", RefuseValue(handle).Message, StringComparison.Ordinal);
        Assert.Contains("pointer", RefuseValue(new Holder { Anything = IntPtr.Zero }).Message, StringComparison.Ordinal);
        using var me = System.Diagnostics.Process.GetCurrentProcess();
        Assert.Contains("Process object", RefuseValue(me).Message, StringComparison.Ordinal);
        using var cts = new CancellationTokenSource();
        Assert.Contains("cancellation", RefuseValue(cts.Token).Message, StringComparison.Ordinal);
        Assert.Contains("reflection", RefuseValue(typeof(int)).Message, StringComparison.Ordinal);
        Assert.Contains("stream", RefuseValue(new MemoryStream()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Elements_and_dictionary_values_are_named_in_the_path()
    {
        object[] items = [1, "ok", new MemoryStream()];
        Assert.Equal("value → element [2]", RefuseValue(items).Path);
        var dict = new Dictionary<string, object> { ["a"] = 1, ["bad"] = new MemoryStream() };
        Assert.Equal("value → value of entry 1 (key bad)", RefuseValue(dict).Path);
    }

    [Fact]
    public void Multicast_and_runtime_generated_delegates_are_refused()
    {
        Action a = () => { };
        a += () => { };
        Assert.Contains("multicast", RefuseCall(a).Message, StringComparison.Ordinal);
        var compiled = System.Linq.Expressions.Expression.Lambda<Func<int>>(System.Linq.Expressions.Expression.Constant(1)).Compile();
        Assert.Contains("generated at run time", RefuseCall(compiled).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shareable_without_an_import_is_refused()
    {
        Assert.Contains("not IShareable<OnlyExports>", RefuseValue(new OnlyExports()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_is_written_to_the_output_when_a_value_is_refused()
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<NotTransferableException>(() => ValueCodec.Encode(output, new object[] { 1, new MemoryStream() }));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void Refusal_leaves_the_codec_usable()
    {
        RefuseValue(new Holder { Worker = Thread.CurrentThread });
        Assert.Equal("fine", ValueCodec.Decode<string>(ValueCodec.Encode("fine")));
    }
}
