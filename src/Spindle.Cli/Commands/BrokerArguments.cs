using System.CommandLine;
using System.Text;
using Spindle.Broker;

namespace Spindle.Cli.Commands;

/// <summary>
/// The options <c>spindle worker</c> and <c>spindle status</c> share: the broker (from <c>SPINDLE_BROKER_URI</c> unless
/// given, so that its password need not appear in a command line that <c>ps</c> shows), the queue, and the authkey
/// (<c>SPINDLE_AUTHKEY</c>, or a file: never an argument).
/// </summary>
internal sealed class BrokerArguments
{
    public Option<string?> Broker { get; } = new("--broker")
    {
        Description = $"The broker's URI, amqp://user:password@host:port/vhost; default ${BrokerConnection.UriVariable} (which keeps the password out of ps).",
    };

    public Option<string> Queue { get; } = new("--queue", "-Q")
    {
        Description = "The task queue.",
        DefaultValueFactory = _ => BrokerOptions.DefaultQueue,
    };

    public Option<FileInfo?> AuthKeyFile { get; } = new("--authkey-file")
    {
        Description = "A file holding the shared authkey; default $SPINDLE_AUTHKEY.",
    };

    /// <summary>The broker URI given or in the environment.</summary>
    /// <exception cref="InvalidOperationException">Neither is there, or it is not an AMQP URI.</exception>
    public Uri BrokerUri(ParseResult result) =>
        result.GetValue(Broker) is { Length: > 0 } text ? BrokerConnection.Parse(text) : BrokerConnection.UriFromEnvironment();

    /// <summary>The authkey in the file given (its text, without the final line break), or null to read the environment.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public byte[]? AuthKey(ParseResult result) =>
        result.GetValue(AuthKeyFile) is { } file ? Encoding.UTF8.GetBytes(File.ReadAllText(file.FullName).TrimEnd('\r', '\n')) : null;
}
