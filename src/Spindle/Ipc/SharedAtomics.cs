namespace Spindle.Ipc;

/// <summary>
/// Lock-free atomic operations on shared values, across processes (<see cref="Interlocked"/> on the shared memory).
/// Beyond Python, whose <c>Value</c> offers only its lock: <c>v.Increment()</c> is one atomic instruction and is
/// exact when several processes do it at once. They ignore the value's lock: do not mix them with locked
/// read-modify-writes of the same value.
/// </summary>
public static unsafe class SharedAtomics
{
    /// <summary>Adds atomically and returns the new value.</summary>
    public static int Add(this SharedValue<int> value, int delta) => Interlocked.Add(ref *Of(value), delta);

    /// <summary>Adds atomically and returns the new value.</summary>
    public static long Add(this SharedValue<long> value, long delta) => Interlocked.Add(ref *Of(value), delta);

    /// <summary>Adds 1 atomically and returns the new value.</summary>
    public static int Increment(this SharedValue<int> value) => Interlocked.Increment(ref *Of(value));

    /// <summary>Adds 1 atomically and returns the new value.</summary>
    public static long Increment(this SharedValue<long> value) => Interlocked.Increment(ref *Of(value));

    /// <summary>Subtracts 1 atomically and returns the new value.</summary>
    public static int Decrement(this SharedValue<int> value) => Interlocked.Decrement(ref *Of(value));

    /// <summary>Subtracts 1 atomically and returns the new value.</summary>
    public static long Decrement(this SharedValue<long> value) => Interlocked.Decrement(ref *Of(value));

    /// <summary>Stores <paramref name="newValue"/> atomically and returns the old value.</summary>
    public static int Exchange(this SharedValue<int> value, int newValue) => Interlocked.Exchange(ref *Of(value), newValue);

    /// <summary>Stores <paramref name="newValue"/> atomically and returns the old value.</summary>
    public static long Exchange(this SharedValue<long> value, long newValue) => Interlocked.Exchange(ref *Of(value), newValue);

    /// <summary>Stores <paramref name="newValue"/> atomically and returns the old value.</summary>
    public static double Exchange(this SharedValue<double> value, double newValue) => Interlocked.Exchange(ref *Of(value), newValue);

    /// <summary>Stores <paramref name="newValue"/> if the value equals <paramref name="comparand"/>; returns the value seen.</summary>
    public static int CompareExchange(this SharedValue<int> value, int newValue, int comparand) => Interlocked.CompareExchange(ref *Of(value), newValue, comparand);

    /// <summary>Stores <paramref name="newValue"/> if the value equals <paramref name="comparand"/>; returns the value seen.</summary>
    public static long CompareExchange(this SharedValue<long> value, long newValue, long comparand) => Interlocked.CompareExchange(ref *Of(value), newValue, comparand);

    /// <summary>Stores <paramref name="newValue"/> if the value equals <paramref name="comparand"/> (bitwise); returns the value seen.</summary>
    public static double CompareExchange(this SharedValue<double> value, double newValue, double comparand) => Interlocked.CompareExchange(ref *Of(value), newValue, comparand);

    /// <summary>Adds atomically (a compare-exchange loop) and returns the new value.</summary>
    public static double Add(this SharedValue<double> value, double delta)
    {
        double* p = Of(value);
        for (double seen = Volatile.Read(ref *p); ; )
        {
            double next = seen + delta;
            double found = Interlocked.CompareExchange(ref *p, next, seen);
            if (BitConverter.DoubleToInt64Bits(found) == BitConverter.DoubleToInt64Bits(seen)) return next;
            seen = found;
        }
    }

    /// <summary>Adds atomically to element <paramref name="index"/> and returns its new value.</summary>
    public static int Add(this SharedArray<int> array, int index, int delta) => Interlocked.Add(ref *At(array, index), delta);

    /// <summary>Adds atomically to element <paramref name="index"/> and returns its new value.</summary>
    public static long Add(this SharedArray<long> array, int index, long delta) => Interlocked.Add(ref *At(array, index), delta);

    /// <summary>Stores <paramref name="newValue"/> in element <paramref name="index"/> if it equals <paramref name="comparand"/>; returns the value seen.</summary>
    public static int CompareExchange(this SharedArray<int> array, int index, int newValue, int comparand) => Interlocked.CompareExchange(ref *At(array, index), newValue, comparand);

    /// <summary>Stores <paramref name="newValue"/> in element <paramref name="index"/> if it equals <paramref name="comparand"/>; returns the value seen.</summary>
    public static long CompareExchange(this SharedArray<long> array, int index, long newValue, long comparand) => Interlocked.CompareExchange(ref *At(array, index), newValue, comparand);

    private static T* Of<T>(SharedValue<T> value) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Pointer;
    }

    private static T* At<T>(SharedArray<T> array, int index) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(array);
        return array.ElementPointer(index);
    }
}
