using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Spindle.Native;

namespace Spindle.Processes;

/// <summary>A child just created by <see cref="Spawner"/>: its pid, a pidfd naming it, and the parent's end of its control channel.</summary>
internal readonly record struct SpawnedChild(int Pid, int Pidfd, int ChannelFd);

/// <summary>
/// Creates child processes with posix_spawn, always from one dedicated thread that lives as long as the process:
/// Linux delivers the parent-death signal (PR_SET_PDEATHSIG, which daemon children arm) when the parent
/// <em>thread</em> that created the child exits, so a child spawned from a pool thread that later retires
/// would be killed while its parent is alive.
/// </summary>
internal static class Spawner
{
    /// <summary>The fd at which the child finds its end of the control channel.</summary>
    internal const int ChildChannelFd = 3;

    private static readonly BlockingCollection<(string Path, string[] Argv, string[] Env, TaskCompletionSource<SpawnedChild> Done)> s_requests = [];
    private static readonly Thread s_thread = StartThread();

    /// <summary>Spawns <paramref name="path"/> with <paramref name="argv"/> and exactly <paramref name="env"/> (KEY=VALUE), in the current directory.</summary>
    internal static SpawnedChild Spawn(string path, string[] argv, string[] env)
    {
        _ = s_thread;
        var done = new TaskCompletionSource<SpawnedChild>(TaskCreationOptions.RunContinuationsAsynchronously);
        s_requests.Add((path, argv, env, done));
        return done.Task.GetAwaiter().GetResult();
    }

    private static Thread StartThread()
    {
        var thread = new Thread(Loop) { IsBackground = true, Name = "Spindle spawner" };
        thread.Start();
        return thread;
    }

    private static void Loop()
    {
        foreach (var (path, argv, env, done) in s_requests.GetConsumingEnumerable())
        {
            try { done.SetResult(SpawnNow(path, argv, env)); }
            catch (Exception e) { done.SetException(e); }
        }
    }

    private static unsafe SpawnedChild SpawnNow(string path, string[] argv, string[] env)
    {
        var (parentFd, childFd) = ControlChannel.CreateSocketPair();
        var actions = stackalloc byte[Libc.FileActionsSize];
        var attr = stackalloc byte[Libc.SpawnAttrSize];
        var sigmask = stackalloc byte[Libc.SigSetSize];
        var sigdefault = stackalloc byte[Libc.SigSetSize];
        using var strings = new NativeStrings();
        var pathPtr = strings.Add(path);
        var argvPtr = strings.AddArray(argv);
        var envPtr = strings.AddArray(env);
        Check(Libc.PosixSpawnFileActionsInit(actions), "posix_spawn_file_actions_init");
        Check(Libc.PosixSpawnAttrInit(attr), "posix_spawnattr_init");
        try
        {
            Check(Libc.PosixSpawnFileActionsAddDup2(actions, childFd, ChildChannelFd), "posix_spawn_file_actions_adddup2");
            // Nothing but stdio and the channel reaches the child, as Python's spawn closes every other fd.
            Check(Libc.PosixSpawnFileActionsAddCloseFrom(actions, ChildChannelFd + 1), "posix_spawn_file_actions_addclosefrom_np");
            // The runtime blocks and handles signals for itself; the child starts from defaults like any new program.
            _ = Libc.SigEmptySet(sigmask);
            _ = Libc.SigFillSet(sigdefault);
            Check(Libc.PosixSpawnAttrSetSigMask(attr, sigmask), "posix_spawnattr_setsigmask");
            Check(Libc.PosixSpawnAttrSetSigDefault(attr, sigdefault), "posix_spawnattr_setsigdefault");
            Check(Libc.PosixSpawnAttrSetFlags(attr, Libc.POSIX_SPAWN_SETSIGMASK | Libc.POSIX_SPAWN_SETSIGDEF), "posix_spawnattr_setflags");
            var error = Libc.PosixSpawn(out var pid, pathPtr, actions, attr, argvPtr, envPtr);
            if (error != 0)
            {
                Libc.Close(parentFd);
                throw new IOException($"posix_spawn of {path} failed: {Marshal.GetPInvokeErrorMessage(error)}");
            }
            // Safe from pid reuse: nobody else reaps our child before we do.
            var pidfd = Libc.PidfdOpen(pid);
            if (pidfd < 0)
                throw new IOException($"pidfd_open({pid}) failed: {Marshal.GetLastPInvokeErrorMessage()}");
            return new SpawnedChild(pid, pidfd, parentFd);
        }
        finally
        {
            Libc.Close(childFd);
            _ = Libc.PosixSpawnFileActionsDestroy(actions);
            _ = Libc.PosixSpawnAttrDestroy(attr);
        }
    }

    private static void Check(int error, string what)
    {
        if (error != 0) throw new IOException($"{what} failed: {Marshal.GetPInvokeErrorMessage(error)}");
    }

    /// <summary>NUL-terminated UTF-8 strings and pointer arrays for posix_spawn, freed together.</summary>
    private sealed unsafe class NativeStrings : IDisposable
    {
        private readonly List<nint> _blocks = [];

        public byte* Add(string value)
        {
            var bytes = Encoding.UTF8.GetByteCount(value);
            var block = (byte*)NativeMemory.Alloc((nuint)bytes + 1);
            _blocks.Add((nint)block);
            Encoding.UTF8.GetBytes(value, new Span<byte>(block, bytes));
            block[bytes] = 0;
            return block;
        }

        public byte** AddArray(string[] values)
        {
            var array = (byte**)NativeMemory.Alloc((nuint)(values.Length + 1), (nuint)sizeof(nint));
            _blocks.Add((nint)array);
            for (var i = 0; i < values.Length; i++) array[i] = Add(values[i]);
            array[values.Length] = null;
            return array;
        }

        public void Dispose()
        {
            foreach (var block in _blocks) NativeMemory.Free((void*)block);
        }
    }
}
