using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spindle.Cli.Lessons;

namespace Spindle.Cli.Commands;

/// <summary><c>spindle tour</c>: every lesson, in order, then a one-line summary.</summary>
internal static class TourCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(IAnsiConsole console)
    {
        var command = new Command("tour", "Run every lesson of the seeds, in order, in a few seconds.");
        command.SetAction(_ => Run(LessonCatalogue.All, console));
        return command;
    }

    /// <summary>Runs <paramref name="lessons"/>; a failed one is reported and the others still run.</summary>
    /// <returns>0 if all succeeded, 1 otherwise.</returns>
    public static int Run(IReadOnlyList<Lesson> lessons, IAnsiConsole console)
    {
        var start = Stopwatch.GetTimestamp();
        var failed = lessons.Where(lesson => !LessonRunner.Run(lesson, console)).Select(l => l.Name).ToList();
        var elapsed = Stopwatch.GetElapsedTime(start);
        console.Write(new Rule());
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{lessons.Count} lessons run, {failed.Count} failed, wall time {elapsed.TotalSeconds:0.00} s");
        if (failed.Count == 0)
        {
            console.MarkupLine($"[green]{summary}[/]");
            return 0;
        }
        console.MarkupLine($"[red]{summary}: {Markup.Escape(string.Join(", ", failed))}[/]");
        return 1;
    }
}
