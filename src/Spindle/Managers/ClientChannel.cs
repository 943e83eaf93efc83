using System.Collections.Concurrent;
using System.Security.Authentication;
using Spindle.Ipc;

namespace Spindle.Managers;

/// <summary>
/// An authenticated connection from this process to a manager's server, used by one call at a time. Each thread has
/// its own connection per manager (Python: the thread-local connection of <c>BaseProxy</c>), so a lock acquired
/// through a proxy is owned by the calling thread, as in Python, and the server serves each thread on a thread of its
/// own.
/// </summary>
internal sealed class ClientChannel
{
    [ThreadStatic] private static ClientChannel? t_last;
    [ThreadStatic] private static List<ClientChannel>? t_channels;

    /// <summary>Connections lent to a thread whose own connection was busy (an async call of its still in flight).</summary>
    private static readonly ConcurrentDictionary<ManagerAddress, ConcurrentBag<ClientChannel>> s_spares = new();

    /// <summary>Every open connection of this process (weakly held), so a manager's shutdown can close those of every thread.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ClientChannel, object?> s_open = [];

    private static readonly byte[] s_doorbell = [(byte)Op.Doorbell];

    private readonly FrameChannel _frames;
    private readonly Lane? _lane;
    private int _busy;
    private int _calls;
    private int _laneSeq;
    private volatile bool _broken;

    private ClientChannel(FrameChannel frames, Lane? lane, ManagerAddress address, byte[] key, bool spare)
    {
        _frames = frames;
        _lane = lane;
        Address = address;
        Key = key;
        IsSpare = spare;
    }

    internal ManagerAddress Address { get; }

    internal byte[] Key { get; }

    /// <summary>The request being built; written after <see cref="BeginCall"/> or <see cref="Begin"/>.</summary>
    internal WireWriter Request { get; } = new();

    private bool IsSpare { get; }

    /// <summary>A connection for one call from this thread (its own, or a spare while its own is busy); give it back with <see cref="Return"/>.</summary>
    /// <exception cref="ManagerConnectionException">The manager cannot be reached.</exception>
    /// <exception cref="AuthenticationException">The manager refused the key.</exception>
    internal static ClientChannel Rent(ManagerAddress address, byte[] key)
    {
        if (t_last is { } last && last.Serves(address, key) && last.TryEnter()) return last;
        var channels = t_channels ??= [];
        channels.RemoveAll(static c => c._broken);
        foreach (var channel in channels)
        {
            if (!channel.Serves(address, key)) continue;
            if (channel.TryEnter())
            {
                t_last = channel;
                return channel;
            }
            return RentSpare(address, key);
        }
        var own = Open(address, key, spare: false);
        channels.Add(own);
        own.TryEnter();
        t_last = own;
        return own;
    }

    /// <summary>
    /// Opens a fresh connection and closes it: proves that a server listens at <paramref name="address"/> and accepts
    /// the key (a cached connection would prove neither). Python: what <c>BaseManager.connect()</c> does.
    /// </summary>
    /// <exception cref="ManagerConnectionException">The manager cannot be reached.</exception>
    /// <exception cref="AuthenticationException">The manager refused the key.</exception>
    internal static void Probe(ManagerAddress address, byte[] key) => Open(address, key, spare: true).Break();

    /// <summary>Ends the call: the connection is free for this thread's next call (a spare goes back to the shared bag).</summary>
    internal void Return()
    {
        Volatile.Write(ref _busy, 0);
        if (IsSpare && !_broken) s_spares.GetOrAdd(Address, static _ => []).Add(this);
    }

    /// <summary>Starts a call of method <paramref name="method"/> of object <paramref name="id"/>; the arguments follow in <see cref="Request"/>.</summary>
    internal WireWriter BeginCall(long id, byte method)
    {
        Request.Clear();
        Request.Byte((byte)Op.Call);
        Request.Int64(id);
        Request.Byte(method);
        return Request;
    }

    /// <summary>Starts a request of another kind (create, release…).</summary>
    internal WireWriter Begin(Op op)
    {
        Request.Clear();
        Request.Byte((byte)op);
        return Request;
    }

