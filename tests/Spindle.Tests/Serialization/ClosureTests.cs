using System.Net.Sockets;
using Spindle.Serialization;
using Spindle.Tests.Support;

namespace Spindle.Tests.Serialization;

/// <summary>An object whose state is public, so a lambda that captures <c>this</c> or a method group on it can cross.</summary>
internal sealed class Counter
{
    public int Start { get; set; }
    public string Label { get; set; } = "";

    public Func<int, string> MakeCapturingThis(int step) => n => $"{Label}:{Start + (n * step)}";

    public string Describe(int n) => $"{Label}#{Start + n}";
}

/// <summary>Private state, so a lambda that captures <c>this</c> cannot cross; a lambda beside it that does not use <c>this</c> can.</summary>
internal sealed class Busy
{
    private readonly object _gate = new();

    public (Func<int> UsesThis, Func<int> UsesLocal) MakeLambdas(int n) => (() => _gate.GetHashCode() + n, () => n * 2);
}

internal static class CounterExtensions
{
    public static string Shout(this string s, int times) => string.Concat(Enumerable.Repeat(s.ToUpperInvariant(), times));
}

public class ClosureTests : LeakCheckedTest
{
    private static object? Run(Delegate target, params object?[] args) => CallCodec.Decode(CallCodec.Encode(target, args)).Invoke();

    [Fact]
    public void Lambda_with_captured_locals_runs_with_their_values()
    {
        var factor = 3;
        var name = "n";
        var blob = new Blob(Guid.NewGuid(), [1, 2, 3], "lbl", 4, 0.5);
        Func<int, string> f = x => $"{name}{x * factor}{blob.Data.Length}{blob.Label}";
        Assert.Equal("n123lbl", Run(f, 4));
    }

    [Fact]
    public void Nested_scopes_are_all_captured()
    {
        var outer = 100;
        Func<int, int>? f = null;
        for (var i = 0; i < 1; i++)
        {
            var inner = 10;
            f = x => x + inner + outer;
        }
        Assert.Equal(111, Run(f!, 1));
    }

    [Fact]
    public void Captured_this_with_public_state_crosses()
    {
        var counter = new Counter { Start = 5, Label = "c" };
        Assert.Equal("c:11", Run(counter.MakeCapturingThis(2), 3));
    }

    [Fact]
    public void Instance_method_group_on_a_transferable_object_runs()
    {
        var counter = new Counter { Start = 1, Label = "m" };
        var call = CallCodec.Decode(CallCodec.Encode(new Func<int, string>(counter.Describe), 2));
        Assert.Equal("m#3", call.Invoke());
        Assert.Equal("Spindle.Tests.Serialization.Counter.Describe", call.Describe);
    }

    [Fact]
    public void Extension_method_group_closed_over_its_first_argument_runs() =>
        Assert.Equal("ABAB", Run(new Func<int, string>("ab".Shout), 2));

    [Fact]
    public void Captured_delegate_is_carried_with_its_own_captures()
    {
        var k = 7;
        Func<int, int> inner = x => x * k;
        Func<int, int> outer = x => inner(x) + 1;
        Assert.Equal(15, Run(outer, 2));
    }

    [Fact]
    public void The_child_gets_copies_not_the_parent_objects()
    {
        var list = new List<int> { 1 };
        Action<int> add = list.Add;
        var call = CallCodec.Decode(CallCodec.Encode(add, 2));
        call.Invoke();
        Assert.Equal([1], list);
        Assert.Equal([1, 2], (List<int>)call.Target.Target!);
    }

    [Fact]
    public void Generic_method_and_generic_closure_run()
    {
        Assert.Equal("System.Int32:5", Run(new Func<int, string>(Describe<int>), 5));
        Assert.Equal(3, Run(MakeCounter<string>("x"), 3));
    }

