using Spindle.Ipc;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary><see cref="AdaptiveSpin"/>: long sleeps shrink the spin, short ones grow it back, never past the longest.</summary>
public sealed class AdaptiveSpinTests : LeakCheckedTest
{
    [Fact]
    public void Long_sleeps_halve_the_spin_and_short_ones_grow_it_back_to_the_longest()
    {
        var spin = new AdaptiveSpin();
        Assert.Equal(AdaptiveSpin.Longest, spin.Budget);
        for (int i = 0; i < 64; i++) spin.AfterSleep(AdaptiveSpin.Longest * 10); // an idle peer, or a busy machine
        Assert.Equal(0, spin.Budget);
        spin.AfterSleep(0);
        Assert.True(spin.Budget > 0);
        for (int i = 0; i < 64; i++) spin.AfterSleep(AdaptiveSpin.Longest / 2); // a spin a little longer would have met the peer
        Assert.Equal(AdaptiveSpin.Longest, spin.Budget);
    }
}
