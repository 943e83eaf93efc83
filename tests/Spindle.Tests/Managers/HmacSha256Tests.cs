using System.Security.Cryptography;
using Spindle.Managers;
using Spindle.Tests.Support;

namespace Spindle.Tests.Managers;

/// <summary>The handshake's managed HMAC-SHA256 against .NET's (OpenSSL's).</summary>
public sealed class HmacSha256Tests : LeakCheckedTest
{
    [Fact]
    public void It_matches_the_framework_for_every_length_around_the_block_boundaries()
    {
        var random = new Random(6);
        foreach (var keyLength in new[] { 0, 1, 32, 63, 64, 65, 200 })
        {
            for (var messageLength = 0; messageLength < 300; messageLength++)
            {
                var key = new byte[keyLength];
                var message = new byte[messageLength];
                random.NextBytes(key);
                random.NextBytes(message);
                Assert.Equal(HMACSHA256.HashData(key, message), HmacSha256.Compute(key, message));
            }
        }
    }

    [Fact]
    public void Rfc_4231_test_case_2()
    {
        var mac = HmacSha256.Compute("Jefe"u8, "what do ya want for nothing?"u8);
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", Convert.ToHexStringLower(mac));
        Assert.True(HmacSha256.FixedTimeEquals(mac, HMACSHA256.HashData("Jefe"u8, "what do ya want for nothing?"u8)));
        Assert.False(HmacSha256.FixedTimeEquals(mac, new byte[32]));
        Assert.False(HmacSha256.FixedTimeEquals(mac, mac.AsSpan(1)));
    }
}
