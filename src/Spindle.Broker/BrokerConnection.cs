using System.Diagnostics;
using System.Globalization;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Spindle.Broker;

/// <summary>Opening connections to the broker: the URI (never logged with its credentials), heartbeats, and clear errors.</summary>
internal static class BrokerConnection
{
    /// <summary>The environment variable read when no broker URI is given, e.g. <c>amqp://user:password@host:5672/</c>.</summary>
    public const string UriVariable = "SPINDLE_BROKER_URI";

    /// <summary>The URI in <see cref="UriVariable"/>.</summary>
    /// <exception cref="InvalidOperationException">The variable is not set or is not an AMQP URI.</exception>
    public static Uri UriFromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(UriVariable);
        if (string.IsNullOrEmpty(text))
            throw new InvalidOperationException($"No broker URI: pass one, or set {UriVariable} (e.g. amqp://user:password@host:5672/).");
        return Parse(text);
    }

    /// <summary>Parses an AMQP URI.</summary>
    /// <exception cref="InvalidOperationException">It is not an absolute amqp:// or amqps:// URI.</exception>
    public static Uri Parse(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
            throw new InvalidOperationException("The broker URI must look like amqp://user:password@host:5672/ (or amqps://).");
        return uri;
    }

    /// <summary>The URI without user name and password, for messages and logs.</summary>
    public static string Describe(Uri broker)
    {
        var builder = new UriBuilder(broker) { UserName = "", Password = "" };
        return builder.Uri.ToString();
    }

    /// <summary>Opens a connection whose loss the caller handles (no automatic recovery: unacknowledged deliveries must not be acked on a new channel).</summary>
    /// <exception cref="BrokerUnavailableException">The broker cannot be reached or refused the credentials.</exception>
    public static async Task<IConnection> OpenAsync(Uri broker, string clientName, TimeSpan heartbeat, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = broker,
            ClientProvidedName = clientName,
            RequestedHeartbeat = heartbeat,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
        };
        try
        {
            return await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerUnreachableException e)
        {
            throw new BrokerUnavailableException($"Cannot connect to the broker at {Describe(broker)}: {Innermost(e).Message}", e);
        }
    }

    /// <summary>
    /// Opens a new session after one was lost: attempts with a growing pause (50 ms to 2 s) until one succeeds or
    /// <paramref name="timeout"/> has passed; null if <paramref name="stop"/> fires first.
    /// </summary>
    /// <exception cref="BrokerUnavailableException">No attempt succeeded in time; the message says why the last one failed.</exception>
    public static async Task<TSession?> ReconnectAsync<TSession>(Func<CancellationToken, Task<TSession>> open, Uri broker, TimeSpan timeout,
        Exception lost, CancellationToken stop) where TSession : class
    {
        var started = Stopwatch.GetTimestamp();
        var pause = TimeSpan.FromMilliseconds(50);
        var last = lost;
        while (Stopwatch.GetElapsedTime(started) < timeout)
        {
            try
            {
                await Task.Delay(pause, stop).ConfigureAwait(false); // backoff between attempts, not synchronization
                return await open(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception e) when (e is BrokerUnavailableException or InvalidOperationException || IsConnectionLoss(e))
            {
                last = e;
            }
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
        throw new BrokerUnavailableException(string.Create(CultureInfo.InvariantCulture,
            $"Lost the connection to the broker at {Describe(broker)} and could not restore it within {timeout.TotalSeconds:0.#} s: {last.Message}"), last);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner) e = inner;
        return e;
    }

    /// <summary>Whether <paramref name="e"/> says the connection or channel is gone (the session is lost), not that the call was wrong.</summary>
    public static bool IsConnectionLoss(Exception e) =>
        e is AlreadyClosedException or OperationInterruptedException or IOException or ObjectDisposedException
            or OperationCanceledException or System.Net.Sockets.SocketException;
}
