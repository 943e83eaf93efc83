using Spectre.Console;

namespace Spindle.Cli.Lessons;

/// <summary>Runs a lesson under its heading and reports a failure instead of letting it escape.</summary>
internal static class LessonRunner
{
    /// <summary>Runs <paramref name="lesson"/>, writing to <paramref name="console"/>.</summary>
    /// <returns>Whether it ran without throwing.</returns>
    public static bool Run(Lesson lesson, IAnsiConsole console)
    {
        console.Write(new Rule($"[yellow]{Markup.Escape(lesson.Seed)}[/] · {Markup.Escape(lesson.Title)}") { Justification = Justify.Left });
        console.MarkupLine($"[grey]lesson[/] [bold]{Markup.Escape(lesson.Name)}[/]");
        try
        {
            lesson.Run(new LessonContext(console));
            return true;
        }
#pragma warning disable CA1031 // a failing lesson is reported and the tour goes on with the next one
        catch (Exception exception)
        {
            console.MarkupLine($"[red]FAILED[/] [bold]{Markup.Escape(lesson.Name)}[/]: {Markup.Escape(exception.GetType().Name)}: {Markup.Escape(exception.Message)}");
            console.WriteLine(exception.ToString(), new Style(Color.Red));
            return false;
        }
#pragma warning restore CA1031
    }
}
