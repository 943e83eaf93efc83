using System.Runtime.InteropServices;

namespace Spindle.Native;

/// <summary>getrandom(2): the kernel's CSPRNG, without loading a cryptography library.</summary>
internal static unsafe partial class Libc
{
    [LibraryImport(LibraryName, EntryPoint = "getrandom", SetLastError = true)]
    private static partial nint GetRandom(byte* buffer, nuint length, uint flags);

    /// <summary>Fills <paramref name="buffer"/> with random bytes from the kernel (blocks only before the pool is seeded at boot).</summary>
    internal static void FillRandom(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var filled = 0;
            while (filled < buffer.Length)
            {
                var n = GetRandom(p + filled, (nuint)(buffer.Length - filled), 0);
                if (n < 0)
                {
                    if (LastErrno == EINTR) continue;
                    throw new IOException($"getrandom failed: {Describe(LastErrno)}.");
                }
                filled += (int)n;
            }
        }
    }
}
