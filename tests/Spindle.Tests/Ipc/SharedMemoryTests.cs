using System.Text;
using Spindle.Ipc;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary><see cref="SharedMemory"/>: create, attach by name (in a child), close, unlink, errors, leaks.</summary>
public sealed class SharedMemoryTests : LeakCheckedTest
{
    private static bool InDevShm(string name) => File.Exists("/dev/shm/" + name);

    internal static void AttachAndWrite(string name, string text)
    {
        using var shm = new SharedMemory(name);
        Encoding.ASCII.GetBytes(text).CopyTo(shm.Buf);
    }

    [Fact]
    public void A_child_attaches_by_name_and_writes_what_the_parent_reads()
    {
        using var shm = new SharedMemory(64);
        try
        {
            Assert.StartsWith("spindle-", shm.Name, StringComparison.Ordinal);
            Assert.Equal(64, shm.Size);
            Assert.True(InDevShm(shm.Name));
            Children.RunAll(SpindleProcess.Create(AttachAndWrite, shm.Name, "hello"));
            Assert.Equal("hello", Encoding.ASCII.GetString(shm.Buf[..5]));
            Assert.Equal((byte)'h', shm.Memory.Span[0]);
            Assert.Equal($"SharedMemory('{shm.Name}', size=64)", shm.ToString());
        }
        finally
        {
            shm.Unlink();
        }
        Assert.False(InDevShm(shm.Name));
        Assert.Equal((byte)'e', shm.Buf[1]); // unlinking removes the name, not this view
    }

    internal static void Reverse(SharedMemory shm) => shm.Buf[..4].Reverse();

    [Fact]
    public void A_SharedMemory_object_travels_to_a_child_by_reference()
    {
        using var shm = new SharedMemory("/spindle-test-" + Guid.NewGuid().ToString("N"), create: true, size: 4096);
        try
        {
            Assert.False(shm.Name.StartsWith('/'));
            shm.Buf[0] = 1;
            shm.Buf[3] = 4;
            Children.RunAll(SpindleProcess.Create(Reverse, shm));
            Assert.Equal(new byte[] { 4, 0, 0, 1 }, shm.Buf[..4].ToArray());
        }
        finally
        {
            shm.Unlink();
        }
    }

    [Fact]
    public void Attaching_in_the_same_process_shares_the_bytes_and_the_size()
    {
        using var a = new SharedMemory(10);
        try
        {
            using var b = new SharedMemory(a.Name);
            Assert.Equal(10, b.Size);
            a.Buf[9] = 42;
            Assert.Equal(42, b.Buf[9]);
            b.Close();
            Assert.Throws<ObjectDisposedException>(() => b.Buf[0]);
            Assert.Throws<ObjectDisposedException>(() => b.Memory);
            Assert.Equal(42, a.Buf[9]); // closing one view leaves the others
        }
        finally
        {
            a.Unlink();
        }
    }

    [Fact]
    public void Errors_name_the_problem()
    {
        var missing = "spindle-missing-" + Guid.NewGuid().ToString("N");
        Assert.Throws<FileNotFoundException>(() => new SharedMemory(missing));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SharedMemory(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SharedMemory(missing, create: true, size: -1));
        Assert.Throws<ArgumentException>(() => new SharedMemory(null));
        Assert.Throws<ArgumentException>(() => new SharedMemory("a/b"));
        using var shm = new SharedMemory(8);
        var e = Assert.Throws<IOException>(() => new SharedMemory(shm.Name, create: true, size: 8));
        Assert.Contains("exists", e.Message, StringComparison.Ordinal);
        shm.Unlink();
        Assert.Throws<FileNotFoundException>(shm.Unlink);
    }

    internal static void CreateAndForget(SharedArray<char> nameOut)
    {
        var shm = new SharedMemory(16); // neither closed nor unlinked: the exit hook unlinks it
        shm.Name.AsSpan().CopyTo(nameOut.AsSpan());
    }

