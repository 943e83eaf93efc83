using Spindle.Processes;
using Spindle.Remote;
using Spindle.Serialization;
using Spindle.Tests.Support;

namespace Spindle.Tests.Remote;

/// <summary>The transport-independent seams of remote execution: signed messages, outcomes, and the worker's task runner.</summary>
public sealed class RemoteMessageTests : LeakCheckedTest
{
    private static readonly AuthKey Key = new("a shared secret of the test"u8);

    [Fact]
    public void A_sealed_task_opens_with_the_same_key_and_keeps_every_field()
    {
        var task = new TaskMessage(Guid.NewGuid(), "reply-here", "App.Work", TimeSpan.FromSeconds(3), [1, 2, 3]);
        var opened = TaskMessage.Open(Key, task.Seal(Key));
        Assert.Equal(task with { Call = opened.Call }, opened);
        Assert.Equal(task.Call, opened.Call);
        Assert.Null(TaskMessage.Open(Key, (task with { Timeout = null }).Seal(Key)).Timeout);
    }

    [Fact]
    public void Changing_any_byte_of_a_message_or_signing_it_with_another_key_makes_it_unsigned()
    {
        var sealed_ = new ResultMessage(Guid.NewGuid(), "host:1", false, TaskOutcome.Success(42)).Seal(Key);
        for (var i = 0; i < sealed_.Length; i++)
        {
            var altered = (byte[])sealed_.Clone();
            altered[i] ^= 0x20;
            Assert.True(Assert.Throws<RejectedMessageException>(() => ResultMessage.Open(Key, altered)).Unsigned, $"byte {i}");
        }
        Assert.True(Assert.Throws<RejectedMessageException>(() => ResultMessage.Open(new AuthKey("another secret, same length!"u8), sealed_)).Unsigned);
        Assert.True(Assert.Throws<RejectedMessageException>(() => ResultMessage.Open(Key, sealed_[..^1])).Unsigned);
        Assert.True(Assert.Throws<RejectedMessageException>(() => ResultMessage.Open(Key, [])).Unsigned);
    }

    [Fact]
    public void A_signed_message_of_another_kind_or_with_bytes_left_over_is_rejected_as_malformed()
    {
        var result = new ResultMessage(Guid.NewGuid(), "host:1", false, TaskOutcome.Success(42)).Seal(Key);
        var wrongKind = Assert.Throws<RejectedMessageException>(() => TaskMessage.Open(Key, result));
        Assert.False(wrongKind.Unsigned);
        Assert.Contains("Result message arrived where a Task message was expected", wrongKind.Message, StringComparison.Ordinal);
        var padded = Envelope.Seal(Key, MessageKind.Revoke, w =>
        {
            w.Write(0);
            w.Write((byte)7);
        });
        Assert.Contains("1 bytes left over", Assert.Throws<RejectedMessageException>(() => RevokeMessage.Open(Key, padded)).Message, StringComparison.Ordinal);
        var lying = Envelope.Seal(Key, MessageKind.Revoke, w => w.Write(1_000_000));
        Assert.Contains("announces 1000000 ids", Assert.Throws<RejectedMessageException>(() => RevokeMessage.Open(Key, lying)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_authkey_shorter_than_16_bytes_is_refused()
    {
        Assert.Contains("at least 16 bytes", Assert.Throws<ArgumentException>(() => new AuthKey("short"u8)).Message, StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable(AuthKey.EnvironmentVariable) is null)
            Assert.Contains(AuthKey.EnvironmentVariable, Assert.Throws<InvalidOperationException>(() => AuthKey.Resolve(null)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_task_runner_turns_a_value_into_the_future_s_result()
    {
        var item = Run(new Func<int>(() => 6 * 7));
        Assert.Equal(42, item.Result(TimeSpan.Zero));
    }

    [Fact]
    public void The_task_runner_turns_an_exception_into_the_same_type_with_the_remote_trace_inside()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => Run(new Func<int>(() => throw new KeyNotFoundException("no key 7"))).Result(TimeSpan.Zero));
        Assert.Equal("no key 7", error.Message);
        var remote = Assert.IsType<RemoteException>(error.InnerException);
        Assert.Equal(typeof(KeyNotFoundException).FullName, remote.RemoteTypeName);
        Assert.Contains(nameof(The_task_runner_turns_an_exception_into_the_same_type_with_the_remote_trace_inside), remote.RemoteStackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public void An_exception_type_that_cannot_be_rebuilt_arrives_as_RemoteException()
    {
        var remote = Assert.Throws<RemoteException>(() => Run(new Func<int>(() => throw new OddException(3))).Result(TimeSpan.Zero));
        Assert.Equal(typeof(OddException).FullName, remote.RemoteTypeName);
        Assert.Equal("odd 3", remote.Message);
    }

    [Fact]
    public void A_result_that_cannot_cross_fails_the_future_with_NotTransferableException()
    {
        var error = Assert.Throws<NotTransferableException>(() => Run(new Func<object>(() => new FileStream("/dev/null", FileMode.Open))).Result(TimeSpan.Zero));
        Assert.Contains("FileStream", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_task_runner_refuses_a_call_from_another_build_of_its_assembly()
    {
        var call = CallCodec.Encode(new Func<int>(() => 1));
        var mvid = typeof(RemoteMessageTests).Assembly.ManifestModule.ModuleVersionId.ToByteArray();
        for (var i = call.AsSpan().IndexOf(mvid); i >= 0; i = call.AsSpan().IndexOf(mvid)) Guid.NewGuid().ToByteArray().CopyTo(call, i);
        var item = new WorkItem<object?>(static () => null);
        TaskOutcome.Deliver(TaskRunner.Run(call, []), item);
        Assert.Contains("different build of assembly 'Spindle.Tests'", Assert.Throws<AssemblyMismatchException>(() => item.Result(TimeSpan.Zero)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_application_assembly_is_named()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-app-" + Guid.NewGuid().ToString("N") + ".dll");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => AppAssemblies.Use([missing])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_outcome_is_delivered_once()
    {
        var item = new WorkItem<int>(static () => 0);
        Assert.True(TaskOutcome.Deliver(TaskOutcome.Success(1), item));
        Assert.False(TaskOutcome.Deliver(TaskOutcome.Success(2), item));
        Assert.False(TaskOutcome.Deliver(TaskOutcome.Failure(new InvalidOperationException()), item));
        Assert.Equal(1, item.Result(TimeSpan.Zero));
    }

    private static Future<T> Run<T>(Func<T> fn)
    {
        var item = new WorkItem<T>(static () => default!);
        Assert.True(TaskOutcome.Deliver(TaskRunner.Run(CallCodec.Encode(fn), []), item));
        return item;
    }

    private sealed class OddException(int n) : Exception($"odd {n}");
}
