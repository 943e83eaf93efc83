using Spindle.Cli;

namespace Spindle.Tests.Cli;

/// <summary>Runs the <c>spindle</c> command in-process, as the CLI tests do.</summary>
internal static class SpindleCli
{
    /// <summary>Runs <c>spindle ARGS…</c> and returns its exit code, output and error output.</summary>
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = SpindleCommand.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