    [Fact]
    public void Async_lambda_returns_a_task_in_the_decoding_process()
    {
        var delay = 1;
        Func<int, Task<int>> f = async x =>
        {
            await Task.Yield();
            return x + delay;
        };
        var task = (Task<int>)Run(f, 40)!;
        Assert.True(task.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(41, task.Result);
    }

    [Fact]
    public void Describe_names_the_enclosing_method_of_a_lambda()
    {
        var y = 1;
        var call = CallCodec.Decode(CallCodec.Encode(new Func<int, int>(x => x + y), 1));
        Assert.Equal("Spindle.Tests.Serialization.ClosureTests.Describe_names_the_enclosing_method_of_a_lambda (lambda)", call.Describe);
    }

    [Fact]
    public void Recursive_lambda_runs()
    {
        Func<int, int>? fact = null;
        fact = n => n <= 1 ? 1 : n * fact!(n - 1);
        var call = CallCodec.Decode(CallCodec.Encode(fact, 5));
        Assert.Equal(120, call.Invoke());
        Assert.NotSame(fact, call.Target);
    }

    [Fact]
    public void Delegate_variable_captured_by_another_lambda_of_its_scope_crosses()
    {
        // Both lambdas share one closure object, which therefore holds 'f' itself.
        var n = 2;
        Func<int, int> f = x => x * n;
        Func<int> g = () => f(10);
        Assert.Equal(20, g());
        Assert.Equal(8, CallCodec.Decode(CallCodec.Encode(f, 4)).Invoke());
        Assert.Equal(20, CallCodec.Decode(CallCodec.Encode(g)).Invoke());
    }

    [Fact]
    public void Mutually_recursive_delegates_in_a_value_round_trip()
    {
        Func<int, bool>? isEven = null, isOdd = null;
        isEven = k => k == 0 || isOdd!(k - 1);
        isOdd = k => k != 0 && isEven(k - 1);
        var back = ValueCodec.Decode<Func<int, bool>[]>(ValueCodec.Encode(new[] { isEven, isOdd }));
        Assert.True(back[0](10));
        Assert.True(back[1](7));
    }

    [Fact]
    public void Capture_of_a_neighbouring_lambda_in_the_same_scope_does_not_travel()
    {
        // C# keeps 'sock' and 'n' in one closure object; only what the sent lambda's code reads crosses.
        using var sock = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var n = 5;
        Action closeIt = () => sock.Close();
        Func<int> twice = () => n * 2;
        var call = CallCodec.Decode(CallCodec.Encode(twice));
        Assert.Equal(10, call.Invoke());
        Assert.DoesNotContain(call.Target.Target!.GetType().GetFields(), f => f.GetValue(call.Target.Target) is Socket);
        GC.KeepAlive(closeIt);
    }

    [Fact]
    public void Unused_this_of_a_neighbouring_lambda_does_not_travel()
    {
        var (usesThis, usesLocal) = new Busy().MakeLambdas(4);
        Assert.Throws<NotTransferableException>(() => CallCodec.Encode(usesThis));
        Assert.Equal(8, CallCodec.Decode(CallCodec.Encode(usesLocal)).Invoke());
    }

    [Fact]
    public void Lambdas_of_one_scope_sent_together_keep_their_shared_closure()
    {
        var a = 1;
        var b = 2;
        Func<int> fa = () => a;
        Func<int> fb = () => b;
        Action bump = () => { a += 10; b += 10; };
        var back = ValueCodec.Decode<Delegate[]>(ValueCodec.Encode(new Delegate[] { fa, fb, bump }));
        Assert.Same(back[0].Target, back[1].Target);
        back[2].DynamicInvoke();
        Assert.Equal(11, back[0].DynamicInvoke());
        Assert.Equal(12, back[1].DynamicInvoke());
    }

    [Fact]
    public void Local_function_called_by_the_lambda_brings_its_captures()
    {
        var k = 3;
        var unrelated = new MemoryStream();
        int Scale(int x) => x * k;
        Func<int, int> f = x => Scale(x) + 1;
        Action g = () => unrelated.Flush();
        Assert.Equal(7, CallCodec.Decode(CallCodec.Encode(f, 2)).Invoke());
        GC.KeepAlive(g);
    }

    private static string Describe<T>(T value) => $"{typeof(T)}:{value}";

    private static Func<int, int> MakeCounter<T>(T seed) => n => n + (seed is null ? 1 : 0);
}
