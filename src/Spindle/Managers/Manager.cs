using System.Globalization;
using Spindle.Ipc;
using Spindle.Processes;

namespace Spindle.Managers;

/// <summary>
/// A server that owns shared objects — dictionaries, lists, namespaces, values, arrays, queues, locks, conditions,
/// events, barriers and registered types — and the proxies through which other processes use them. Python:
/// <c>multiprocessing.Manager()</c> / <c>SyncManager</c>, and <c>BaseManager(address, authkey)</c>.
/// </summary>
/// <remarks>
/// <para>Three ways to use one. <see cref="Start"/> (or <see cref="StartNew"/>) runs the server in a child process that
/// stops at <see cref="Shutdown"/>/<see cref="Dispose"/> or when this process dies (Python's <c>start()</c>).
/// <see cref="Serve"/> runs it in this process until stopped (Python's <c>get_server().serve_forever()</c>).
/// <see cref="Connect"/> uses a server another program runs (Python's <c>connect()</c>).</para>
/// <para>The server listens on <see cref="Address"/>: by default a Unix socket in Linux's abstract namespace (nothing
/// on disk), or the path or TCP address given (TCP on loopback unless another address is given on purpose). Every
/// connection first passes an HMAC challenge over <see cref="AuthKey"/> in both directions; nothing a peer sends
/// before that is decoded, and a peer with the wrong key is refused while the server goes on serving the others.</para>
/// <para>Proxies travel to child processes and pool tasks (as arguments or captures) and keep working there.</para>
/// </remarks>
public sealed class Manager : IDisposable
{
    private static int s_started;

    private readonly System.Threading.Lock _gate = new();
    private readonly byte[] _authKey;
    private readonly List<Registration> _registrations = [];
    private ManagerAddress? _address;
    private State _state;
    private SpindleProcess? _process;
    private Connection? _owner;
    private ManagerServer? _server;

    /// <summary>A manager to <see cref="Start"/>, <see cref="Serve"/> or <see cref="Connect"/>. Python: <c>BaseManager(address=None, authkey=None)</c>.</summary>
    /// <param name="address">Where the server listens (or is reached); null picks a fresh abstract Unix socket name at start.</param>
    /// <param name="authKey">The shared secret; null uses this process's <see cref="Processes.Processes.AuthKey"/>, as Python uses <c>current_process().authkey</c>.</param>
    /// <exception cref="ArgumentException">The key is empty.</exception>
    public Manager(ManagerAddress? address = null, byte[]? authKey = null)
    {
        if (authKey is { Length: 0 }) throw new ArgumentException("An authkey must not be empty.", nameof(authKey));
        _address = address;
        _authKey = authKey is null ? ProcessIdentity.AuthKey : [.. authKey];
    }

    private enum State
    {
        Initial,
        Started,
        Serving,
        Connected,
        ShutDown,
    }

    /// <summary>
    /// Where the server listens: the address given, or — once started or serving — the one bound (a fresh abstract
    /// Unix socket name, or the TCP port the system picked for port 0); null before that. Python: <c>BaseManager.address</c>.
    /// </summary>
    public ManagerAddress? Address => _address;

    /// <summary>A copy of the key connections authenticate with. Python: <c>BaseManager._authkey</c>.</summary>
    public byte[] AuthKey => [.. _authKey];

