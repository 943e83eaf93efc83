using System.Diagnostics;
using Spindle.Ipc;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary><see cref="AdaptiveSpin"/>: long waits halve the spin, a brief one restores it, a catch keeps it whole.</summary>
public sealed class AdaptiveSpinTests : LeakCheckedTest
{
    [Fact]
    public void Long_waits_halve_the_spin_and_a_brief_one_restores_it()
    {
        var spin = default(AdaptiveSpin);
        long longest = spin.EndOf(0);
        Assert.True(longest > 0);
        long longAgo = Stopwatch.GetTimestamp() - longest * 100; // an idle peer, or a busy machine
        spin.Blocked(longAgo);
        Assert.Equal(longest / 2, spin.EndOf(0));
        for (int i = 0; i < 64; i++) spin.Blocked(longAgo);
        Assert.Equal(0, spin.EndOf(0));
        spin.Blocked(Stopwatch.GetTimestamp()); // blocked only briefly: a longer spin would have met the peer
        Assert.Equal(longest, spin.EndOf(0));
        spin.Blocked(longAgo);
        spin.Caught();
        Assert.Equal(longest, spin.EndOf(0));
    }
}
