using Spectre.Console;
using Spindle.Cli.Commands;
using Spindle.Cli.Lessons;
using Spindle.Tests.Threading;
using Spindle.Threading;

namespace Spindle.Tests.Cli;

public sealed class CliTests : SpindleThreadLeakCheckedTest
{
    // The daemon lesson leaves a daemon blocked for good, on purpose: what must not be left behind is a non-daemon thread.
    protected override bool IsLeak(SpindleThread thread) => !thread.IsDaemon;

    public static TheoryData<string> ThreadLessonNames => [.. ThreadLessons.All.Select(l => l.Name)];

    [Fact]
    public void Demo_list_lists_every_thread_lesson_with_its_seed_and_title()
    {
        var (code, output, _) = SpindleCli.Run("demo", "--list");
        Assert.Equal(0, code);
        Assert.All(ThreadLessons.All, lesson =>
        {
            Assert.Contains(lesson.Name, output, StringComparison.Ordinal);
            Assert.Contains(lesson.Seed, output, StringComparison.Ordinal);
        });
        Assert.Contains("two ways to start a thread", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ThreadLessonNames))]
    public void Demo_runs_the_lesson_and_shows_its_source(string name)
    {
        var (code, output, error) = SpindleCli.Run("demo", name);
        Assert.True(code == 0, $"exit {code}: {output}{error}");
        Assert.DoesNotContain("FAILED", output, StringComparison.Ordinal);
        Assert.Contains($"lesson {name}", output, StringComparison.Ordinal);
        Assert.Contains("source: src/Spindle.Cli/Lessons/ThreadLessons.cs", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_of_an_unknown_lesson_suggests_close_names_and_exits_2()
    {
        var (code, output, error) = SpindleCli.Run("demo", "thread-pids");
        Assert.Equal(DemoCommand.UnknownLesson, code);
        Assert.Equal(2, code);
        Assert.Contains("no lesson named 'thread-pids'", error, StringComparison.Ordinal);
        Assert.Contains("Did you mean: thread-pid", error, StringComparison.Ordinal);
        Assert.Equal("", output);
    }

    [Fact]
    public void Demo_of_a_name_far_from_all_points_to_the_list()
    {
        var (code, _, error) = SpindleCli.Run("demo", "zzzzzzzz");
        Assert.Equal(2, code);
        Assert.Contains("spindle demo --list", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_without_a_name_exits_2()
    {
        var (code, _, error) = SpindleCli.Run("demo");
        Assert.Equal(2, code);
        Assert.Contains("--list", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Tour_runs_every_lesson_and_summarises()
    {
        var (code, output, error) = SpindleCli.Run("tour");
        Assert.True(code == 0, $"exit {code}: {output}{error}");
        foreach (var lesson in LessonCatalogue.All)
            Assert.Contains($"lesson {lesson.Name}", output, StringComparison.Ordinal);
        Assert.Contains($"{LessonCatalogue.All.Count} lessons run, 0 failed, wall time", output, StringComparison.Ordinal);
        Assert.Contains("shortened 20x", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Tour_reports_a_failing_lesson_goes_on_and_exits_non_zero()
    {
        var ranAfter = false;
        Lesson[] lessons =
        [
            Lesson.Create("boom", "seed 999 §1", "throws", _ => throw new InvalidOperationException("lesson broke")),
            Lesson.Create("after", "seed 999 §2", "runs anyway", say => { ranAfter = true; say.Line("still here"); }),
        ];
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No });
        var code = TourCommand.Run(lessons, console);
        var text = output.ToString();
        Assert.Equal(1, code);
        Assert.True(ranAfter);
        Assert.Contains("FAILED boom: InvalidOperationException: lesson broke", text, StringComparison.Ordinal);
        Assert.Contains("still here", text, StringComparison.Ordinal);
        Assert.Contains("2 lessons run, 1 failed", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Lessons_have_unique_kebab_case_names_seeds_and_titles()
    {
        var all = LessonCatalogue.All;
        Assert.Equal(all.Count, all.Select(l => l.Name).Distinct().Count());
        Assert.All(all, l =>
        {
            Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", l.Name);
            Assert.StartsWith("seed ", l.Seed, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(l.Title));
            Assert.EndsWith("Lessons.cs", l.SourcePath, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData("/_/src/Spindle.Cli/Lessons/ThreadLessons.cs", "src/Spindle.Cli/Lessons/ThreadLessons.cs")]
    [InlineData("/work/repo/src/Spindle.Cli/Lessons/ThreadLessons.cs", "src/Spindle.Cli/Lessons/ThreadLessons.cs")]
    [InlineData(@"C:\repo\src\Spindle.Cli\Lessons\X.cs", "src/Spindle.Cli/Lessons/X.cs")]
    [InlineData("src/A.cs", "src/A.cs")]
    [InlineData("/elsewhere/A.cs", "/elsewhere/A.cs")]
    public void Source_paths_are_shown_relative_to_the_repository(string recorded, string shown) =>
        Assert.Equal(shown, Lesson.Relative(recorded));

    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("thread-pid", "thread-pid", 0)]
    public void Edit_distance_is_levenshtein(string a, string b, int distance) =>
        Assert.Equal(distance, LessonCatalogue.EditDistance(a, b));
}