    /// <summary>Sends the request and waits for its reply; returns the result.</summary>
    /// <exception cref="ManagerConnectionException">The server has gone away (the message says so).</exception>
    /// <exception cref="Exception">What the server-side call threw, with its type.</exception>
    internal WireReader Invoke()
    {
        var (_, seq) = Send();
        ReadOnlySpan<byte> reply;
        try
        {
            reply = WaitForReply(seq);
        }
        catch (Exception e) when (IsBreak(e))
        {
            throw Broken(e);
        }
        return Result(reply); // outside the try: an IOException the server-side call threw is not a broken connection
    }

    /// <summary>The reply to lane message <paramref name="seq"/> (or the next frame, without a lane), waiting as the class says.</summary>
    private ReadOnlySpan<byte> WaitForReply(int seq)
    {
        if (_lane is null) return ReceiveFrame().Span;
        if (_lane.Spin(LaneSide.Reply, seq, out var start)) return LaneReply();
        while (_lane.PrepareSleep(LaneSide.Reply, seq))
        {
            var frame = ReceiveFrame();
            _lane.Awake(LaneSide.Reply);
            if (!IsDoorbell(frame)) return frame.Span; // a reply too large for the lane
        }
        _lane.Blocked(start);
        return LaneReply();
    }

    /// <summary>
    /// Sends the request and waits for its reply without blocking the caller. Cancellation asks the server to stop the
    /// call; if it finished first, its result stands.
    /// </summary>
    internal async Task<ReadOnlyMemory<byte>> InvokeAsync(CancellationToken cancellationToken)
    {
        var (number, seq) = Send();
        var token = cancellationToken;
        byte[] reply;
        try
        {
            while (true)
            {
                if (_lane is null ? _frames.SpinForData() : _lane.Spin(LaneSide.Reply, seq, out _) || !_lane.PrepareSleep(LaneSide.Reply, seq))
                {
                    reply = _lane is null ? ReceiveFrame().ToArray() : LaneReply().ToArray();
                    break;
                }
                try
                {
                    await _frames.WaitReadableAsync(token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    // The server will answer the call, cancelled or not: keep waiting for that answer.
                    SendCancel(number);
                    token = CancellationToken.None;
                    continue;
                }
                var frame = ReceiveFrame();
                _lane?.Awake(LaneSide.Reply);
                if (!IsDoorbell(frame))
                {
                    reply = frame.ToArray();
                    break;
                }
            }
        }
        catch (Exception e) when (IsBreak(e))
        {
            throw Broken(e);
        }
        if (reply[0] == (byte)Status.Cancelled) throw new OperationCanceledException(cancellationToken);
        Result(reply);
        return reply.AsMemory(1);
    }

    private static ClientChannel RentSpare(ManagerAddress address, byte[] key)
    {
        if (s_spares.TryGetValue(address, out var bag))
        {
            while (bag.TryTake(out var spare))
            {
                if (!spare._broken && spare.Serves(address, key) && spare.TryEnter()) return spare;
            }
        }
        var fresh = Open(address, key, spare: true);
        fresh.TryEnter();
        return fresh;
    }

    private static ClientChannel Open(ManagerAddress address, byte[] key, bool spare)
    {
        var frames = FrameChannel.Connect(address);
        Lane? lane;
        try
        {
            Authentication.AsClient(frames, key);
            frames.MaxFrame = FrameChannel.MaxFrameBytes;
            lane = address.IsTcp ? null : AttachLane(frames);
        }
        catch
        {
            frames.Dispose();
            throw;
        }
        var channel = new ClientChannel(frames, lane, address, key, spare);
        s_open.AddOrUpdate(channel, null);
        return channel;
    }

    /// <summary>
    /// On a Unix socket the server is on this machine: map the lane it offers (<see cref="Op.Attach"/>) and tell it to
    /// use it (<see cref="Op.UseLane"/>). A lane that cannot be mapped leaves the connection on the socket alone.
    /// </summary>
    private static Lane? AttachLane(FrameChannel frames)
    {
        frames.Send([(byte)Op.Attach]);
        if (!frames.Receive(out var offer, Deadline.Infinite)) throw new EndOfStreamException("The manager closed the connection.");
        var reader = new WireReader(offer.Span);
        if ((Status)reader.Byte() != Status.Ok) return null;
        Lane lane;
        try
        {
            lane = Lane.Import(reader.Blob());
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            return null; // e.g. a server of another user: /proc does not let us open its memory
        }
        frames.Send([(byte)Op.UseLane]);
        if (!frames.Receive(out var accepted, Deadline.Infinite) || accepted.Span[0] != (byte)Status.Ok)
        {
            lane.Dispose();
            throw new EndOfStreamException("The manager closed the connection while attaching the lane.");
        }
        return lane;
    }

    /// <summary>
    /// Closes this process's connections to <paramref name="address"/> once its server is gone (every thread keeps its
    /// own, which would otherwise hold a descriptor until that thread's next call finds it broken).
    /// </summary>
    internal static void Retire(ManagerAddress address)
    {
        foreach (var (channel, _) in s_open)
        {
            if (!channel.Address.Equals(address)) continue;
            // Only the socket: a call in flight on another thread may be reading the lane; it unmaps it when it
            // finds the socket closed, and an idle connection's lane goes with the object.
            channel._broken = true;
            channel._frames.Dispose();
            s_open.Remove(channel);
        }
        s_spares.TryRemove(address, out _);
    }

    private bool Serves(ManagerAddress address, byte[] key) =>
        (ReferenceEquals(Address, address) || Address.Equals(address)) && (ReferenceEquals(Key, key) || Key.AsSpan().SequenceEqual(key));

    private bool TryEnter() => !_broken && Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    /// <summary>
    /// Sends the request — through the lane (announcing it there and sending it on the socket when it is too large),
    /// else on the socket — and returns its call number (what a cancel names) and its lane number.
    /// </summary>
    private (int Call, int Seq) Send()
    {
        var request = Request.Written;
        var number = request[0] == (byte)Op.Call ? ++_calls : 0;
        try
        {
            if (_lane is null)
            {
                _frames.Send(request);
                return (number, 0);
            }
            var seq = ++_laneSeq;
            if (!Lane.Fits(request.Length)) _frames.Send(request);
            if (_lane.Post(LaneSide.Request, request, default, seq)) _frames.Send(s_doorbell);
            return (number, seq);
        }
        catch (Exception e) when (IsBreak(e))
        {
            throw Broken(e);
        }
    }

    /// <summary>The next frame on the socket; the end of the stream means the server has gone.</summary>
    private ReadOnlyMemory<byte> ReceiveFrame()
    {
        if (!_frames.Receive(out var frame, Deadline.Infinite, spin: _lane is null) || frame.Length == 0)
            throw new EndOfStreamException($"The manager at {Address} closed the connection: it has shut down or stopped.");
        return frame;
    }

    /// <summary>The reply the lane announced: in the lane, or on the socket (after any doorbells) when it was too large.</summary>
    private ReadOnlySpan<byte> LaneReply()
    {
        if (_lane!.TryRead(LaneSide.Reply, out var reply)) return reply;
        var frame = ReceiveFrame();
        while (IsDoorbell(frame)) frame = ReceiveFrame();
        return frame.Span;
    }

    private static bool IsDoorbell(ReadOnlyMemory<byte> frame) => frame.Length == 1 && frame.Span[0] == (byte)Status.Doorbell;

    private void SendCancel(int number)
    {
        var cancel = new WireWriter();
        cancel.Byte((byte)Op.Cancel);
        cancel.Int32(number);
        try
        {
            _frames.Send(cancel.Written);
        }
        catch (Exception e) when (IsBreak(e))
        {
            throw Broken(e);
        }
    }

    private static WireReader Result(ReadOnlySpan<byte> reply)
    {
        var reader = new WireReader(reply);
        switch ((Status)reader.Byte())
        {
            case Status.Ok:
                return reader;
            case Status.Error:
                throw RemoteErrors.Read(ref reader);
            case Status.Cancelled:
                throw new OperationCanceledException("The manager cancelled the call.");
            default:
                throw new InvalidDataException($"The manager sent a reply of unknown kind {reply[0]}.");
        }
    }

    private static bool IsBreak(Exception e) => e is IOException or InvalidDataException or ObjectDisposedException;

    /// <summary>Retires this connection and says why the call failed: the server is gone, or dropped us.</summary>
    private ManagerConnectionException Broken(Exception e)
    {
        Break();
        return new ManagerConnectionException($"The connection to the manager at {Address} broke: {e.Message} (the manager has shut down or stopped).", e);
    }

    /// <summary>Retires this connection (by the thread using it, which may also unmap the lane).</summary>
    private void Break()
    {
        _broken = true;
        _frames.Dispose();
        _lane?.Dispose();
    }
}
