using System.Runtime.CompilerServices;
using System.Security.Authentication;
using Spindle.Ipc;

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
    private static readonly byte[] s_doorbell = [(byte)Status.Doorbell];

    private readonly ManagerServer _server;
    private readonly FrameChannel _channel;
    private readonly ServerCall _call;
    private readonly WireWriter _reply = new();
    private readonly Lock _gate = new();
    private readonly Action _onPendingCompleted;
    private ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter _pendingAwaiter;
    private bool _pending;
    private int _calls;
    private Lane? _offered;
    private Lane? _lane;
    private int _laneSeq;
    private bool _laneClosed;
    private byte[] _laneRequest = [];

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
            while (NextRequest(out var request)) Handle(request);
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
                _laneClosed = true; // a reply still to come goes nowhere; the lane can go
            }
            _offered?.Dispose();
            _channel.Dispose();
            _server.Forget(this);
        }
    }

    /// <summary>Wakes the serving thread and tells the client the server is gone (at shutdown).</summary>
    internal void Close() => _channel.ShutdownBoth();

    /// <summary>
    /// The next request: from the socket; or, once the client uses a lane, from the lane — spinning for it, then
    /// sleeping on the socket (where a doorbell wakes us). Cancels and doorbells on the socket are handled on the way.
    /// False when the client has gone.
    /// </summary>
    private bool NextRequest(out ReadOnlyMemory<byte> request)
    {
        while (true)
        {
            var expected = _laneSeq + 1;
            long start = 0;
            if (_lane is not null && !Pending)
            {
                if (_lane.Spin(LaneSide.Request, expected, out start)) return TakeFromLane(expected, out request);
            }
            if (_lane is not null && !_lane.PrepareSleep(LaneSide.Request, expected)) return TakeFromLane(expected, out request);
            var received = _channel.Receive(out var frame, Deadline.Infinite, spin: _lane is null);
            if (_lane is not null)
            {
                _lane.Awake(LaneSide.Request);
                if (start != 0) _lane.Blocked(start);
            }
            if (!received) break;
            if (IsControl(frame)) continue;
            // A request on the socket: without a lane, every one; with it, one too large for the lane (which takes its number).
            if (_lane is not null) _laneSeq = expected;
            request = frame;
            return true;
        }
        request = default;
        return false;
    }

    private bool Pending
    {
        get
        {
            lock (_gate) return _pending;
        }
    }

    /// <summary>Takes lane message <paramref name="seq"/>, copied out (the client could change it while we read it), or the socket frame it announces.</summary>
    private bool TakeFromLane(int seq, out ReadOnlyMemory<byte> request)
    {
        _laneSeq = seq;
        if (_lane!.TryRead(LaneSide.Request, out var message))
        {
            if (_laneRequest.Length < message.Length) _laneRequest = new byte[Math.Max(message.Length, 256)];
            message.CopyTo(_laneRequest);
            request = _laneRequest.AsMemory(0, message.Length);
            return true;
        }
        while (_channel.Receive(out var frame, Deadline.Infinite))
        {
            if (IsControl(frame)) continue;
            request = frame;
            return true;
        }
        request = default;
        return false;
    }

    /// <summary>Handles a doorbell (nothing to do: the caller looks at the lane again) or a cancel; false for a request.</summary>
    private bool IsControl(ReadOnlyMemory<byte> frame)
    {
        var reader = new WireReader(frame.Span);
        switch ((Op)reader.Byte())
        {
            case Op.Doorbell:
                reader.End();
                return true;
            case Op.Cancel:
                var number = reader.Int32();
                reader.End();
                lock (_gate)
                {
                    if (_pending && _call.Number == number) _call.Cancel();
                }
                return true;
            default:
                return false;
        }
    }

    /// <summary>Answers the current request: in the lane when there is one (and the reply fits), else on the socket.</summary>
    private void Reply(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body = default)
    {
        if (_lane is null)
        {
            _channel.Send(head, body);
            return;
        }
        bool ring;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_laneClosed, this);
            if (!Lane.Fits(head.Length + body.Length)) _channel.Send(head, body);
            ring = _lane.Post(LaneSide.Reply, head, body, _laneSeq);
        }
        if (ring) _channel.Send(s_doorbell);
    }

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
        if (op is Op.Attach or Op.UseLane)
        {
            reader.End();
            Attach(op);
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
                    Reply(_reply.Written);
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
        Reply(_reply.Written);
    }

    /// <summary>
    /// <see cref="Op.Attach"/>: offers a lane (only to a client on a Unix socket, which shares this machine);
    /// <see cref="Op.UseLane"/>: the client has mapped it, and from now on requests and replies go through it. Both
    /// are answered on the socket.
    /// </summary>
    private void Attach(Op op)
    {
        if (_lane is not null) throw new InvalidDataException("Malformed manager request: the lane is already in use.");
        if (op == Op.UseLane)
        {
            _lane = _offered ?? throw new InvalidDataException("Malformed manager request: no lane was offered.");
            _channel.Send(s_ok);
            return;
        }
        var reply = new WireWriter();
        try
        {
            if (_server.Address.IsTcp) throw new InvalidOperationException("A lane is only offered over a Unix socket.");
            _offered ??= Lane.Create();
            reply.Byte((byte)Status.Ok);
            reply.Blob(_offered.Export());
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            reply.Clear();
            RemoteErrors.Write(reply, e);
        }
        _channel.Send(reply.Written);
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
            Complete(awaiter, clientMayBeGone: true);
        }
        catch (InvalidDataException)
        {
            Close();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            GiveBack(); // the client is gone: nobody is waiting for this reply
        }
    }

    /// <summary>Undoes what the call took for a client that is gone (<see cref="ServerCall.OnUndelivered"/>), as that client.</summary>
    private void GiveBack()
    {
        var outer = CallerContext.Current;
        CallerContext.Current = this; // a re-entrant lock is released by its owner
        try
        {
            _call.GiveBack();
        }
#pragma warning disable CA1031 // this runs on the thread that completed the wait, which must not fail for it
        catch (Exception e)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"Spindle manager at {_server.Address}: undoing the call of a client that has gone failed: {e}");
        }
        finally
        {
            CallerContext.Current = outer;
        }
    }

    /// <summary>
    /// Answers a finished call; an <see cref="InvalidDataException"/> (malformed arguments) propagates to drop the
    /// connection. A call that waited (<paramref name="clientMayBeGone"/>) first checks its client is still there: one
    /// that died while it waited gets nothing, and what the call took is given back.
    /// </summary>
    private void Complete(ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter finished, bool clientMayBeGone = false)
    {
        try
        {
            finished.GetResult();
        }
        catch (OperationCanceledException) when (_call.IsCancelled)
        {
            Reply(s_cancelled);
            return;
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            SendError(e);
            return;
        }
        if (clientMayBeGone && _channel.PeerHasClosed)
        {
            GiveBack();
            return;
        }
        Reply(s_ok, _call.Result.Written);
    }

    private void SendError(Exception e)
    {
        var error = new WireWriter();
        RemoteErrors.Write(error, e);
        Reply(error.Written);
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
