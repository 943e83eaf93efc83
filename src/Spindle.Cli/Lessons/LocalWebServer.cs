using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Spindle.Cli.Lessons;

/// <summary>
/// A small HTTP/1.0 server on 127.0.0.1 for the lessons that fetch web pages (the seeds' crawlers and
/// <c>submit(get_page).add_done_callback(parse_page)</c>): the tour never reaches the internet. <c>GET /page/N</c>
/// answers a small HTML page whose title names N; anything else is a 404. Every connection is answered and closed.
/// </summary>
internal sealed class LocalWebServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _acceptLoop;
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Starts listening on a free loopback port.</summary>
    public LocalWebServer()
    {
        _listener.Start();
        _acceptLoop = AcceptAsync(_stop.Token);
    }

    /// <summary>The port it listens on.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The address of page <paramref name="n"/>.</summary>
    public Uri Page(int n) => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/page/{n}"));

    /// <summary>The body the server sends for page <paramref name="n"/> (so a lesson can check what it parsed).</summary>
    public static string PageBody(int n) =>
        string.Create(CultureInfo.InvariantCulture, $"<html><head><title>page {n}</title></head><body>{new string('x', 100 * (n + 1))}</body></html>");

    private async Task AcceptAsync(CancellationToken stop)
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(stop).ConfigureAwait(false);
                _ = AnswerAsync(client, stop);
            }
        }
        // Dispose stops the listener: the pending accept ends in one of these, depending on where it was.
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
        catch (InvalidOperationException) { }
        catch (SocketException) { }
    }

    private static async Task AnswerAsync(TcpClient client, CancellationToken stop)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = await ReadHeadAsync(stream, stop).ConfigureAwait(false);
                var path = request.Split(' ') is [_, var target, ..] ? target : "";
                var (status, body) = path.StartsWith("/page/", StringComparison.Ordinal)
                                     && int.TryParse(path["/page/".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                    ? ("200 OK", PageBody(n))
                    : ("404 Not Found", "<html><body>not found</body></html>");
                var bytes = Encoding.UTF8.GetBytes(body);
                var head = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
                    $"HTTP/1.0 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n"));
                await stream.WriteAsync(head, stop).ConfigureAwait(false);
                await stream.WriteAsync(bytes, stop).ConfigureAwait(false);
            }
            catch (IOException) { /* the client went away: nothing to answer */ }
            catch (OperationCanceledException) { }
        }
    }

    // Reads up to the blank line that ends the request head (at most 8 KiB: a lesson's server, not a public one).
    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken stop)
    {
        var buffer = new byte[8192];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), stop).ConfigureAwait(false);
            if (read == 0) break;
            length += read;
            if (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0) break;
        }
        return Encoding.ASCII.GetString(buffer, 0, length);
    }

    /// <summary>Stops listening and waits for the accept loop to end.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _acceptLoop.Wait(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
