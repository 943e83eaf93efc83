using Spindle.Selectors;

namespace Spindle.Cli.Echo;

/// <summary>IO multiplexing on epoll (seed 001): connections are registered once; a wait returns only the ready ones.</summary>
internal static class EpollEcho
{
    /// <summary>The model.</summary>
    public static EchoModel Model { get; } = new("epoll",
        "Python's selectors server on Spindle's EpollSelector: a wait returns only the ready connections", server => SelectorEcho.Serve(server, new EpollSelector()));
}
