using System.Globalization;
using System.Security.Cryptography;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Spindle.Broker;

namespace Spindle.Tests.Broker;

/// <summary>
/// The broker the tests run against: <c>SPINDLE_BROKER_URI</c>, set by <c>.ci/run</c> (which starts a private one with
/// <c>.ci/broker-start.sh</c>) or by a developer. With <c>SPINDLE_BROKER_REQUIRED=1</c> (CI) a missing broker fails the
/// tests; without it, they are skipped with the reason.
/// </summary>
internal static class TestBroker
{
    public const string RequiredVariable = "SPINDLE_BROKER_REQUIRED";

    /// <summary>How long a test waits for something that should happen promptly; only matters when a test fails.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static bool Required => Environment.GetEnvironmentVariable(RequiredVariable) is "1" or "true";

    public static string? UriText => Environment.GetEnvironmentVariable(BrokerConnection.UriVariable) is { Length: > 0 } text ? text : null;

    /// <summary>Why broker tests cannot run here, or null when they can (or must: then a missing broker fails them).</summary>
    public static string? SkipReason => UriText is null && !Required
        ? $"No RabbitMQ broker: set {BrokerConnection.UriVariable} (e.g. from .ci/broker-start.sh) to run the broker tests."
        : null;

    public static Uri Uri => UriText is { } text
        ? new Uri(text)
        : throw new InvalidOperationException($"{RequiredVariable} is set but {BrokerConnection.UriVariable} is not: the broker of this test run did not start (see .ci/run).");

    /// <summary>A fresh random authkey.</summary>
    public static byte[] NewKey() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).Select(c => (byte)c).ToArray();

    /// <summary>A queue name no other test uses.</summary>
    public static string NewQueue(string test) => $"spindle-test-{test}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>A plain connection, for what the tests do behind the library's back.</summary>
    public static IConnection Connect() =>
        new ConnectionFactory { Uri = Uri, AutomaticRecoveryEnabled = false }.CreateConnectionAsync().GetAwaiter().GetResult();

    /// <summary>Messages ready in <paramref name="queue"/> and its consumers (AMQP passive declare); none before it is declared.</summary>
    public static (uint Messages, uint Consumers) Depth(string queue)
    {
        using var connection = Connect();
        using var channel = connection.CreateChannelAsync().GetAwaiter().GetResult();
        try
        {
            var ok = channel.QueueDeclarePassiveAsync(queue).GetAwaiter().GetResult();
            return (ok.MessageCount, ok.ConsumerCount);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
            return (0, 0);
        }
    }

    /// <summary>Publishes <paramref name="body"/> as a task of <paramref name="queue"/>, as anyone with access to the broker could.</summary>
    public static void PublishTask(string queue, byte[] body)
    {
        using var connection = Connect();
        using var channel = connection.CreateChannelAsync().GetAwaiter().GetResult();
        channel.BasicPublishAsync(BrokerTopology.TasksExchange, queue, mandatory: false, new BasicProperties { Persistent = true }, body).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>The repository's <c>.ci/broker-restart.sh</c>, found above the test binaries; null outside a clone.</summary>
    public static string? RestartScript
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var script = Path.Combine(dir.FullName, ".ci", "broker-restart.sh");
                if (File.Exists(script)) return script;
            }
            return null;
        }
    }

    /// <summary>Whether the broker is the private one that <see cref="RestartScript"/> controls (its port).</summary>
    public static bool IsRestartable =>
        RestartScript is not null && UriText is { } text
        && new Uri(text).Port.ToString(CultureInfo.InvariantCulture) == (Environment.GetEnvironmentVariable("SPINDLE_BROKER_PORT") ?? "5698");

    /// <summary>Polls until <paramref name="condition"/> holds (a real condition), failing after <see cref="Patience"/>.</summary>
    public static void WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Waited {Patience.TotalSeconds:0} s for {what}.");
            Thread.Sleep(20); // polling interval, not synchronization
        }
    }

    public static void WaitForConsumers(string queue, uint count) =>
        WaitUntil(() => Depth(queue).Consumers == count, string.Create(CultureInfo.InvariantCulture, $"{count} consumers on {queue}"));
}

/// <summary>A test that needs the broker: skipped with the reason when there is none, failed when CI requires one.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrokerFactAttribute : FactAttribute
{
    public BrokerFactAttribute()
    {
        if (TestBroker.SkipReason is { } reason) Skip = reason;
    }

    /// <summary>The test restarts the broker: it needs the private broker of <c>.ci/broker-start.sh</c>, not any broker.</summary>
    public bool RestartsTheBroker
    {
        get => field;
        set
        {
            field = value;
            if (value && Skip is null && !TestBroker.Required && !TestBroker.IsRestartable)
                Skip = "This test restarts the broker: it runs against the private broker of .ci/broker-start.sh only.";
        }
    }
}
