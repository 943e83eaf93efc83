using Spindle.Native;

namespace Spindle.Processes;

/// <summary>Who this process is: the main process, or a child with the identity its parent sent.</summary>
internal static class ProcessIdentity
{
    internal const string MainProcessName = "MainProcess";

    private static StartMessage? s_start;
    private static byte[]? s_authKey;

    internal static void BecomeChild(StartMessage start)
    {
        s_start = start;
        if (start.AuthKey.Length > 0) Volatile.Write(ref s_authKey, start.AuthKey);
    }

    internal static bool IsDaemon => s_start?.Daemon ?? false;

    /// <summary>
    /// This process's authkey: what the parent gave a child, else 32 random bytes made on first use (Python:
    /// <c>os.urandom(32)</c> in the main process). Callers get and set the array itself; the public API copies.
    /// </summary>
    internal static byte[] AuthKey
    {
        get => Volatile.Read(ref s_authKey) ?? InitializeAuthKey();
        set => Volatile.Write(ref s_authKey, value);
    }

    private static byte[] InitializeAuthKey()
    {
        var key = new byte[32];
        Libc.FillRandom(key); // not RandomNumberGenerator: loading the cryptography library would cost the first Start ≈ 12 ms
        return Interlocked.CompareExchange(ref s_authKey, key, null) ?? key;
    }

    internal static string Name => s_start?.Name ?? MainProcessName;

    internal static SpindleProcessInfo Current =>
        new(Name, Environment.ProcessId, s_start?.ParentPid ?? Libc.GetPpid(), IsDaemon);

    // A daemon cannot have children, so a parent is never a daemon.
    internal static SpindleProcessInfo? Parent =>
        s_start is { } start ? new SpindleProcessInfo(start.ParentName, start.ParentPid, null, false) : null;
}
