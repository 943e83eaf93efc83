using System.Buffers.Binary;
using System.Numerics;

namespace Spindle.Managers;

/// <summary>
/// HMAC-SHA256 (RFC 2104 over FIPS 180-4), for the handshake of manager connections. .NET's own goes through OpenSSL,
/// which a fresh child process takes ≈ 12 ms to load and initialise before its first manager call can authenticate —
/// the time of a thousand calls; this one costs microseconds. The tests check it against
/// <see cref="System.Security.Cryptography.HMACSHA256"/>.
/// </summary>
internal static class HmacSha256
{
    private const int BlockSize = 64;
    internal const int HashSize = 32;

    private static readonly uint[] s_k =
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    /// <summary>HMAC-SHA256 of <paramref name="message"/> under <paramref name="key"/>.</summary>
    internal static byte[] Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message)
    {
        Span<byte> block = stackalloc byte[BlockSize];
        block.Clear();
        if (key.Length > BlockSize) Hash(key, default, block);
        else key.CopyTo(block);
        Span<byte> pad = stackalloc byte[BlockSize];
        for (var i = 0; i < BlockSize; i++) pad[i] = (byte)(block[i] ^ 0x36);
        Span<byte> inner = stackalloc byte[HashSize];
        Hash(pad, message, inner);
        for (var i = 0; i < BlockSize; i++) pad[i] = (byte)(block[i] ^ 0x5c);
        var mac = new byte[HashSize];
        Hash(pad, inner, mac);
        return mac;
    }

    /// <summary>SHA-256 of <paramref name="first"/> followed by <paramref name="second"/>.</summary>
    internal static void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> digest)
    {
        Span<uint> state = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
        Span<byte> block = stackalloc byte[BlockSize];
        var filled = 0;
        long total = first.Length + second.Length;
        Absorb(state, block, ref filled, first);
        Absorb(state, block, ref filled, second);
        // Padding: 0x80, zeros, then the length in bits as a big-endian 64-bit number at the end of a block.
        block[filled++] = 0x80;
        if (filled > BlockSize - 8)
        {
            block[filled..].Clear();
            Compress(state, block);
            filled = 0;
        }
        block[filled..(BlockSize - 8)].Clear();
        BinaryPrimitives.WriteInt64BigEndian(block[(BlockSize - 8)..], total * 8);
        Compress(state, block);
        for (var i = 0; i < 8; i++) BinaryPrimitives.WriteUInt32BigEndian(digest[(i * 4)..], state[i]);
    }

    /// <summary>Adds <paramref name="part"/> to the partial <paramref name="block"/>, compressing each block it completes.</summary>
    private static void Absorb(Span<uint> state, Span<byte> block, ref int filled, ReadOnlySpan<byte> part)
    {
        while (part.Length > 0)
        {
            var take = Math.Min(BlockSize - filled, part.Length);
            part[..take].CopyTo(block[filled..]);
            filled += take;
            part = part[take..];
            if (filled < BlockSize) continue;
            Compress(state, block);
            filled = 0;
        }
    }

    /// <summary>Compares in time that does not depend on where the inputs differ.</summary>
    internal static bool FixedTimeEquals(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.Length != right.Length) return false;
        var difference = 0;
        for (var i = 0; i < left.Length; i++) difference |= left[i] ^ right[i];
        return difference == 0;
    }

    private static void Compress(Span<uint> state, ReadOnlySpan<byte> block)
    {
        Span<uint> w = stackalloc uint[64];
        for (var i = 0; i < 16; i++) w[i] = BinaryPrimitives.ReadUInt32BigEndian(block[(i * 4)..]);
        for (var i = 16; i < 64; i++)
        {
            var s0 = BitOperations.RotateRight(w[i - 15], 7) ^ BitOperations.RotateRight(w[i - 15], 18) ^ (w[i - 15] >> 3);
            var s1 = BitOperations.RotateRight(w[i - 2], 17) ^ BitOperations.RotateRight(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
        for (var i = 0; i < 64; i++)
        {
            var t1 = h + (BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25))
                + ((e & f) ^ (~e & g)) + s_k[i] + w[i];
            var t2 = (BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22))
                + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }
}
