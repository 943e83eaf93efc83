using System.Security.Authentication;
using Spindle.Processes;
using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>Reads a call's result. Python: the unpickling of a <c>#RETURN</c> reply.</summary>
internal delegate T ReplyReader<out T>(ref WireReader reply);

/// <summary>
/// What every proxy holds: the manager's address and authkey, and the shared object's id and type id. Python:
/// <c>BaseProxy</c> with its <c>Token(typeid, address, id)</c>. A proxy returned by the manager owns a reference on
/// the server, dropped by <see cref="Dispose"/>; a copy rebuilt in another process borrows the object (as Python's
/// inherited proxies do), so the creator decides how long it lives.
/// </summary>
internal sealed class ProxyCore
{
    private const byte HandleVersion = 1;
    private static readonly Action<WireWriter, int> s_noArguments = static (_, _) => { };
    private static readonly ReplyReader<bool> s_noResult = static (ref WireReader _) => true;
    private int _disposed;

    internal ProxyCore(ManagerAddress address, byte[] key, long id, string typeId, bool owner)
    {
        Address = address;
        Key = key;
        Id = id;
        TypeId = typeId;
        Owner = owner;
    }

    internal ManagerAddress Address { get; }

    internal byte[] Key { get; }

    internal long Id { get; }

    internal string TypeId { get; }

    internal bool Owner { get; }

    /// <summary>Calls a method without arguments or result.</summary>
    internal void Call(byte method) => Call(method, 0, s_noArguments);

    /// <summary>Calls a method with arguments written by <paramref name="write"/> (a static lambda: no allocation), without result.</summary>
    internal void Call<TState>(byte method, TState state, Action<WireWriter, TState> write) => Call(method, state, write, s_noResult);

    /// <summary>Calls a method without arguments; <paramref name="read"/> reads its result.</summary>
    internal TResult Call<TResult>(byte method, ReplyReader<TResult> read) => Call(method, 0, s_noArguments, read);

    /// <summary>Calls a method with arguments and a result.</summary>
    internal TResult Call<TState, TResult>(byte method, TState state, Action<WireWriter, TState> write, ReplyReader<TResult> read)
    {
        var channel = Begin(method);
        try
        {
            write(channel.Request, state);
            var reply = channel.Invoke();
            var result = read(ref reply);
            reply.End();
            return result;
        }
        finally
        {
            channel.Return();
        }
    }

    /// <summary>Awaitable call: waits for the reply without blocking the caller; cancellation stops the server-side wait.</summary>
    internal async Task<TResult> CallAsync<TState, TResult>(byte method, TState state, Action<WireWriter, TState> write, ReplyReader<TResult> read, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var channel = Begin(method);
        try
        {
            write(channel.Request, state);
            var reply = await channel.InvokeAsync(cancellationToken).ConfigureAwait(false);
            return ReadAll(reply, read);
        }
        finally
        {
            channel.Return();
        }
    }

    private static TResult ReadAll<TResult>(ReadOnlyMemory<byte> reply, ReplyReader<TResult> read)
    {
        var reader = new WireReader(reply.Span);
        var result = read(ref reader);
        reader.End();
        return result;
    }

    /// <summary>Drops the reference of a proxy the manager returned (a borrowed copy has none); later calls throw.</summary>
    internal void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || !Owner) return;
        try
        {
            var channel = ClientChannel.Rent(Address, Key);
            try
            {
                channel.Begin(Op.Release).Int64(Id);
                channel.Invoke().End();
            }
            finally
            {
                channel.Return();
            }
        }
        catch (Exception e) when (e is ManagerConnectionException or AuthenticationException)
        {
            // The manager is gone: there is nothing left to release.
        }
    }

    /// <summary>
    /// The handle a copy is rebuilt from: the address, the ids and — only into a child process's start payload, as
    /// Python sends a proxy's authkey only while spawning — the key. A copy rebuilt elsewhere uses its own process's
    /// authkey (<see cref="Processes.Processes.AuthKey"/>), as Python's do.
    /// </summary>
    internal ShareableHandle Export(string? interfaceName = null)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var writer = new WireWriter();
        writer.Byte(HandleVersion);
        writer.String(Address.ToString());
        writer.Int64(Id);
        writer.String(TypeId);
        var withKey = ShareableExport.ForChildStart;
        writer.Bool(withKey);
        if (withKey) writer.Blob(Key);
        writer.Bool(interfaceName is not null);
        if (interfaceName is not null) writer.String(interfaceName);
        return new ShareableHandle(writer.Written.ToArray());
    }

    /// <summary>Rebuilds a borrowed copy; <paramref name="typeIds"/> are the type ids this proxy type can stand for.</summary>
    /// <exception cref="InvalidDataException">The handle is malformed, or is for another kind of object.</exception>
    internal static ProxyCore Import(ShareableHandle handle, params string[] typeIds)
    {
        var core = Import(handle, out var interfaceName);
        if ((typeIds.Length > 0 && !typeIds.Contains(core.TypeId)) || interfaceName is not null)
            throw new InvalidDataException($"The shared proxy is for a manager '{core.TypeId}', not a {string.Join(" or ", typeIds)}.");
        return core;
    }

    /// <summary>Rebuilds a borrowed copy, with the interface name a registered type's proxy carries (else null).</summary>
    internal static ProxyCore Import(ShareableHandle handle, out string? interfaceName)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var reader = new WireReader(handle.State.Span);
        if (reader.Byte() != HandleVersion) throw new InvalidDataException("The shared proxy was written by another version of Spindle.");
        var address = ManagerAddress.TryParse(reader.String(), out var parsed) ? parsed : throw new InvalidDataException("The shared proxy carries a malformed manager address.");
        var id = reader.Int64();
        var typeId = reader.String();
        var key = reader.Bool() ? reader.Blob().ToArray() : ProcessIdentity.AuthKey;
        interfaceName = reader.Bool() ? reader.String() : null;
        reader.End();
        return new ProxyCore(address, key, id, typeId, owner: false);
    }

    private ClientChannel Begin(byte method)
    {
        if (Volatile.Read(ref _disposed) != 0)
            throw new ObjectDisposedException($"manager proxy for a '{TypeId}'", "The proxy was disposed; the shared object is no longer reachable through it.");
        var channel = ClientChannel.Rent(Address, Key);
        channel.BeginCall(Id, method);
        return channel;
    }
}
