namespace Spindle.Cli.Echo;

/// <summary>
/// One IO model of the seeds' echo server (seed 000 §7.5, seed 001, seed 004): its name for <c>spindle echo serve --model</c>,
/// a one-line title, and the code that serves. <see cref="Serve"/> runs on the calling thread until
/// <see cref="EchoServer.Stopping"/> is cancelled, accepting from <see cref="EchoServer.Listener"/> and echoing every
/// byte upper-cased (<see cref="EchoServer.Received"/>), as the seeds' servers do.
/// </summary>
/// <remarks>
/// A model adds one file holding <c>public static EchoModel Model { get; } = new("name", "title", Serve);</c> and one line in
/// <see cref="EchoModels.All"/>. Its contract, which <c>EchoModelTests</c> checks for every registered model:
/// <list type="bullet">
/// <item>report each connection to <see cref="EchoServer.Opened"/> and <see cref="EchoServer.Closed"/>, and each chunk
/// received to <see cref="EchoServer.Received"/> before sending it back;</item>
/// <item>return soon after <see cref="EchoServer.Stopping"/> is cancelled: the server then connects to its own listener
/// once, so a model blocked in accept or in a wait that includes the listener wakes up; a model blocked elsewhere
/// registers its own wake-up on the token; connections still open when <see cref="Serve"/> returns are closed for it;</item>
/// <item>survive clients that send garbage, vanish mid-message or never read: drop that client, serve the others.</item>
/// </list>
/// </remarks>
/// <param name="Name">The model's name, kebab-case.</param>
/// <param name="Title">What it shows, in a line.</param>
/// <param name="Serve">Serves until the server stops.</param>
internal sealed record EchoModel(string Name, string Title, Action<EchoServer> Serve);
