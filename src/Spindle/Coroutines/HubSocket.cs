using System.Net;
using System.Net.Sockets;

namespace Spindle.Coroutines;

/// <summary>
/// A socket whose operations suspend the calling coroutine, not the thread, until the kernel is ready: the coroutine
/// parks on the hub's epoll selector and the hub runs other coroutines meanwhile. Python: <c>gevent.socket.socket</c>
/// (what <c>monkey.patch_all()</c> puts in place of <c>socket.socket</c>; Spindle patches nothing).
/// </summary>
/// <remarks>
/// Every operation tries the socket first (it is non-blocking) and parks only when the kernel says EAGAIN. Called from the
/// thread's main code, an operation runs the hub until it can complete. One coroutine may wait to read and another to
/// write at the same time; two waiting in the same direction is an error, as in gevent.
/// </remarks>
public sealed class HubSocket : IDisposable
{
    private readonly IoWatcher _watcher;
    private readonly bool _leaveOpen;
    private bool _disposed;

    /// <summary>Creates a TCP/IPv4 (or the given) socket. Python: <c>gevent.socket.socket(family, type, proto)</c>.</summary>
    public HubSocket(AddressFamily family = AddressFamily.InterNetwork, SocketType type = SocketType.Stream, ProtocolType protocol = ProtocolType.Tcp)
        : this(new Socket(family, type, protocol)) { }