    /// <summary>Creates a manager and starts its server process. Python: <c>multiprocessing.Manager()</c>.</summary>
    /// <exception cref="IOException">The address cannot be bound.</exception>
    public static Manager StartNew(ManagerAddress? address = null, byte[]? authKey = null)
    {
        var manager = new Manager(address, authKey);
        try
        {
            manager.Start();
            return manager;
        }
        catch
        {
            manager.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Registers a type whose objects the server makes with <paramref name="factory"/> and serves through
    /// <typeparamref name="TInterface"/>; clients get proxies with <see cref="Create{TInterface}(string)"/>. Only
    /// the interface's methods can be called. A factory that returns the same object each time shares that one
    /// object (Python's remote-queue recipe). Python: <c>BaseManager.register(typeid, callable)</c>.
    /// </summary>
    /// <param name="typeId">The name clients ask for.</param>
    /// <param name="factory">Runs in the server process: for <see cref="Start"/> it crosses there, so its captures must be transferable; for <see cref="Serve"/> it runs here.</param>
    /// <exception cref="ArgumentException">The id is taken or built in, or the interface has a method that cannot be served.</exception>
    /// <exception cref="InvalidOperationException">The manager has already started.</exception>
    public void Register<TInterface>(string typeId, Func<TInterface> factory) where TInterface : class => Add(typeId, factory, typeof(TInterface));

    /// <summary>
    /// Registers a type whose objects the server makes from an argument (<see cref="Create{TInterface, TArg}"/>).
    /// Python: <c>BaseManager.register(typeid, callable)</c> with a callable that takes arguments.
    /// </summary>
    /// <exception cref="ArgumentException">The id is taken or built in, or the interface has a method that cannot be served.</exception>
    /// <exception cref="InvalidOperationException">The manager has already started.</exception>
    public void Register<TInterface, TArg>(string typeId, Func<TArg, TInterface> factory) where TInterface : class => Add(typeId, factory, typeof(TInterface));

    /// <summary>Starts the server in a child process. Python: <c>BaseManager.start()</c>.</summary>
    /// <exception cref="InvalidOperationException">Already started (or serving, connected, shut down), or called in a daemon process.</exception>
    /// <exception cref="IOException">The server cannot listen at <see cref="Address"/>.</exception>
    /// <exception cref="Spindle.Serialization.NotTransferableException">A registered factory cannot cross to the server process.</exception>
    public void Start()
    {
        lock (_gate)
        {
            Begin(State.Started);
            var (owner, serverEnd) = Pipe.Create();
            try
            {
                var start = new ServerStart(serverEnd, _address?.ToString(), _authKey, [.. _registrations]);
                _process = SpindleProcess.Create(RunServerProcess, start,
                    name: string.Create(CultureInfo.InvariantCulture, $"SyncManager-{Interlocked.Increment(ref s_started)}"));
                _process.Start();
            }
            catch
            {
                owner.Dispose();
                _process = null;
                _state = State.Initial;
                throw;
            }
            finally
            {
                serverEnd.Dispose(); // the child has its own copy now
            }
            _owner = owner;
            ChildRegistry.AddExitAction(this, Shutdown);
            try
            {
                _address = ReadStartReply(owner);
            }
            catch
            {
                StopProcess();
                throw;
            }
        }
    }

    /// <summary>
    /// Runs the server in this process until <see cref="Shutdown"/> (from another thread), a client's shutdown request,
    /// or <paramref name="cancellationToken"/>. <see cref="Address"/> is set once listening. Python:
    /// <c>manager.get_server().serve_forever()</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Already started, serving, connected or shut down.</exception>
    /// <exception cref="IOException">The server cannot listen at <see cref="Address"/>.</exception>
    public void Serve(CancellationToken cancellationToken = default) => ServeAsync(cancellationToken).GetAwaiter().GetResult();

    /// <summary>
    /// Starts serving in this process and returns at once (<see cref="Address"/> is then set); the task completes when the
    /// server stops. Awaitable twin of <see cref="Serve"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Already started, serving, connected or shut down.</exception>
    /// <exception cref="IOException">The server cannot listen at <see cref="Address"/>.</exception>
    public Task ServeAsync(CancellationToken cancellationToken = default)
    {
        ManagerServer server;
        lock (_gate)
        {
            Begin(State.Serving);
            try
            {
                server = new ManagerServer(_address ?? ManagerAddress.CreateDefault(), _authKey, _registrations);
            }
            catch
            {
                _state = State.Initial;
                throw;
            }
            _server = server;
            _address = server.Address;
            server.Start();
        }
        return WaitServedAsync(server, cancellationToken);
    }

    /// <summary>
    /// Connects to a server that another program runs (with <see cref="Serve"/> or <see cref="Start"/>) at <see cref="Address"/>,
    /// checking the key. Python: <c>BaseManager.connect()</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No address was given, or the manager is already in use.</exception>
    /// <exception cref="ManagerConnectionException">Nothing listens there.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The server refused the key (Python: <c>AuthenticationError</c>).</exception>
    public void Connect()
    {
        lock (_gate)
        {
            if (_address is null) throw new InvalidOperationException("Connect needs the address of the manager's server: pass it to the constructor.");
            Begin(State.Connected);
            try
            {
                ClientChannel.Probe(_address, _authKey);
            }
            catch
            {
                _state = State.Initial;
                throw;
            }
        }
    }

    /// <summary>
    /// Stops the server: its process exits (started), or it stops serving (served here), or — for a connected manager —
    /// it is asked to stop, as any authenticated client may. Clients then get a <see cref="ManagerConnectionException"/>;
    /// one blocked in a call gets it at once. Safe to call twice. Python: <c>BaseManager.shutdown()</c>.
    /// </summary>
    public void Shutdown()
    {
        State was;
        lock (_gate)
        {
            was = _state;
            _state = State.ShutDown;
        }
        switch (was)
        {
            case State.Started:
                StopProcess();
                break;
            case State.Serving:
                _server!.Stop();
                break;
            case State.Connected:
                RequestShutdown();
                break;
            default:
                return;
        }
        ClientChannel.Retire(_address!);
    }

    /// <summary>Shuts a started or serving manager down; a connected one only stops being used (the server goes on). Python: leaving <c>with manager:</c>.</summary>
    public void Dispose()
    {
        if (_state == State.Connected)
        {
            lock (_gate) _state = State.ShutDown;
            return;
        }
        Shutdown();
    }

    /// <summary>A shared dictionary, optionally filled with <paramref name="initial"/>. Python: <c>manager.dict(mapping)</c>.</summary>
    public DictProxy<TKey, TValue> Dict<TKey, TValue>(IEnumerable<KeyValuePair<TKey, TValue>>? initial = null) where TKey : notnull =>
        new(Make(BuiltinTypes.Dict, w => DictProxy<TKey, TValue>.WritePairs(w, initial ?? [])));

    /// <summary>A shared list, optionally filled with <paramref name="initial"/>. Python: <c>manager.list(sequence)</c>.</summary>
    public ListProxy<T> List<T>(IEnumerable<T>? initial = null) => new(Make(BuiltinTypes.List, w => ValueWire.WriteAll(w, initial ?? [])));

    /// <summary>A shared namespace of named attributes. Python: <c>manager.Namespace()</c>.</summary>
    public NamespaceProxy Namespace() => new(Make(BuiltinTypes.Namespace, null));

    /// <summary>A shared value. Python: <c>manager.Value(typecode, value)</c> (the type is <typeparamref name="T"/>).</summary>
    public ValueProxy<T> Value<T>(T value) => new(Make(BuiltinTypes.Value, w => ValueWire.Write(w, value)));

    /// <summary>A shared array of <paramref name="length"/> zeroes. Python: <c>manager.Array(typecode, size)</c>.</summary>
    public ArrayProxy<T> Array<T>(int length) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return Array<T>(new T[length]);
    }

    /// <summary>A shared array holding <paramref name="values"/>. Python: <c>manager.Array(typecode, sequence)</c>.</summary>
    public unsafe ArrayProxy<T> Array<T>(IEnumerable<T> values) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(values);
        T[] elements = [.. values];
        return new(Make(BuiltinTypes.Array, w =>
        {
            w.Int32(sizeof(T));
            w.Blob(System.Runtime.InteropServices.MemoryMarshal.AsBytes(elements.AsSpan()));
        }));
    }

