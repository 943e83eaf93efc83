using System.Net.Sockets;

namespace Spindle.Cli.Echo;

/// <summary>
/// One client of a single-threaded model (nonblocking, select, poll, epoll): its non-blocking socket and seed 001's
/// "message queue per connection", the echoes not yet sent. The queue is bounded: once <see cref="IsFull"/>, the model
/// stops reading from this client until it takes its echoes, so a client that never reads stalls itself, not the server.
/// </summary>
internal sealed class EchoConnection
{
    /// <summary>Queued bytes past which the client is not read from.</summary>
    public const int PendingLimit = 64 * 1024;

    private readonly Queue<byte[]> _queue = new();
    private int _sentOfHead;
    private int _pending;

    /// <summary>Wraps <paramref name="socket"/>, making it non-blocking.</summary>
    public EchoConnection(Socket socket)
    {
        Socket = socket;
        socket.Blocking = false;
    }

    /// <summary>The client's socket.</summary>
    public Socket Socket { get; }

    /// <summary>Whether echoes wait to be sent (the model should wait for writability).</summary>
    public bool HasPending => _pending > 0;

    /// <summary>Whether so much waits that the model should stop reading from this client.</summary>
    public bool IsFull => _pending >= PendingLimit;

    /// <summary>Reads what has arrived and queues its echo (seed 001: <c>msg_queues[s].put(data)</c>).</summary>
    /// <returns>false once the client has gone (end of stream, reset).</returns>
    public bool Receive(EchoServer server, byte[] scratch)
    {
        var n = Socket.Receive(scratch, 0, scratch.Length, SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock) return true;
        if (error != SocketError.Success || n == 0) return false;
        server.Received(Socket, scratch.AsSpan(0, n));
        Enqueue(scratch.AsSpan(0, n));
        return true;
    }

    /// <summary>
    /// Reads what has arrived and sends its echo at once if nothing is queued (Python's selectors server does the same:
    /// a small echo always fits the socket), queueing only what the socket did not take.
    /// </summary>
    /// <returns>false once the client has gone.</returns>
    public bool Echo(EchoServer server, byte[] scratch)
    {
        if (HasPending) return Receive(server, scratch) && Flush();
        var n = Socket.Receive(scratch, 0, scratch.Length, SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock) return true;
        if (error != SocketError.Success || n == 0) return false;
        server.Received(Socket, scratch.AsSpan(0, n));
        var sent = Socket.Send(scratch, 0, n, SocketFlags.None, out error);
        if (error == SocketError.WouldBlock) sent = 0;
        else if (error != SocketError.Success) return false;
        if (sent < n) Enqueue(scratch.AsSpan(sent, n - sent));
        return true;
    }

    /// <summary>Sends queued echoes until the socket would block (seed 001: <c>s.send(msg_queues[s].get_nowait())</c>).</summary>
    /// <returns>false once the client has gone.</returns>
    public bool Flush()
    {
        while (_queue.TryPeek(out var head))
        {
            var sent = Socket.Send(head, _sentOfHead, head.Length - _sentOfHead, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock) return true;
            if (error != SocketError.Success) return false;
            _sentOfHead += sent;
            _pending -= sent;
            if (_sentOfHead < head.Length) return true; // the socket took part of it: it is full
            _queue.Dequeue();
            _sentOfHead = 0;
        }
        return true;
    }

    private void Enqueue(ReadOnlySpan<byte> data)
    {
        _queue.Enqueue(data.ToArray());
        _pending += data.Length;
    }
}
