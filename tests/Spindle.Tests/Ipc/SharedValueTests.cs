using Spindle.Ipc;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary><see cref="SharedValue{T}"/>, <see cref="SharedArray{T}"/> and <see cref="SharedAtomics"/>, across real processes.</summary>
public sealed class SharedValueTests : LeakCheckedTest
{
    private const int PerChild = 20_000;

    internal static void SeedF(SharedValue<double> n, SharedArray<int> a)
    {
        n.Value = 3.14;
        a[0] = 5;
    }

    [Fact]
    public void Seed_002_Value_and_Array_changed_by_a_child_are_seen_by_the_parent()
    {
        using var num = new SharedValue<double>(0.0);
        using var arr = new SharedArray<int>(Enumerable.Range(0, 10));
        Children.RunAll(SpindleProcess.Create(SeedF, num, arr));
        Assert.Equal(3.14, num.Value);
        Assert.Equal([5, 1, 2, 3, 4, 5, 6, 7, 8, 9], arr[..]);
    }

    internal static void IncrementUnderLock(SharedValue<long> v)
    {
        for (int i = 0; i < PerChild; i++)
        {
            using (v.GetLock().EnterScope()) v.Value += 1;
        }
    }

    [Fact]
    public void Increments_under_the_values_lock_by_two_processes_are_exact()
    {
        using var v = new SharedValue<long>(0);
        Children.RunAll(SpindleProcess.Create(IncrementUnderLock, v), SpindleProcess.Create(IncrementUnderLock, v));
        Assert.Equal(2L * PerChild, v.Value);
    }

    internal static void IncrementAtomically(SharedValue<int> counter, SharedValue<long> sum, SharedArray<int> cells)
    {
        for (int i = 0; i < PerChild; i++)
        {
            counter.Increment();
            sum.Add(2);
            cells.Add(i % 2, 1);
        }
    }

    [Fact]
    public void Atomics_from_two_processes_are_exact_without_a_lock()
    {
        using var counter = new SharedValue<int>(0, lockEnabled: false);
        using var sum = new SharedValue<long>(0, lockEnabled: false);
        using var cells = new SharedArray<int>(2, lockEnabled: false);
        Children.RunAll(SpindleProcess.Create(IncrementAtomically, counter, sum, cells), SpindleProcess.Create(IncrementAtomically, counter, sum, cells));
        Assert.Equal(2 * PerChild, counter.Value);
        Assert.Equal(4L * PerChild, sum.Value);
        Assert.Equal([PerChild, PerChild], cells.ToArray());
    }

    [Fact]
    public void Atomic_operations_return_what_Interlocked_returns()
    {
        using var i = new SharedValue<int>(5);
        Assert.Equal(6, i.Increment());
        Assert.Equal(5, i.Decrement());
        Assert.Equal(8, i.Add(3));
        Assert.Equal(8, i.Exchange(1));
        Assert.Equal(1, i.CompareExchange(9, 2)); // comparand mismatch: unchanged
        Assert.Equal(1, i.CompareExchange(9, 1));
        Assert.Equal(9, i.Value);
        using var l = new SharedValue<long>(long.MaxValue - 1);
        Assert.Equal(long.MaxValue, l.Increment());
        Assert.Equal(long.MaxValue, l.CompareExchange(0, long.MaxValue));
        Assert.Equal(0L, l.Exchange(7));
        Assert.Equal(6L, l.Decrement());
        Assert.Equal(10L, l.Add(4));
        using var d = new SharedValue<double>(1.5);
        Assert.Equal(4.0, d.Add(2.5));
        Assert.Equal(4.0, d.CompareExchange(0.5, 4.0));
        Assert.Equal(0.5, d.Exchange(2.0));
        Assert.Equal(2.0, d.Value);
        using var a = new SharedArray<long>(3);
        Assert.Equal(4L, a.Add(2, 4));
        Assert.Equal(4L, a.CompareExchange(2, 1, 4));
        Assert.Equal([0L, 0L, 1L], a.ToArray());
    }

    [Fact]
    public void The_lock_is_reentrant_and_exposed_or_absent_when_disabled()
    {
        using var v = new SharedValue<int>(1);
        Assert.Same(v.Lock, v.GetLock());
        using (v.GetLock().EnterScope())
        {
            v.Value = v.Value + 1; // the locked get/set re-enter the held lock
            Assert.Equal(1, ((ProcessRLock)v.GetLock()).RecursionCount);
        }
        Assert.False(((ProcessRLock)v.GetLock()).IsOwnedByCurrentThread);
        Assert.Equal(2, v.Value);
        using var raw = new SharedValue<int>(7, lockEnabled: false);
        Assert.Null(raw.Lock);
        Assert.Throws<InvalidOperationException>(() => raw.GetLock());
        raw.Ref = 8;
        Assert.Equal(8, raw.Value);
        using var rawArray = new SharedArray<byte>(1, lockEnabled: false);
        Assert.Throws<InvalidOperationException>(() => rawArray.GetLock());
    }

    internal readonly record struct Point(int X, double Y);

