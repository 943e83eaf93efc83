using System.Text;
using Spindle.Serialization;
using Spindle.Tests.Support;

namespace Spindle.Tests.Serialization;

/// <summary>A test-only shareable: it exports its name, and importing binds a new proxy to the same named "kernel object".</summary>
internal sealed class NamedResource : IShareable<NamedResource>
{
    public NamedResource(string name) => Name = name;

    public string Name { get; }

    public int[] Descriptors { get; init; } = [];

    public bool Imported { get; private init; }

    public static NamedResource Import(ShareableHandle handle)
    {
        var name = Encoding.UTF8.GetString(handle.State.Span);
        if (name == "broken") throw new InvalidOperationException("segment is gone");
        return new NamedResource(name) { Imported = true };
    }

    public ShareableHandle Export() => new(Encoding.UTF8.GetBytes(Name), Descriptors);
}

public class ShareableTests : LeakCheckedTest
{
    [Fact]
    public void Shareable_crosses_by_handle_and_is_rebuilt_by_its_import()
    {
        var original = new NamedResource("lock-1");
        var back = ValueCodec.Decode<NamedResource>(ValueCodec.Encode(original));
        Assert.NotSame(original, back);
        Assert.True(back.Imported);
        Assert.Equal("lock-1", back.Name);
    }

    [Fact]
    public void Captured_shareable_reaches_the_call()
    {
        var res = new NamedResource("q");
        Func<string> f = () => $"{res.Name}:{res.Imported}";
        Assert.Equal("q:True", CallCodec.Decode(CallCodec.Encode(f)).Invoke());
    }

    [Fact]
    public void The_same_shareable_twice_arrives_as_one_object()
    {
        var res = new NamedResource("shared");
        var back = ValueCodec.Decode<NamedResource[]>(ValueCodec.Encode(new[] { res, res }));
        Assert.Same(back[0], back[1]);
    }

    [Fact]
    public void Handle_with_file_descriptors_is_refused_until_descriptor_passing_exists()
    {
        var res = new NamedResource("fd") { Descriptors = [3] };
        Action a = () => GC.KeepAlive(res);
        var e = Assert.Throws<NotTransferableException>(() => CallCodec.Encode(a));
        Assert.Equal("captured variable 'res'", e.Path);
        Assert.Contains("file descriptor", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Failing_import_is_reported_as_a_format_error_naming_the_type()
    {
        var e = Assert.Throws<SerializationFormatException>(() => ValueCodec.Decode(ValueCodec.Encode(new NamedResource("broken"))));
        Assert.Contains("NamedResource", e.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(e.InnerException);
    }
}
