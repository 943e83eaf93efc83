using Spindle.Ipc;
using Spindle.Serialization;
using Spindle.Signals;
using Spindle.Tests.Processes;

namespace Spindle.Tests.Pools;

/// <summary>What the pool tests run in worker processes, and the records and exceptions they send back.</summary>
internal static class PoolTargets
{
    /// <summary>Set by an initializer in a worker; read back by tasks.</summary>
    public static string Initialized = "";

    public static int Square(int x) => x * x;

    public static long SquareLong(long x) => x * x;

    public static int Pid() => Environment.ProcessId;

    /// <summary>Kills the worker it runs in, as an OOM killer or a user would.</summary>
    public static int KillSelf()
    {
        Signal.Kill(Environment.ProcessId, 9);
        Thread.Sleep(Timeout.Infinite); // the signal lands before this returns
        return -1;
    }

    /// <summary>Writes this worker's pid to <paramref name="path"/>, then blocks until killed.</summary>
    public static int AnnounceAndHang(string path)
    {
        ChildTargets.WriteAtomically(path, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Thread.Sleep(Timeout.Infinite);
        return -1;
    }

    /// <summary>An initializer: says which worker started, under a lock its start carried.</summary>
    public static void Greet(Connection report, ProcessLock mutex)
    {
        using (mutex.EnterScope()) report.Send(Environment.ProcessId);
    }

    public static int ThrowKeyNotFound(int x) => x == 3 ? throw new KeyNotFoundException($"no key {x}") : x;

    public static int ThrowCustom() => throw new OddException(7);
}

/// <summary>A shareable object that exports but refuses to be rebuilt in another process.</summary>
public sealed class RefusesImport : IShareable<RefusesImport>
{
    public ShareableHandle Export() => new(new byte[] { 1 });

    public static RefusesImport Import(ShareableHandle handle) => throw new InvalidOperationException($"a {nameof(RefusesImport)} is never rebuilt");
}

/// <summary>An exception the pool cannot rebuild (no (message, inner) constructor): it arrives as a RemoteException.</summary>
public sealed class OddException(int code) : Exception($"odd {code}")
{
    public int Code { get; } = code;
}

/// <summary>A record item for the encoded (not raw) path of maps.</summary>
public sealed record Pair(string Name, int Value);

public enum Color
{
    Red,
    Green,
    Blue,
}

/// <summary>Progress reported on the reporting thread itself (<see cref="Progress{T}"/> would post it elsewhere).</summary>
internal sealed class SynchronousProgress(Action<MapProgress> report) : IProgress<MapProgress>
{
    public void Report(MapProgress value) => report(value);
}
