using System.Runtime.CompilerServices;
using System.Security.Authentication;

namespace Spindle.Managers;

/// <summary>
/// One client connection of a <see cref="ManagerServer"/>, served by a thread of its own as Python's
/// <c>Server.serve_client</c> is: authenticate, then read a request, run it, answer, repeat. A call that must wait
/// (a queue get, a lock acquire) runs as its awaitable twin while this thread goes on reading, so a
/// <see cref="Op.Cancel"/> or the client's disconnection stops the wait instead of leaving the thread stuck in it;
/// the reply is then written by whichever thread completes the wait.
/// </summary>
internal sealed class ServerConnection
{
    private static readonly byte[] s_ok = [(byte)Status.Ok];
    private static readonly byte[] s_cancelled = [(byte)Status.Cancelled];

    private readonly ManagerServer _server;
    private readonly FrameChannel _channel;
    private readonly ServerCall _call;
    private readonly WireWriter _reply = new();
    private readonly Lock _gate = new();
    private readonly Action _onPendingCompleted;
    private ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter _pendingAwaiter;
    private bool _pending;
    private int _calls;

    internal ServerConnection(ManagerServer server, FrameChannel channel)
    {
        _server = server;
        _channel = channel;
        _call = new ServerCall(this);
        _onPendingCompleted = OnPendingCompleted;
    }

    /// <summary>Serves the connection until the client leaves, breaks the protocol, or the server stops.</summary>
    internal void Run()
    {
        try
        {
            Authentication.AsServer(_channel, _server.AuthKey);
            _channel.MaxFrame = FrameChannel.MaxFrameBytes;
            CallerContext.Current = this;
            while (_channel.Receive(out var frame, Deadline.Infinite)) Handle(frame);
        }
        catch (Exception e) when (e is AuthenticationException or InvalidDataException or IOException or ObjectDisposedException)
        {
            // A wrong key, a malformed or oversized frame, or a broken socket: this connection only is dropped.
        }
        finally
        {
            lock (_gate)
            {
                if (_pending) _call.Cancel();
            }
            _channel.Dispose();
            _server.Forget(this);
        }
    }

    /// <summary>Wakes the serving thread and tells the client the server is gone (at shutdown).</summary>
    internal void Close() => _channel.ShutdownBoth();

    private void Handle(ReadOnlyMemory<byte> frame)
    {
        var reader = new WireReader(frame.Span);
        var op = (Op)reader.Byte();
        if (op == Op.Call)
        {
            var id = reader.Int64();
            var method = reader.Byte();
            Call(id, method, frame[(1 + 8 + 1)..]);
            return;
        }
        if (op == Op.Cancel)
        {
            var number = reader.Int32();
            reader.End();
            lock (_gate)
            {
                if (_pending && _call.Number == number) _call.Cancel();
            }
            return;
        }
        _reply.Clear();
        _reply.Byte((byte)Status.Ok);
        try
        {
            switch (op)
            {
                case Op.Create:
                    _server.Create(ref reader, _reply);
                    break;
                case Op.Release:
                    _server.Release(reader.Int64());
                    reader.End();
                    break;
                case Op.CountObjects:
                    reader.End();
                    _reply.Int32(_server.ObjectCount);
                    break;
                case Op.Shutdown:
                    reader.End();
                    _channel.Send(_reply.Written);
                    _server.Stop();
                    return;
                default:
                    throw new InvalidDataException($"Malformed manager request: unknown operation {(byte)op}.");
            }
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            _reply.Clear();
            RemoteErrors.Write(_reply, e);
        }
        _channel.Send(_reply.Written);
    }

    private void Call(long id, byte method, ReadOnlyMemory<byte> arguments)
    {
        lock (_gate)
        {
            // The client waits for each reply before its next call: one arriving now breaks the protocol.
            if (_pending) throw new InvalidDataException("Malformed manager request: a call arrived while the previous one was still running.");
        }
        var number = ++_calls;
        ValueTask running;
        try
        {
            var served = _server.Find(id);
            _call.Begin(number, method, arguments);
            running = served.Invoke(_call);
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            SendError(e);
            return;
        }
        if (running.IsCompleted)
        {
            Complete(running.ConfigureAwait(false).GetAwaiter());
            return;
        }
        lock (_gate)
        {
            _pending = true;
            _pendingAwaiter = running.ConfigureAwait(false).GetAwaiter();
        }
        _pendingAwaiter.UnsafeOnCompleted(_onPendingCompleted);
    }

    /// <summary>Runs on the thread that completed a waiting call: answers it. It must not throw (nothing would catch it).</summary>
    private void OnPendingCompleted()
    {
        ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter awaiter;
        lock (_gate)
        {
            awaiter = _pendingAwaiter;
            _pendingAwaiter = default;
            _pending = false;
        }
        try
        {
            Complete(awaiter);
        }
        catch (InvalidDataException)
        {
            Close();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The client is gone; nobody is waiting for this reply.
        }
    }

    /// <summary>Answers a finished call; an <see cref="InvalidDataException"/> (malformed arguments) propagates to drop the connection.</summary>
    private void Complete(ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter finished)
    {
        try
        {
            finished.GetResult();
        }
        catch (OperationCanceledException) when (_call.IsCancelled)
        {
            _channel.Send(s_cancelled);
            return;
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            SendError(e);
            return;
        }
        _channel.Send(s_ok, _call.Result.Written);
    }

    private void SendError(Exception e)
    {
        var error = new WireWriter();
        RemoteErrors.Write(error, e);
        _channel.Send(error.Written);
    }
}

/// <summary>
/// The connection a piece of server code runs for, carried through awaits: a re-entrant lock's owner is the client
/// connection (Python: the server thread serving it), even when its wait resumes on another thread.
/// </summary>
internal static class CallerContext
{
    private static readonly AsyncLocal<object?> s_current = new();

    internal static object? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }
}