    [Fact]
    public void A_block_its_creator_forgot_to_unlink_is_unlinked_when_the_creator_exits()
    {
        using var nameOut = new SharedArray<char>(64);
        Children.RunAll(SpindleProcess.Create(CreateAndForget, nameOut));
        var name = new string(nameOut.ToArray()).TrimEnd('\0');
        Assert.StartsWith("spindle-", name, StringComparison.Ordinal);
        Assert.False(InDevShm(name));
    }

    internal static void CreateThenWait(SharedArray<char> nameOut, ProcessEvent ready, ProcessEvent never)
    {
        var shm = new SharedMemory(16);
        shm.Name.AsSpan().CopyTo(nameOut.AsSpan());
        ready.Set();
        never.Wait();
    }

    [Fact]
    public void A_block_whose_creator_was_killed_is_removed_by_the_tracker_it_left_behind()
    {
        using var nameOut = new SharedArray<char>(64);
        using var ready = new ProcessEvent();
        using var never = new ProcessEvent();
        using var creator = SpindleProcess.Create(CreateThenWait, nameOut, ready, never);
        creator.Start();
        string name;
        try
        {
            Assert.True(ready.Wait(Children.Patience));
            name = new string(nameOut.ToArray()).TrimEnd('\0');
            Assert.True(InDevShm(name));
        }
        finally
        {
            creator.Kill(); // SIGKILL: no exit hook runs in the creator
            Assert.True(creator.Join(Children.Patience));
        }
        Assert.True(SpinWait.SpinUntil(() => !InDevShm(name), Children.Patience), $"{name} is still in /dev/shm");
    }

    internal static void UseEverythingThenWait(ProcessLock l, SharedValue<int> v, ProcessEvent ready, ProcessEvent never)
    {
        using var own = new ProcessSemaphore(3); // created in the child: anonymous, never in /dev/shm
        using var array = new SharedArray<long>(1000);
        l.Acquire();
        v.Value = 1;
        ready.Set();
        never.Wait();
    }

    [Fact]
    public void A_child_killed_while_using_shared_objects_leaves_nothing_in_dev_shm_and_they_keep_working()
    {
        var before = Directory.GetFiles("/dev/shm").Order().ToList();
        using var l = new ProcessLock();
        using var v = new SharedValue<int>(0);
        using var ready = new ProcessEvent();
        using var never = new ProcessEvent();
        Assert.Equal(before, Directory.GetFiles("/dev/shm").Order().ToList());
        var child = new SpindleProcess(() => UseEverythingThenWait(l, v, ready, never));
        try
        {
            child.Start();
            Assert.True(ready.Wait(Children.Patience));
        }
        finally
        {
            child.Kill();
            Assert.True(child.Join(Children.Patience));
            child.Dispose();
        }
        Assert.Equal(before, Directory.GetFiles("/dev/shm").Order().ToList());
        Assert.Equal(1, v.Value);
        Assert.Throws<AbandonedLockException>(() => l.Acquire(Children.Patience));
        l.Release();
    }

    [Fact]
    public void Disposing_shared_objects_closes_their_descriptors()
    {
        static int OpenFds() => Directory.GetFiles("/proc/self/fd").Length;
        int before = OpenFds();
        for (int i = 0; i < 200; i++)
        {
            new ProcessLock().Dispose();
            new ProcessRLock().Dispose();
            new ProcessSemaphore(1).Dispose();
            new ProcessEvent().Dispose();
            new SharedValue<long>(1).Dispose();
            new SharedArray<int>(10).Dispose();
            new ProcessCondition().Dispose();
            new ProcessBarrier(2).Dispose();
            new ProcessQueue<int>().Dispose();
            new ProcessJoinableQueue<int>().Dispose();
            new ProcessSimpleQueue<int>().Dispose();
            using var shm = new SharedMemory(8);
            shm.Unlink();
        }
        Assert.InRange(OpenFds(), 0, before + 10); // 2,400 objects made: any per-object leak shows
    }
}
