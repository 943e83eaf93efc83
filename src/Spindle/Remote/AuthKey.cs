using System.Security.Cryptography;
using System.Text;

namespace Spindle.Remote;

/// <summary>
/// The secret shared by an executor and its workers on other machines (Python: <c>multiprocessing</c>'s
/// <c>authkey</c>, which authenticates connections with HMAC challenges). Every message between them carries an
/// HMAC-SHA256 signature under this key, checked before anything else in the message is read: a task names
/// assemblies and a method to run, so an unauthenticated one must never reach the deserializer.
/// </summary>
internal sealed class AuthKey
{
    /// <summary>The environment variable read when no key is given: its UTF-8 bytes are the key.</summary>
    public const string EnvironmentVariable = "SPINDLE_AUTHKEY";

    /// <summary>Shorter keys are refused: a guessable key would let anyone with broker access run code on the workers.</summary>
    public const int MinimumLength = 16;

    /// <summary>Bytes of a signature (HMAC-SHA256).</summary>
    public const int SignatureLength = HMACSHA256.HashSizeInBytes;

    // The keyed HMAC of the key this thread used last: keying costs more than hashing a task (the one-shot HashData keys
    // on every call), and a process uses one key.
    [ThreadStatic] private static AuthKey? t_lastKey;
    [ThreadStatic] private static IncrementalHash? t_hmac;

    private readonly byte[] _key;

    /// <summary>A key of the given bytes (copied).</summary>
    /// <exception cref="ArgumentException">The key is shorter than <see cref="MinimumLength"/> bytes.</exception>
    public AuthKey(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinimumLength)
            throw new ArgumentException($"The authkey must be at least {MinimumLength} bytes long (it is {key.Length}); use a random one, e.g. `openssl rand -hex 32`.", nameof(key));
        _key = key.ToArray();
    }

    /// <summary>The given key, or else the one in <see cref="EnvironmentVariable"/>.</summary>
    /// <exception cref="InvalidOperationException">No key was given and the variable is not set.</exception>
    public static AuthKey Resolve(byte[]? key)
    {
        if (key is not null) return new AuthKey(key);
        var text = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(text))
            throw new InvalidOperationException(
                $"No authkey: pass one, or set {EnvironmentVariable} to the same secret on the machine that submits and on every worker. Tasks are never sent or run unsigned.");
        return new AuthKey(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Writes the signature of <paramref name="data"/> into <paramref name="signature"/>.</summary>
    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature)
    {
        var hmac = t_hmac;
        if (hmac is null || !ReferenceEquals(t_lastKey, this))
        {
            hmac?.Dispose();
            t_hmac = hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
            t_lastKey = this;
        }
        hmac.AppendData(data);
        hmac.GetHashAndReset(signature);
    }

    /// <summary>Whether <paramref name="signature"/> is this key's signature of <paramref name="data"/> (compared in constant time).</summary>
    public bool Verifies(ReadOnlySpan<byte> signature, ReadOnlySpan<byte> data)
    {
        Span<byte> expected = stackalloc byte[SignatureLength];
        Sign(data, expected);
        return signature.Length == SignatureLength && CryptographicOperations.FixedTimeEquals(expected, signature);
    }
}