    /// <summary>A shared queue (with <c>TaskDone</c>/<c>Join</c>); 0 is unbounded. Python: <c>manager.Queue(maxsize)</c>.</summary>
    public QueueProxy<T> Queue<T>(int maxSize = 0) => new(Make(BuiltinTypes.Queue, w => w.Int32(maxSize)));

    /// <summary>A shared joinable queue; 0 is unbounded. Python: <c>manager.JoinableQueue(maxsize)</c>.</summary>
    public QueueProxy<T> JoinableQueue<T>(int maxSize = 0) => new(Make(BuiltinTypes.JoinableQueue, w => w.Int32(maxSize)));

    /// <summary>A shared lock; any thread of any process may release it. Python: <c>manager.Lock()</c>.</summary>
    public LockProxy Lock() => new(Make(BuiltinTypes.Lock, null));

    /// <summary>A shared re-entrant lock, owned by the thread that acquires it. Python: <c>manager.RLock()</c>.</summary>
    public LockProxy RLock() => new(Make(BuiltinTypes.RLock, null));

    /// <summary>A shared semaphore. Python: <c>manager.Semaphore(value)</c>.</summary>
    public SemaphoreProxy Semaphore(int value = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return new(Make(BuiltinTypes.Semaphore, w => w.Int32(value)));
    }

