using System.Collections.Concurrent;
using System.Security.Authentication;

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

    private readonly FrameChannel _frames;
    private int _busy;
    private int _calls;
    private volatile bool _broken;

    private ClientChannel(FrameChannel frames, ManagerAddress address, byte[] key, bool spare)
    {
        _frames = frames;
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
    internal static void Probe(ManagerAddress address, byte[] key) => Open(address, key, spare: true)._frames.Dispose();

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
        Send();
        return Result(ReceiveReply());
    }

    /// <summary>
    /// Sends the request and waits for its reply without blocking the caller. Cancellation asks the server to stop the
    /// call; if it finished first, its result stands.
    /// </summary>
    internal async Task<ReadOnlyMemory<byte>> InvokeAsync(CancellationToken cancellationToken)
    {
        var number = Send();
        if (!_frames.SpinForData())
        {
            try
            {
                await WaitForReply(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                SendCancel(number);
                await WaitForReply(CancellationToken.None).ConfigureAwait(false);
            }
        }
        var reply = ReceiveReply();
        if (reply.Span[0] == (byte)Status.Cancelled) throw new OperationCanceledException(cancellationToken);
        Result(reply);
        return reply[1..];
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
        try
        {
            Authentication.AsClient(frames, key);
        }
        catch
        {
            frames.Dispose();
            throw;
        }
        frames.MaxFrame = FrameChannel.MaxFrameBytes;
        var channel = new ClientChannel(frames, address, key, spare);
        s_open.AddOrUpdate(channel, null);
        return channel;
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
            channel.Break();
            s_open.Remove(channel);
        }
        s_spares.TryRemove(address, out _);
    }

    private bool Serves(ManagerAddress address, byte[] key) =>
        (ReferenceEquals(Address, address) || Address.Equals(address)) && (ReferenceEquals(Key, key) || Key.AsSpan().SequenceEqual(key));

    private bool TryEnter() => !_broken && Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    /// <summary>Sends the request; returns its call number (calls are numbered so a cancel names one).</summary>
    private int Send()
    {
        var number = Request.Written[0] == (byte)Op.Call ? ++_calls : 0;
        try
        {
            _frames.Send(Request.Written);
        }
        catch (Exception e) when (IsBreak(e))
        {
            throw Broken(e);
        }
        return number;
    }

    private ReadOnlyMemory<byte> ReceiveReply()
    {
        ReadOnlyMemory<byte> frame;
        bool received;
        try
        {
            received = _frames.Receive(out frame, Deadline.Infinite);
        }
        catch (Exception e) when (IsBreak(e))
        {
            throw Broken(e);
        }
        if (!received || frame.Length == 0)
        {
            Break();
            throw new ManagerConnectionException($"The manager at {Address} closed the connection: it has shut down or stopped.");
        }
        return frame;
    }

    private async Task WaitForReply(CancellationToken cancellationToken)
    {
        try
        {
            await _frames.WaitReadableAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsBreak(e))
        {
            throw Broken(e);
        }
    }

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

    private static WireReader Result(ReadOnlyMemory<byte> reply)
    {
        var reader = new WireReader(reply.Span);
        switch ((Status)reader.Byte())
        {
            case Status.Ok:
                return reader;
            case Status.Error:
                throw RemoteErrors.Read(ref reader);
            case Status.Cancelled:
                throw new OperationCanceledException("The manager cancelled the call.");
            default:
                throw new ManagerConnectionException($"The manager sent a reply of unknown kind {reply.Span[0]}.");
        }
    }

    private static bool IsBreak(Exception e) => e is IOException or InvalidDataException or ObjectDisposedException;

    /// <summary>Retires this connection and says why the call failed: the server is gone, or dropped us.</summary>
    private ManagerConnectionException Broken(Exception e)
    {
        Break();
        return new ManagerConnectionException($"The connection to the manager at {Address} broke: {e.Message} (the manager has shut down or stopped).", e);
    }

    private void Break()
    {
        _broken = true;
        _frames.Dispose();
    }
}
