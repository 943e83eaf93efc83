using System.CommandLine;
using Spectre.Console;
using Spindle.Cli.Lessons;

namespace Spindle.Cli.Commands;

/// <summary><c>spindle demo NAME</c> runs one lesson and shows its source; <c>spindle demo --list</c> lists them.</summary>
internal static class DemoCommand
{
    /// <summary>Exit code for a lesson name that does not exist (or none given).</summary>
    public const int UnknownLesson = 2;

    /// <summary>Builds the command.</summary>
    public static Command Create(IAnsiConsole console, TextWriter error)
    {
        var name = new Argument<string?>("name") { Description = "The lesson to run (see --list).", Arity = ArgumentArity.ZeroOrOne };
        var list = new Option<bool>("--list", "-l") { Description = "List the lessons: name, seed section, title." };
        var command = new Command("demo", "Run one lesson and show where its code is.") { name, list };
        command.SetAction(result => result.GetValue(list) ? List(console) : Run(result.GetValue(name), console, error));
        return command;
    }

    private static int List(IAnsiConsole console)
    {
        var table = new Table().AddColumn("name").AddColumn("seed").AddColumn("shows");
        foreach (var lesson in LessonCatalogue.All)
            table.AddRow(Markup.Escape(lesson.Name), Markup.Escape(lesson.Seed), Markup.Escape(lesson.Title));
        console.Write(table);
        return 0;
    }

    private static int Run(string? name, IAnsiConsole console, TextWriter error)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            error.WriteLine("spindle demo: give a lesson NAME, or --list to see them.");
            return UnknownLesson;
        }
        if (LessonCatalogue.Find(name) is not { } lesson)
        {
            var close = LessonCatalogue.Suggest(name);
            error.WriteLine(close.Count > 0
                ? $"spindle demo: no lesson named '{name}'. Did you mean: {string.Join(", ", close)}?"
                : $"spindle demo: no lesson named '{name}'. See 'spindle demo --list'.");
            return UnknownLesson;
        }
        var succeeded = LessonRunner.Run(lesson, console);
        console.MarkupLine($"[grey]source:[/] {Markup.Escape(lesson.RelativeSourcePath)}");
        return succeeded ? 0 : 1;
    }
}
