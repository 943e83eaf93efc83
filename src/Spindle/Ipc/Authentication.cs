using System.Security.Authentication;
using System.Security.Cryptography;
using Spindle.Native;

namespace Spindle.Ipc;

/// <summary>
/// The HMAC challenge both ends of a manager connection or a <see cref="Listener"/>/<see cref="Client"/> connection pass
/// before anything else is read — Python's
/// <c>multiprocessing.connection.deliver_challenge</c>/<c>answer_challenge</c>: one side sends
/// <c>#CHALLENGE#{sha256}</c> and 40 random bytes, the other answers with <c>{sha256}</c> and the HMAC-SHA256 of that
/// message under the shared key, and hears <c>#WELCOME#</c> or <c>#FAILURE#</c>; then the roles swap, so each side
/// knows the other holds the key. Frames are capped at <see cref="HandshakeMaxFrame"/> bytes and only compared, never
/// decoded.
/// </summary>
internal static class Authentication
{
    /// <summary>The largest frame read before both sides have authenticated (Python reads the challenge with <c>recv_bytes(256)</c>).</summary>
    internal const int HandshakeMaxFrame = 256;

    private const int MessageLength = 40;
    private static readonly byte[] s_challenge = "#CHALLENGE#"u8.ToArray();
    private static readonly byte[] s_welcome = "#WELCOME#"u8.ToArray();
    private static readonly byte[] s_failure = "#FAILURE#"u8.ToArray();
    private static readonly byte[] s_digestName = "{sha256}"u8.ToArray();

    /// <summary>How long a peer has to complete the handshake before the server drops it.</summary>
    internal static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The server's side (Python's <c>Listener.accept</c>): challenge the client, then answer its challenge.</summary>
    /// <exception cref="AuthenticationException">The client does not hold the key.</exception>
    internal static void AsServer(IHandshakeChannel channel, byte[] key)
    {
        var deadline = Deadline.Start(HandshakeTimeout);
        Deliver(channel, key, deadline);
        Answer(channel, key, deadline);
    }

    /// <summary>The client's side (Python's <c>Client</c>): answer the server's challenge, then challenge it.</summary>
    /// <exception cref="AuthenticationException">The server refused our key, or does not hold it.</exception>
    internal static void AsClient(IHandshakeChannel channel, byte[] key)
    {
        var deadline = Deadline.Start(HandshakeTimeout);
        Answer(channel, key, deadline);
        Deliver(channel, key, deadline);
    }

    /// <summary>
    /// <paramref name="connection"/> once <paramref name="handshake"/> has passed under <paramref name="key"/> (at once when
    /// there is no key); closed when it fails.
    /// </summary>
    internal static Connection Authenticated(Connection connection, byte[]? key, Action<IHandshakeChannel, byte[]> handshake)
    {
        if (key is null) return connection;
        try
        {
            handshake(connection, key);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Deliver(IHandshakeChannel channel, byte[] key, Deadline deadline)
    {
        var message = new byte[s_digestName.Length + MessageLength];
        s_digestName.CopyTo(message, 0);
        Libc.FillRandom(message.AsSpan(s_digestName.Length));
        channel.Send(s_challenge, message);
        var response = ReceiveHandshake(channel, deadline);
        if (!CryptographicOperations.FixedTimeEquals(response, Digest(key, message)))
        {
            channel.Send(s_failure);
            throw new AuthenticationException("digest received was wrong: the peer does not hold the authkey.");
        }
        channel.Send(s_welcome);
    }

    private static void Answer(IHandshakeChannel channel, byte[] key, Deadline deadline)
    {
        var challenge = ReceiveHandshake(channel, deadline);
        if (!challenge.AsSpan().StartsWith(s_challenge))
            throw new AuthenticationException($"Protocol error: expected a challenge, got {challenge.Length} other bytes.");
        channel.Send(Digest(key, challenge.AsSpan(s_challenge.Length)));
        var verdict = ReceiveHandshake(channel, deadline);
        if (!verdict.AsSpan().SequenceEqual(s_welcome))
            throw new AuthenticationException("digest sent was rejected: the peer refused this authkey.");
    }

    private static byte[] Digest(byte[] key, ReadOnlySpan<byte> message) => [.. s_digestName, .. HMACSHA256.HashData(key, message)];

    private static byte[] ReceiveHandshake(IHandshakeChannel channel, Deadline deadline)
    {
        try
        {
            if (!channel.Receive(out var frame, deadline))
                throw new AuthenticationException("The peer closed the connection during the authentication handshake.");
            return frame.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or TimeoutException)
        {
            throw new AuthenticationException($"The authentication handshake failed: {e.Message}", e);
        }
    }
}

/// <summary>What the handshake needs of a connection: whole frames out and in, nothing read beyond the frame asked for.</summary>
internal interface IHandshakeChannel
{
    /// <summary>Sends one frame: <paramref name="head"/> then <paramref name="body"/>.</summary>
    void Send(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body = default);

    /// <summary>Reads one frame of at most <see cref="Authentication.HandshakeMaxFrame"/> bytes; false at the end of the stream.</summary>
    /// <exception cref="InvalidDataException">A longer or malformed frame.</exception>
    /// <exception cref="TimeoutException">The deadline passed first.</exception>
    bool Receive(out ReadOnlyMemory<byte> frame, Deadline deadline, bool spin = true);
}