    /// <summary>Takes over <paramref name="socket"/> (made non-blocking); disposing this disposes it unless
    /// <paramref name="leaveOpen"/> (then it only stops watching it).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    public HubSocket(Socket socket, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(socket);
        _leaveOpen = leaveOpen;
        socket.Blocking = false;
        Socket = socket;
        _watcher = new IoWatcher(socket);
    }

    /// <summary>The underlying socket (for options; do not make it blocking).</summary>
    public Socket Socket { get; }

    /// <summary>
    /// How long one operation may wait for the kernel before raising <see cref="TimeoutException"/> ("timed out");
    /// null waits forever. Python: <c>socket.settimeout(seconds)</c>.
    /// </summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>The local address. Python: <c>getsockname()</c>.</summary>
    public EndPoint? LocalEndPoint => Socket.LocalEndPoint;

    /// <summary>The peer's address. Python: <c>getpeername()</c>.</summary>
    public EndPoint? RemoteEndPoint => Socket.RemoteEndPoint;

    /// <summary>Binds to <paramref name="address"/>. Python: <c>bind(address)</c>.</summary>
    public void Bind(EndPoint address) => Socket.Bind(address);

    /// <summary>Starts listening. Python: <c>listen(backlog)</c>.</summary>
    public void Listen(int backlog = 128) => Socket.Listen(backlog);

    /// <summary>Accepts a connection, suspending until one arrives. Python: <c>accept()</c> (the address is the new socket's <see cref="RemoteEndPoint"/>).</summary>
    public async ValueTask<HubSocket> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // Poll first: a non-blocking Accept reports EAGAIN with an exception, and exceptions cost microseconds.
            if (Socket.Poll(0, SelectMode.SelectRead))
            {
                try
                {
                    return new HubSocket(Socket.Accept());
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
                {
                    // Another process took it first: wait again.
                }
            }
            await WaitReadyAsync(write: false, cancellationToken);
        }
    }

    /// <summary>Connects to <paramref name="remote"/>, suspending until the handshake is done. Python: <c>connect(address)</c>.</summary>
    /// <exception cref="SocketException">The connection failed (refused, unreachable…).</exception>
    public async ValueTask ConnectAsync(EndPoint remote, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            Socket.Connect(remote);
            return;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            // The handshake is under way: writable means it finished, one way or the other.
        }
        await WaitReadyAsync(write: true, cancellationToken);
        var error = (int)Socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
        if (error != 0) throw new SocketException(error);
    }

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/> (an IP address). Python: <c>connect((host, port))</c>.</summary>
    public ValueTask ConnectAsync(IPAddress host, int port, CancellationToken cancellationToken = default) =>
        ConnectAsync(new IPEndPoint(host, port), cancellationToken);

    /// <summary>Receives at most <c>buffer.Length</c> bytes; 0 means the peer closed. Python: <c>recv(bufsize)</c> / <c>recv_into(buffer)</c>.</summary>
    /// <exception cref="SocketException">The connection failed (reset…).</exception>
    /// <exception cref="TimeoutException"><see cref="Timeout"/> passed first.</exception>
    public async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var count = Socket.Receive(buffer.Span, SocketFlags.None, out var error);
            if (error == SocketError.Success) return count;
            if (error != SocketError.WouldBlock) throw new SocketException((int)error);
            await WaitReadyAsync(write: false, cancellationToken);
        }
    }

    /// <summary>Sends what the kernel accepts now (at least one byte, waiting for room if none). Python: <c>send(data)</c>.</summary>
    /// <returns>How many bytes were sent.</returns>
    public async ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var count = Socket.Send(buffer.Span, SocketFlags.None, out var error);
            if (error == SocketError.Success) return count;
            if (error != SocketError.WouldBlock) throw new SocketException((int)error);
            await WaitReadyAsync(write: true, cancellationToken);
        }
    }

    /// <summary>Sends all of <paramref name="buffer"/>, suspending whenever the kernel's buffer is full. Python: <c>sendall(data)</c>.</summary>
    public async ValueTask SendAllAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var count = Socket.Send(buffer.Span, SocketFlags.None, out var error);
            if (error == SocketError.Success) buffer = buffer[count..];
            else if (error == SocketError.WouldBlock) await WaitReadyAsync(write: true, cancellationToken);
            else throw new SocketException((int)error);
        }
    }

    /// <summary>Shuts down one or both directions. Python: <c>shutdown(how)</c>.</summary>
    public void Shutdown(SocketShutdown how) => Socket.Shutdown(how);

    /// <summary>Closes the socket; coroutines parked on it get <see cref="ObjectDisposedException"/>. Python: <c>close()</c>.</summary>
    public void Close() => Dispose();

    /// <summary>Closes the socket, as <see cref="Close"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_watcher.Hub is { IsDead: false } hub && Thread.CurrentThread == hub.Owner.Thread)
        {
            _watcher.Cancel(new ObjectDisposedException(nameof(HubSocket), "The socket was closed while a coroutine waited on it."));
            hub.Unregister(_watcher);
        }
        if (!_leaveOpen) Socket.Dispose();
    }

    /// <summary>Python's repr, e.g. <c>&lt;HubSocket 127.0.0.1:5000 -&gt; 127.0.0.1:40312&gt;</c>.</summary>
    public override string ToString() => _disposed ? "<HubSocket closed>" : $"<HubSocket {LocalEndPoint} -> {RemoteEndPoint}>";

    // Parks the calling greenlet until the socket is ready in one direction (one state machine: the caller's).
    private IoWait WaitReadyAsync(bool write, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var hub = Hub.ForWait(write ? "HubSocket send" : "HubSocket receive", out var self);
        if (_watcher.Hub is null)
        {
            hub.Register(_watcher);
            _watcher.Hub = hub;
        }
        else if (_watcher.Hub != hub)
        {
            throw new InvalidOperationException($"{this} belongs to the hub of another thread.");
        }
        _watcher.EnsureFree(write);
        var seq = self.BeginWait();
        _watcher.Park(write, self, seq);
        hub.IoWaitBegins();
        HubPark park;
        try
        {
            park = hub.Park(self, seq, Timeout, cancellationToken);
        }
        catch
        {
            EndWait(hub, self, write);
            throw;
        }
        return new IoWait(this, hub, self, write, park);
    }

    private void EndWait(Hub hub, Greenlet self, bool write)
    {
        hub.IoWaitEnds();
        _watcher.Unpark(write, self);
    }

    // The awaitable of a readiness wait: ends the wait (uncounts it, frees the slot) however it ends.
    private readonly struct IoWait(HubSocket socket, Hub hub, Greenlet self, bool write, HubPark park) : System.Runtime.CompilerServices.ICriticalNotifyCompletion
    {
        public bool IsCompleted => park.IsCompleted;

        public IoWait GetAwaiter() => this;

        public void GetResult()
        {
            object? result;
            try
            {
                result = park.GetResult();
            }
            finally
            {
                socket.EndWait(hub, self, write);
            }
            if (result == Hub.TimedOut) throw new TimeoutException("timed out");
        }

        public void OnCompleted(Action continuation) => park.UnsafeOnCompleted(continuation);

        public void UnsafeOnCompleted(Action continuation) => park.UnsafeOnCompleted(continuation);
    }
}