    [Fact]
    public void Arrays_offer_indexer_ranges_copies_and_spans()
    {
        using var a = new SharedArray<int>([1, 2, 3, 4]);
        Assert.Equal(4, a.Length);
        Assert.Equal([2, 3], a[1..3]);
        Assert.Equal([4], a[^1..]);
        a.CopyFrom([9, 9], 2);
        Assert.Equal([1, 2, 9, 9], a.ToArray());
        a.AsSpan()[0] = 7;
        Assert.Equal(7, a[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => a[4]);
        Assert.Throws<ArgumentOutOfRangeException>(() => a[-1] = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => a[2..5]);
        Assert.Throws<ArgumentOutOfRangeException>(() => a.CopyFrom([1, 2, 3], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SharedArray<int>(-1));
        using var empty = new SharedArray<int>(0);
        Assert.Empty(empty.ToArray());
        using var points = new SharedArray<Point>(2);
        points[1] = new Point(3, 0.5);
        Assert.Equal(new Point(3, 0.5), points[1]);
        using var pv = new SharedValue<Point>(new Point(1, 2));
        Assert.Equal(new Point(1, 2), pv.Value);
    }

    [Fact]
    public void A_disposed_value_or_array_refuses_access()
    {
        var v = new SharedValue<int>(1);
        v.Dispose();
        Assert.Throws<ObjectDisposedException>(() => v.Value);
        Assert.Throws<ObjectDisposedException>(() => v.Increment());
        var a = new SharedArray<int>(2);
        a.Dispose();
        Assert.Throws<ObjectDisposedException>(() => a[0]);
        Assert.Throws<ObjectDisposedException>(() => a.AsSpan());
    }

    [Fact]
    public void Value_and_Array_take_an_existing_lock_and_GetLock_returns_that_very_lock()
    {
        // CPython's test_getobj_getlock.
        using var plain = new ProcessLock();
        using var value = new SharedValue<int>(5, plain);
        using var array = new SharedArray<int>(Enumerable.Range(0, 10), plain);
        using var zeros = new SharedArray<double>(3, plain);
        Assert.Same(plain, value.GetLock());
        Assert.Same(plain, value.Lock);
        Assert.Same(plain, array.GetLock());
        Assert.Same(plain, zeros.GetLock());
        value.Value = 6; // each get and set takes the lock and gives it back
        array[1] = value.Value;
        Assert.False(plain.IsLocked);
        Assert.Equal([0, 6, 2], array[..3]);

        using var reentrant = new ProcessRLock();
        using var guarded = new SharedValue<long>(1, reentrant);
        Assert.Same(reentrant, guarded.GetLock());
        using (guarded.GetLock().EnterScope()) guarded.Value += 1; // a held RLock is not re-entered
        Assert.Equal(2L, guarded.Value);
        Assert.Equal(0, reentrant.RecursionCount);
    }

    [Fact]
    public void A_lock_that_other_processes_cannot_take_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new SharedValue<int>(5, new Spindle.Threading.ThreadLock()));
        Assert.Contains("ProcessLock", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SharedArray<int>(3, new Spindle.Threading.ThreadLock()));
        Assert.Throws<ArgumentNullException>(() => new SharedValue<int>(5, (ILock)null!));
    }

    internal static void HoldTheValuesLock(SharedValue<int> value, SharedArray<int> array, Connection parent)
    {
        using (value.GetLock().EnterScope())
        {
            value.Ref = 42;
            array.AsSpan()[0] = 43;
            parent.Send("held");
            parent.Recv<string>(); // until the parent has seen who holds it
        }
        parent.Close();
        array[1] = 44; // the array's lock is the same one, free again
    }

    [Fact]
    public void A_value_and_an_array_sharing_a_lock_take_it_to_a_child()
    {
        using var shared = new ProcessLock();
        using var value = new SharedValue<int>(0, shared);
        using var array = new SharedArray<int>(2, shared);
        var (mine, theirs) = Pipe.Create();
        using (mine)
        {
            var child = SpindleProcess.Create(HoldTheValuesLock, value, array, theirs);
            child.Start();
            theirs.Close();
            Assert.True(mine.Poll(Children.Patience));
            Assert.Equal("held", mine.Recv<string>());
            Assert.Equal(child.Pid, shared.OwnerPid); // the child holds this process's lock, not a copy
            Assert.False(shared.Acquire(TimeSpan.Zero));
            mine.Send("seen");
            Children.RunAll(child);
        }
        Assert.Equal(42, value.Value);
        Assert.Equal([43, 44], array.ToArray());
        Assert.False(shared.IsLocked);
    }

    [Fact]
    public void Increments_under_a_shared_RLock_from_two_processes_are_exact()
    {
        using var reentrant = new ProcessRLock();
        using var v = new SharedValue<long>(0, reentrant);
        Children.RunAll(SpindleProcess.Create(IncrementUnderLock, v), SpindleProcess.Create(IncrementUnderLock, v));
        Assert.Equal(2L * PerChild, v.Value);
    }
}
