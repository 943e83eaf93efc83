using System.CommandLine;
using Spectre.Console;
using Spindle.Cli.Commands;

namespace Spindle.Cli;

/// <summary>The root of the <c>spindle</c> command: builds the command tree and runs it against given writers.</summary>
internal static class SpindleCommand
{
    /// <summary>Parses and runs <paramref name="args"/>, writing to <paramref name="output"/> and <paramref name="error"/>.</summary>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var console = CreateConsole(output);
        var root = new RootCommand("spindle: Python's concurrency toolkit for .NET, lesson by lesson.")
        {
            TourCommand.Create(console),
            DemoCommand.Create(console, error),
            BenchCommand.Create(console, error),
            EchoCommand.Create(console, error),
            WorkerCommand.Create(output, error),
            StatusCommand.Create(console, error),
        };
        root.HelpName = "spindle"; // the apphost's file name; the assembly is Spindle.Cli

        return root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    private static IAnsiConsole CreateConsole(TextWriter output)
    {
        // Colours and cursor codes only on a terminal: redirected to a file, a pipe or a test's writer, plain text.
        var terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        // Redirected output has no width; Spectre would wrap at 80 columns.
        if (!terminal) console.Profile.Width = 160;
        return console;
    }
}
