using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Spindle.Broker;

/// <summary>
/// One connection to the broker and the channels opened on it, for as long as it lives. Losing the connection or any
/// of its channels loses the session: the broker has then requeued every unacknowledged delivery, so nothing of it may
/// be acknowledged on a new one. The owner waits on <see cref="Lost"/> and opens a new session.
/// </summary>
internal abstract class BrokerSession : IAsyncDisposable
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly TaskCompletionSource<Exception> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _lostToken = new();
    private volatile bool _closing;

    private protected BrokerSession(IConnection connection)
    {
        Connection = connection;
        connection.ConnectionShutdownAsync += OnShutdownAsync;
    }

    public IConnection Connection { get; }

    /// <summary>Completes with the reason when the session is lost (not when it is closed on purpose).</summary>
    public Task<Exception> Lost => _lost.Task;

    public bool IsLost => _lost.Task.IsCompleted;

    /// <summary>Cancelled when the session is lost: ends the loops that use it.</summary>
    public CancellationToken LostToken => _lostToken.Token;

    /// <summary>Treats the channel's shutdown as the session's loss.</summary>
    private protected void Watch(IChannel channel) => channel.ChannelShutdownAsync += OnShutdownAsync;

    /// <summary>Records that the session is lost (a publish or ack found it gone).</summary>
    public void MarkLost(Exception reason)
    {
        if (_lost.TrySetResult(reason)) _lostToken.Cancel();
    }

    private Task OnShutdownAsync(object? sender, ShutdownEventArgs e)
    {
        if (!_closing)
        {
            var what = sender is IChannel ? "a channel" : "the connection";
            MarkLost(new BrokerUnavailableException($"The broker closed {what}: {e.ReplyCode} {e.ReplyText}."));
        }
        return Task.CompletedTask;
    }

    /// <summary>Closes the connection (its channels with it); a lost one is only released.</summary>
    public async ValueTask DisposeAsync()
    {
        _closing = true;
        try
        {
            await Connection.CloseAsync(CloseTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (BrokerConnection.IsConnectionLoss(e))
        {
            // Already gone: nothing to close.
        }
        await Connection.DisposeAsync().ConfigureAwait(false);
        _lostToken.Dispose();
        GC.SuppressFinalize(this);
    }
}
