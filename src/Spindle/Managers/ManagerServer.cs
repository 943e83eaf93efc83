using System.Collections.Concurrent;
using Spindle.Ipc;
using Spindle.Native;

namespace Spindle.Managers;

/// <summary>
/// The server of a manager: it listens, authenticates each connection, serves it on a thread of its own, and owns
/// the shared objects, each under a numeric id with a count of the creators' proxies that hold it. Python:
/// <c>multiprocessing.managers.Server</c>.
/// </summary>
internal sealed class ManagerServer : IDisposable
{
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<long, Entry> _objects = new();
    private readonly Dictionary<object, long> _ids = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<ServerConnection, Thread> _connections = [];
    private readonly Dictionary<string, Registration> _registry;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _listener;
    private readonly Thread _acceptor;
    private long _nextId;
    private bool _stopping;

    /// <summary>Binds and listens (nothing is accepted before <see cref="Start"/>).</summary>
    /// <exception cref="IOException">The address cannot be bound (in use, no permission…); the message names it.</exception>
    internal ManagerServer(ManagerAddress address, byte[] authKey, IEnumerable<Registration> registrations)
    {
        AuthKey = authKey;
        _registry = registrations.ToDictionary(r => r.TypeId, StringComparer.Ordinal);
        (_listener, Address) = StreamSockets.Listen(address, 128, "The manager");
        _acceptor = new Thread(Accept) { IsBackground = true, Name = "spindle-manager-acceptor" };
    }

    /// <summary>Where the server listens (with the port the kernel picked for a TCP address given port 0).</summary>
    internal ManagerAddress Address { get; }

    internal byte[] AuthKey { get; }

    /// <summary>How many shared objects the server holds. Python: <c>Server.number_of_objects</c>.</summary>
    internal int ObjectCount => _objects.Count;

    /// <summary>Starts accepting connections. Python: <c>Server.serve_forever</c> (its accepter thread).</summary>
    internal void Start() => _acceptor.Start();

    /// <summary>Completes once the server has stopped (by <see cref="Stop"/> or a client's <see cref="Op.Shutdown"/>).</summary>
    internal Task Stopped => _stopped.Task;

    /// <summary>
    /// Stops: no new connections, every client connection shut down (a blocked client sees the end of the stream at
    /// once, a waiting call is cancelled), the objects dropped, a Unix socket file removed. Safe to call twice.
    /// </summary>
    internal void Stop()
    {
        List<ServerConnection> connections;
        lock (_gate)
        {
            if (_stopping) return;
            _stopping = true;
            connections = [.. _connections.Keys];
        }
        Libc.Shutdown(_listener, Libc.SHUT_RDWR); // wakes the acceptor out of accept(2)
        if (_acceptor.IsAlive && Thread.CurrentThread != _acceptor) _acceptor.Join();
        Libc.CloseFd(_listener);
        if (!Address.IsTcp && !Address.Path!.StartsWith('@')) File.Delete(Address.Path);
        foreach (var connection in connections) connection.Close();
        _objects.Clear();
        lock (_gate) _ids.Clear();
        _stopped.TrySetResult();
    }

    /// <summary>Waits (boundedly) for the connection threads to finish after <see cref="Stop"/>, so a server run in this process leaves none behind.</summary>
    internal void JoinConnections(TimeSpan timeout)
    {
        List<Thread> threads;
        lock (_gate) threads = [.. _connections.Values];
        var deadline = Deadline.Start(timeout);
        foreach (var thread in threads) thread.Join(deadline.Remaining);
    }

    public void Dispose() => Stop();

    /// <summary>The object with id <paramref name="id"/>.</summary>
    /// <exception cref="ObjectDisposedException">No such object: it was released, or never existed here.</exception>
    internal Served Find(long id) =>
        _objects.TryGetValue(id, out var entry) ? entry.Served
        : throw new ObjectDisposedException(
            $"The manager holds no shared object {id}: the proxy its creator got from the manager was disposed, or the id belongs to another manager.",
            (Exception?)null);

    /// <summary>Makes a shared object from a <see cref="Op.Create"/> request; writes its id.</summary>
    internal void Create(ref WireReader request, WireWriter reply)
    {
        var typeId = request.String();
        object referent;
        Served served;
        if (BuiltinTypes.IsBuiltin(typeId))
        {
            served = BuiltinTypes.Create(typeId, ref request, this);
            referent = served;
        }
        else if (_registry.TryGetValue(typeId, out var registration))
        {
            (referent, served) = registration.Create(ref request);
        }
        else
        {
            throw new ArgumentException($"The manager has no type '{typeId}': register it (Manager.Register) before the manager starts.");
        }
        request.End();
        reply.Int64(Add(referent, served));
    }

    /// <summary>Drops one creator's reference; the object goes when none is left. Python: <c>Server.decref</c>.</summary>
    internal void Release(long id)
    {
        lock (_gate)
        {
            if (!_objects.TryGetValue(id, out var entry)) return;
            if (--entry.Refs > 0) return;
            _objects.TryRemove(id, out _);
            _ids.Remove(entry.Referent);
        }
    }

    /// <summary>Removes a connection whose thread has ended.</summary>
    internal void Forget(ServerConnection connection)
    {
        lock (_gate) _connections.Remove(connection);
    }

    /// <summary>The same referent (a registered factory returning one shared object) keeps one id, with one more reference.</summary>
    private long Add(object referent, Served served)
    {
        lock (_gate)
        {
            if (_stopping) throw new ObjectDisposedException(nameof(Manager), "The manager is shutting down.");
            if (_ids.TryGetValue(referent, out var known) && _objects.TryGetValue(known, out var entry))
            {
                entry.Refs++;
                return known;
            }
            var id = ++_nextId;
            _objects[id] = new Entry(referent, served);
            _ids[referent] = id;
            return id;
        }
    }

    private unsafe void Accept()
    {
        while (true)
        {
            var fd = Libc.Accept4(_listener, null, null, Libc.SOCK_CLOEXEC);
            if (fd < 0)
            {
                var errno = Libc.LastErrno;
                lock (_gate)
                {
                    if (_stopping) return;
                }
                if (errno is Libc.EINTR or Libc.ECONNABORTED) continue;
                // Out of descriptors or memory: back off rather than spin; the clients waiting in the backlog stay there.
                if (errno is Libc.EMFILE or Libc.ENFILE or Libc.ENOBUFS or Libc.ENOMEM)
                {
                    Thread.Sleep(10);
                    continue;
                }
                Console.Error.WriteLine($"Spindle manager at {Address}: accept failed ({Libc.Describe(errno)}); no longer accepting connections.");
                return;
            }
            if (Address.IsTcp) Libc.EnableOption(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY);
            var connection = new ServerConnection(this, FrameChannel.FromAccepted(fd));
            var thread = new Thread(connection.Run) { IsBackground = true, Name = "spindle-manager-connection" };
            lock (_gate)
            {
                if (_stopping)
                {
                    connection.Close();
                    return;
                }
                _connections.Add(connection, thread);
            }
            thread.Start();
        }
    }

    private sealed class Entry(object referent, Served served)
    {
        public object Referent { get; } = referent;

        public Served Served { get; } = served;

        public int Refs { get; set; } = 1;
    }
}
