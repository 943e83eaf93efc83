using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Spindle.Managers;

namespace Spindle.Tests.Managers;

/// <summary>
/// A client written from the protocol's description alone (a TCP socket, Python's frames, the HMAC challenge), so tests
/// can send a server what no proxy would: garbage, oversized frames, unknown requests.
/// </summary>
internal sealed class RawManagerClient : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    public RawManagerClient(ManagerAddress address)
    {
        _client = new TcpClient();
        _client.Connect(address.Host!, address.Port);
        _stream = _client.GetStream();
        _stream.ReadTimeout = 20_000;
    }

    /// <summary>Python's answer_challenge then deliver_challenge; returns whether the server welcomed us.</summary>
    public bool Authenticate(byte[] key)
    {
        var challenge = ReadFrame()!;
        var message = challenge.AsSpan("#CHALLENGE#".Length).ToArray();
        WriteFrame([.. "{sha256}"u8, .. HMACSHA256.HashData(key, message)]);
        if (!ReadFrame()!.AsSpan().SequenceEqual("#WELCOME#"u8)) return false;
        byte[] ours = [.. "{sha256}"u8, .. RandomNumberGenerator.GetBytes(40)];
        WriteFrame([.. "#CHALLENGE#"u8, .. ours]);
        var answer = ReadFrame()!;
        var ok = answer.AsSpan().SequenceEqual([.. "{sha256}"u8, .. HMACSHA256.HashData(key, ours)]);
        WriteFrame(ok ? "#WELCOME#"u8.ToArray() : "#FAILURE#"u8.ToArray());
        return ok;
    }

    public void WriteFrame(byte[] body)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, body.Length);
        WriteRaw([.. header, .. body]);
    }

    public void WriteRaw(byte[] bytes) => _stream.Write(bytes);

    /// <summary>The next frame, or null when the server has closed the connection.</summary>
    public byte[]? ReadFrame()
    {
        var header = new byte[4];
        if (!ReadExactly(header)) return null;
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header)];
        return ReadExactly(body) ? body : null;
    }

    /// <summary>Whether the server closed the connection (reads until the end of the stream).</summary>
    public bool WasDropped()
    {
        try
        {
            while (ReadFrame() is not null) { }
            return true;
        }
        catch (IOException)
        {
            return true; // reset by the server
        }
    }

    public void Dispose() => _client.Dispose();

    public static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    private bool ReadExactly(byte[] buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = _stream.Read(buffer, read, buffer.Length - read);
            if (n == 0) return false;
            read += n;
        }
        return true;
    }
}
