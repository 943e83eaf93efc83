using Spindle.Native;

namespace Spindle.Threading;

/// <summary>
/// The module-level functions of Python's <c>threading</c>: the current and main thread, the live threads, ids.
/// </summary>
public static class Threads
{
    private static readonly Lock s_gate = new();
    private static readonly Dictionary<SpindleThread, long> s_live = [];  // value: start order, for a stable Enumerate
    private static long s_startOrder;
    private static readonly Lazy<SpindleThread> s_main = new(SpindleThread.CreateMain);

    /// <summary>
    /// The calling thread's <see cref="SpindleThread"/>: its own when called inside one, the main thread's, or a "dummy"
    /// (daemon, alive, not joinable) for a thread Spindle did not start. Python: <c>threading.current_thread()</c>.
    /// </summary>
    public static SpindleThread Current => SpindleThread.GetCurrent();

    /// <summary>The main thread: the one the process started with (its kernel id is the process id). Python: <c>threading.main_thread()</c>.</summary>
    public static SpindleThread Main => s_main.Value;

    /// <summary>The number of live threads, <c>Enumerate().Count</c>. Python: <c>threading.active_count()</c>.</summary>
    public static int ActiveCount
    {
        get
        {
            lock (s_gate) return s_live.Count + 1;
        }
    }

    /// <summary>
    /// The live threads: the main thread, then every <see cref="SpindleThread"/> started and not yet ended, in start order.
    /// Unlike Python, dummy threads are not listed: they are never ended, so would stay listed forever.
    /// Python: <c>threading.enumerate()</c>.
    /// </summary>
    public static IReadOnlyList<SpindleThread> Enumerate()
    {
        KeyValuePair<SpindleThread, long>[] live;
        lock (s_gate) live = [.. s_live];
        Array.Sort(live, static (a, b) => a.Value.CompareTo(b.Value));
        var result = new SpindleThread[live.Length + 1];
        result[0] = Main;
        for (var i = 0; i < live.Length; i++) result[i + 1] = live[i].Key;
        return result;
    }

    /// <summary>The calling thread's identifier (its managed thread id). Python: <c>threading.get_ident()</c>.</summary>
    public static int GetIdent() => Environment.CurrentManagedThreadId;

    /// <summary>The calling thread's kernel id (Linux <c>gettid</c>). Python: <c>threading.get_native_id()</c>.</summary>
    public static int GetNativeId() => Libc.GetTid();

    /// <summary>The smallest stack <see cref="StackSize"/> accepts, as Python's (32 KiB).</summary>
    public const int MinimumStackSize = 32 * 1024;

    private static int s_stackSize;

    /// <summary>
    /// The stack size, in bytes, of threads started from now on; 0 (the default) leaves it to the runtime and platform.
    /// Python: <c>threading.stack_size([size])</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Neither 0 nor at least <see cref="MinimumStackSize"/> (Python: <c>ValueError</c>).</exception>
    public static int StackSize
    {
        get => Volatile.Read(ref s_stackSize);
        set
        {
            if (value is not 0 and < MinimumStackSize)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"The stack size must be 0 (the default) or at least {MinimumStackSize} bytes.");
            Volatile.Write(ref s_stackSize, value);
        }
    }

    internal static void Register(SpindleThread thread)
    {
        lock (s_gate) s_live.Add(thread, ++s_startOrder);
    }

    internal static void Unregister(SpindleThread thread)
    {
        lock (s_gate) s_live.Remove(thread);
    }
}
