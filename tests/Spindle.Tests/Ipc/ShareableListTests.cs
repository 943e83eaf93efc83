using Spindle.Ipc;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary><see cref="ShareableList"/>, after CPython's test_shared_memory_ShareableList_* tests.</summary>
public sealed class ShareableListTests : LeakCheckedTest
{
    private static ShareableList Sample() => new(["howdy", "HoWdY"u8.ToArray(), -273.154, 100L, null, true, 42]);

    [Fact]
    public void Basics_read_write_index_count_format_and_repr()
    {
        using var sl = Sample();
        try
        {
            Assert.Equal(7, sl.Count);
            Assert.Contains(sl.Shm.Name, sl.ToString(), StringComparison.Ordinal);
            Assert.StartsWith("ShareableList(['howdy', b'HoWdY', -273.154, 100, None, True, 42], name=", sl.ToString(), StringComparison.Ordinal);

            Assert.Equal(0, sl.IndexOf("howdy"));
            Assert.Equal(6, sl.IndexOf(42));
            Assert.Throws<ArgumentException>(() => sl.IndexOf("notthere"));
            Assert.Equal(1, sl.CountOf("HoWdY"u8.ToArray()));
            Assert.Equal(0, sl.CountOf("ciao"));

            Assert.Equal("howdy", sl[0]);
            Assert.Equal(true, sl[-2]);
            Assert.Equal(42, sl[6]); // read back as the int it was stored as
            Assert.Equal(new object?[] { "howdy", "HoWdY"u8.ToArray(), -273.154, 100L, null, true, 42 }, sl.ToArray());
            Assert.Equal("8s8sdqxxxxxx?xxxxxxxx?ixxxx", sl.Format);

            sl[3] = 42L;
            Assert.Equal(42L, sl[3]);
            sl[4] = "some"; // a position may change type
            Assert.Equal("some", sl[4]);
            Assert.Equal("8s8sdq8sxxxxxxx?ixxxx", sl.Format);
            var e = Assert.Throws<ArgumentException>(() => sl[4] = "far too many");
            Assert.Contains("exceeds available storage", e.Message, StringComparison.Ordinal);
            Assert.Equal("some", sl[4]);
            sl[0] = "encodés"; // exactly 8 bytes of UTF-8
            Assert.Equal("encodés", sl[0]);
            Assert.Equal("HoWdY"u8.ToArray(), sl[1]); // no spillage
            Assert.Throws<ArgumentException>(() => sl[0] = "encodées"); // 9 bytes
            Assert.Throws<ArgumentException>(() => sl[1] = "123456789"u8.ToArray());
            Assert.Equal("HoWdY"u8.ToArray(), sl[1]);
            sl[0] = "ab"; // a shorter string leaves nothing of the longer one behind
            Assert.Equal("ab", sl[0]);

            Assert.Equal(2, sl.CountOf(42)); // 42L and 42 are equal numbers
            Assert.Equal(1, sl.CountOf("HoWdY"u8.ToArray()));
            Assert.Equal(0, sl.CountOf("adios"u8.ToArray()));

            Assert.Throws<ArgumentOutOfRangeException>(() => sl[7]);
            Assert.Throws<ArgumentOutOfRangeException>(() => sl[-8] = 1);
            Assert.Throws<ArgumentException>(() => sl[2] = 1.5f);
        }
        finally
        {
            sl.Shm.Unlink();
        }
    }

    [Fact]
    public void A_copy_is_a_new_block_and_attaching_by_name_shares_the_items()
    {
        using var sl = Sample();
        var copyName = "spindle-test-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var copy = new ShareableList(sl, copyName))
            {
                try
                {
                    Assert.Equal(copyName, copy.Shm.Name);
                    Assert.Equal(sl.ToArray(), copy.ToArray());
                    Assert.Equal(sl.Format, copy.Format);
                    copy[-1] = 77;
                    Assert.Equal(77, copy[-1]);
                    Assert.Equal(42, sl[-1]);
                }
                finally
                {
                    copy.Shm.Unlink();
                }
            }

            using (var tethered = new ShareableList(sl.Shm.Name))
            {
                Assert.Equal(sl.Shm.Name, tethered.Shm.Name);
                tethered[-1] = 880;
                Assert.Equal(880, sl[-1]);
            }
        }
        finally
        {
            sl.Shm.Unlink();
        }
    }

    [Fact]
    public void An_empty_list_has_no_items()
    {
        using var empty = new ShareableList();
        try
        {
            Assert.Empty(empty);
            Assert.Equal("", empty.Format);
            Assert.Equal(0, empty.CountOf("any"));
            Assert.Throws<ArgumentException>(() => empty.IndexOf(null));
        }
        finally
        {
            empty.Shm.Unlink();
        }
    }

    [Fact]
    public void Attaching_to_a_missing_block_or_one_that_is_not_a_list_fails()
    {
        Assert.Throws<FileNotFoundException>(() => new ShareableList("spindle-missing-" + Guid.NewGuid().ToString("N")));
        using var shm = new SharedMemory(4);
        try
        {
            Assert.Throws<InvalidDataException>(() => new ShareableList(shm.Name));
        }
        finally
        {
            shm.Unlink();
        }
    }

    internal static void ChangeByReference(ShareableList sl)
    {
        using (sl)
        {
            sl[0] = "changed";
            sl[1] = (long)sl[1]! + 1;
        }
    }

    internal static void ChangeByName(string name)
    {
        using var sl = new ShareableList(name);
        sl[2] = sl.Count;
        sl[3] = "x"u8.ToArray();
    }

    [Fact]
    public void A_child_changes_the_list_it_received_or_attached_to_by_name()
    {
        using var sl = new ShareableList(["hello", 1L, null, 0.5]);
        try
        {
            Children.RunAll(SpindleProcess.Create(ChangeByReference, sl));
            Children.RunAll(SpindleProcess.Create(ChangeByName, sl.Shm.Name));
            Assert.Equal(new object?[] { "changed", 2L, 4, "x"u8.ToArray() }, sl.ToArray());
        }
        finally
        {
            sl.Shm.Unlink();
        }
    }

    [Fact]
    public void Export_and_import_attach_to_the_same_block()
    {
        using var sl = new ShareableList([1, 2, 3]);
        try
        {
            using var again = ShareableList.Import(sl.Export());
            Assert.Equal(sl.Shm.Name, again.Shm.Name);
            again[0] = 10;
            Assert.Equal(10, sl[0]);
        }
        finally
        {
            sl.Shm.Unlink();
        }
    }
}
