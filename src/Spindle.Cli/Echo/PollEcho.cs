using Spindle.Selectors;

namespace Spindle.Cli.Echo;

/// <summary>IO multiplexing on poll(2) (seed 001): every wait hands the kernel the whole set of connections.</summary>
internal static class PollEcho
{
    /// <summary>The model.</summary>
    public static EchoModel Model { get; } = new("poll",
        "Python's selectors server on Spindle's PollSelector: every wait scans all connections", server => SelectorEcho.Serve(server, new PollSelector()));
}