    /// <summary>A shared bounded semaphore: releasing above <paramref name="value"/> throws. Python: <c>manager.BoundedSemaphore(value)</c>.</summary>
    public SemaphoreProxy BoundedSemaphore(int value = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return new(Make(BuiltinTypes.BoundedSemaphore, w => w.Int32(value)));
    }

    /// <summary>A shared condition over <paramref name="lock"/> (a lock of this manager), or over a new re-entrant lock. Python: <c>manager.Condition(lock)</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="lock"/> belongs to another manager.</exception>
    public ConditionProxy Condition(LockProxy? @lock = null)
    {
        if (@lock is not null && !@lock.ManagerAddress.Equals(_address))
            throw new ArgumentException("A manager's Condition can only be made over a lock of the same manager.", nameof(@lock));
        var lockId = @lock?.Id;
        return new(Make(BuiltinTypes.Condition, w =>
        {
            w.Bool(lockId is not null);
            if (lockId is { } id) w.Int64(id);
        }));
    }

    /// <summary>A shared event. Python: <c>manager.Event()</c>.</summary>
    public EventProxy Event() => new(Make(BuiltinTypes.Event, null));

    /// <summary>A shared barrier for <paramref name="parties"/>. Python: <c>manager.Barrier(parties, timeout=timeout)</c> (an <c>action</c> would have to run in the server; run it in the party whose wait returns 0).</summary>
    public BarrierProxy Barrier(int parties, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parties);
        Deadline.Validate(timeout);
        return new(Make(BuiltinTypes.Barrier, w =>
        {
            w.Int32(parties);
            w.Timeout(timeout);
        }));
    }

    /// <summary>
    /// A proxy to an object of the type registered as <paramref name="typeId"/> (<see cref="Register{TInterface}"/>),
    /// which the server makes (or returns) with its factory. Python: <c>manager.typeid()</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The server has no such type, or serves it through another interface.</exception>
    public TInterface Create<TInterface>(string typeId) where TInterface : class => CreateRegistered<TInterface, object?>(typeId, false, null);

    /// <summary>A proxy to an object the registered factory makes from <paramref name="argument"/>. Python: <c>manager.typeid(arg)</c>.</summary>
    /// <exception cref="ArgumentException">The server has no such type, or serves it through another interface.</exception>
    public TInterface Create<TInterface, TArg>(string typeId, TArg argument) where TInterface : class => CreateRegistered<TInterface, TArg>(typeId, true, argument);

    /// <summary>How many shared objects the server holds (for tests and diagnostics). Python: <c>BaseManager._number_of_objects()</c>.</summary>
    internal int ObjectCount
    {
        get
        {
            var (address, key) = Endpoint();
            var channel = ClientChannel.Rent(address, key);
            try
            {
                channel.Begin(Op.CountObjects);
                var reply = channel.Invoke();
                var count = reply.Int32();
                reply.End();
                return count;
            }
            finally
            {
                channel.Return();
            }
        }
    }

    /// <summary>The pid of the server process (started managers only; for tests).</summary>
    internal int? ServerPid => _process?.Pid;

    /// <inheritdoc />
    public override string ToString() => $"<Manager {_state.ToString().ToLowerInvariant()} at {(object?)_address ?? "(no address yet)"}>";

    /// <summary>The server process's target: serve until the owner closes its end of the pipe (at shutdown, or by dying) or a client asks the server to stop.</summary>
    private static void RunServerProcess(ServerStart start)
    {
        ManagerServer server;
        try
        {
            var address = start.Address is null ? ManagerAddress.CreateDefault() : ManagerAddress.Parse(start.Address);
            server = new ManagerServer(address, start.AuthKey, start.Registrations);
        }
        catch (Exception e) when (e is IOException or ArgumentException or FormatException)
        {
            start.Owner.Send("error:" + e.Message);
            return;
        }
        using (server)
        {
            server.Start();
            start.Owner.Send("ok:" + server.Address);
            var owner = start.Owner;
            var watcher = new Thread(() =>
            {
                try
                {
                    owner.RecvBytes();
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    // The owner closed its end or died: either way, stop.
                }
                server.Stop();
            }) { IsBackground = true, Name = "spindle-manager-owner" };
            watcher.Start();
            server.Stopped.Wait();
        }
    }

    private static ManagerAddress ReadStartReply(Connection owner)
    {
        string reply;
        try
        {
            reply = owner.Recv<string>();
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidOperationException("The manager's server process ended before it was listening.", e);
        }
        if (reply.StartsWith("error:", StringComparison.Ordinal)) throw new IOException(reply[6..]);
        return ManagerAddress.Parse(reply[3..]);
    }

    private static async Task WaitServedAsync(ManagerServer server, CancellationToken cancellationToken)
    {
        using (cancellationToken.Register(server.Stop))
        {
            await server.Stopped.ConfigureAwait(false);
        }
        server.JoinConnections(TimeSpan.FromSeconds(5));
    }

    private void Add(string typeId, Delegate factory, Type interfaceType)
    {
        ArgumentException.ThrowIfNullOrEmpty(typeId);
        ArgumentNullException.ThrowIfNull(factory);
        if (BuiltinTypes.IsBuiltin(typeId)) throw new ArgumentException($"'{typeId}' is a built-in manager type.", nameof(typeId));
        MethodTable.For(interfaceType); // refuses an interface that cannot be served, here rather than in the server
        lock (_gate)
        {
            if (_state != State.Initial) throw new InvalidOperationException("Register types before the manager starts serving.");
            if (_registrations.Any(r => r.TypeId == typeId)) throw new ArgumentException($"'{typeId}' is already registered.", nameof(typeId));
            _registrations.Add(new Registration(typeId, factory));
        }
    }

    private void Begin(State next)
    {
        if (_state != State.Initial)
            throw new InvalidOperationException(_state == State.ShutDown ? "The manager has been shut down." : $"The manager is already {_state.ToString().ToLowerInvariant()}.");
        _state = next;
    }

    private (ManagerAddress Address, byte[] Key) Endpoint()
    {
        var state = _state;
        if (state is State.Started or State.Serving or State.Connected) return (_address!, _authKey);
        throw state == State.ShutDown
            ? new ObjectDisposedException(nameof(Manager), "The manager has been shut down.")
            : new InvalidOperationException("The manager is not running: call Start, Serve or Connect first.");
    }

    private ProxyCore Make(string typeId, Action<WireWriter>? writeArguments)
    {
        var (address, key) = Endpoint();
        var channel = ClientChannel.Rent(address, key);
        long id;
        try
        {
            var request = channel.Begin(Op.Create);
            request.String(typeId);
            writeArguments?.Invoke(request);
            var reply = channel.Invoke();
            id = reply.Int64();
            reply.End();
        }
        finally
        {
            channel.Return();
        }
        return new ProxyCore(address, key, id, typeId, owner: true);
    }

    private TInterface CreateRegistered<TInterface, TArg>(string typeId, bool hasArgument, TArg argument) where TInterface : class
    {
        ArgumentException.ThrowIfNullOrEmpty(typeId);
        var table = MethodTable.For(typeof(TInterface));
        var core = Make(typeId, w =>
        {
            w.String(typeof(TInterface).FullName!);
            w.Int64(table.Fingerprint);
            w.Bool(hasArgument);
            if (hasArgument) ValueWire.Write(w, argument);
        });
        return (TInterface)(object)InterfaceProxy.Create(typeof(TInterface), core);
    }

    private void StopProcess()
    {
        ChildRegistry.RemoveExitAction(this);
        _owner?.Dispose(); // the server sees the end of its pipe and stops
        if (_process is not { } process) return;
        if (!process.Join(TimeSpan.FromSeconds(5)))
        {
            process.Terminate();
            if (!process.Join(TimeSpan.FromSeconds(1))) process.Kill();
            process.Join();
        }
        process.Dispose();
    }

    private void RequestShutdown()
    {
        try
        {
            var channel = ClientChannel.Rent(_address!, _authKey);
            try
            {
                channel.Begin(Op.Shutdown);
                channel.Invoke().End();
            }
            finally
            {
                channel.Return();
            }
        }
        catch (ManagerConnectionException)
        {
            // Already gone.
        }
    }

    /// <summary>What the server process starts from: its end of the owner pipe, where to listen, the key, the registered types.</summary>
    internal sealed record ServerStart(Connection Owner, string? Address, byte[] AuthKey, Registration[] Registrations);
}
