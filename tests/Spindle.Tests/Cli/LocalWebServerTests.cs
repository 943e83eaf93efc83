using System.Net.Sockets;
using System.Text;
using Spindle.Cli.Lessons;

namespace Spindle.Tests.Cli;

public sealed class LocalWebServerTests
{
    private static string Get(int port, string path)
    {
        using var client = new TcpClient("127.0.0.1", port);
        var stream = client.GetStream();
        stream.Write(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [Fact]
    public void A_page_is_served_with_its_length_and_closed()
    {
        using var server = new LocalWebServer();
        var response = Get(server.Port, "/page/3");
        Assert.StartsWith("HTTP/1.0 200 OK\r\n", response, StringComparison.Ordinal);
        var body = LocalWebServer.PageBody(3);
        Assert.Contains($"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n", response, StringComparison.Ordinal);
        Assert.EndsWith(body, response, StringComparison.Ordinal);
        Assert.Equal($"http://127.0.0.1:{server.Port}/page/3", server.Page(3).ToString());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/page/x")]
    [InlineData("/elsewhere")]
    public void Anything_else_is_404(string path)
    {
        using var server = new LocalWebServer();
        Assert.StartsWith("HTTP/1.0 404 Not Found", Get(server.Port, path), StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_that_sends_nothing_and_leaves_does_not_stop_the_server()
    {
        using var server = new LocalWebServer();
        using (new TcpClient("127.0.0.1", server.Port)) { }
        Assert.StartsWith("HTTP/1.0 200 OK", Get(server.Port, "/page/1"), StringComparison.Ordinal);
    }
}
