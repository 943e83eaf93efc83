using System.Security.Authentication;
using System.Security.Cryptography;
using Spindle.Native;

namespace Spindle.Managers;

/// <summary>
/// The HMAC challenge both ends of a manager connection pass before anything else is read — Python's
/// <c>multiprocessing.connection.deliver_challenge</c>/<c>answer_challenge</c>: one side sends
/// <c>#CHALLENGE#{sha256}</c> and 40 random bytes, the other answers with <c>{sha256}</c> and the HMAC-SHA256 of that
/// message under the shared key, and hears <c>#WELCOME#</c> or <c>#FAILURE#</c>; then the roles swap, so each side
/// knows the other holds the key. Frames are capped at <see cref="FrameChannel.HandshakeMaxFrame"/> bytes and only
/// compared, never decoded.
/// </summary>
internal static class Authentication
{
    private const int MessageLength = 40;
    private static readonly byte[] s_challenge = "#CHALLENGE#"u8.ToArray();
    private static readonly byte[] s_welcome = "#WELCOME#"u8.ToArray();
    private static readonly byte[] s_failure = "#FAILURE#"u8.ToArray();
    private static readonly byte[] s_digestName = "{sha256}"u8.ToArray();

    /// <summary>How long a peer has to complete the handshake before the server drops it.</summary>
    internal static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The server's side (Python's <c>Listener.accept</c>): challenge the client, then answer its challenge.</summary>
    /// <exception cref="AuthenticationException">The client does not hold the key.</exception>
    internal static void AsServer(FrameChannel channel, byte[] key)
    {
        var deadline = Deadline.Start(HandshakeTimeout);
        Deliver(channel, key, deadline);
        Answer(channel, key, deadline);
    }

    /// <summary>The client's side (Python's <c>Client</c>): answer the server's challenge, then challenge it.</summary>
    /// <exception cref="AuthenticationException">The server refused our key, or does not hold it.</exception>
    internal static void AsClient(FrameChannel channel, byte[] key)
    {
        var deadline = Deadline.Start(HandshakeTimeout);
        Answer(channel, key, deadline);
        Deliver(channel, key, deadline);
    }

    private static void Deliver(FrameChannel channel, byte[] key, Deadline deadline)
    {
        var message = new byte[s_digestName.Length + MessageLength];
        s_digestName.CopyTo(message, 0);
        Libc.FillRandom(message.AsSpan(s_digestName.Length));
        channel.Send(s_challenge, message);
        var response = ReceiveHandshake(channel, deadline);
        if (!CryptographicOperations.FixedTimeEquals(response, Digest(key, message)))
        {
            channel.Send(s_failure);
            throw new AuthenticationException("digest received was wrong: the peer does not hold the manager's authkey.");
        }
        channel.Send(s_welcome);
    }

    private static void Answer(FrameChannel channel, byte[] key, Deadline deadline)
    {
        var challenge = ReceiveHandshake(channel, deadline);
        if (!challenge.AsSpan().StartsWith(s_challenge))
            throw new AuthenticationException($"Protocol error: expected a challenge, got {challenge.Length} other bytes.");
        channel.Send(Digest(key, challenge.AsSpan(s_challenge.Length)));
        var verdict = ReceiveHandshake(channel, deadline);
        if (!verdict.AsSpan().SequenceEqual(s_welcome))
            throw new AuthenticationException("digest sent was rejected: the manager refused this authkey.");
    }

    private static byte[] Digest(byte[] key, ReadOnlySpan<byte> message) => [.. s_digestName, .. HMACSHA256.HashData(key, message)];

    private static byte[] ReceiveHandshake(FrameChannel channel, Deadline deadline)
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
