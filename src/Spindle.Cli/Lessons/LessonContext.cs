using System.Globalization;
using Spectre.Console;

namespace Spindle.Cli.Lessons;

/// <summary>
/// What a lesson writes through, from any of its threads (lines never interleave), and the seeds' clock, sped up so
/// that the whole tour runs in seconds.
/// </summary>
internal sealed class LessonContext(IAnsiConsole console)
{
    /// <summary>How many times faster than the seeds' <c>time.sleep</c> calls the lessons run.</summary>
    public const int SpeedUp = 20;

    private readonly Lock _gate = new();

    /// <summary>Writes a line of plain text.</summary>
    public void Line(string text)
    {
        lock (_gate) console.WriteLine(text);
    }

    /// <summary>Writes a line of commentary, dimmed.</summary>
    public void Note(string text)
    {
        lock (_gate) console.MarkupLine($"[grey]{Markup.Escape(text)}[/]");
    }

    /// <summary>Runs a long map under a progress bar fed by its <see cref="IProgress{T}"/>.</summary>
    public T WithProgressBar<T>(string title, Func<IProgress<MapProgress>, T> run)
    {
        lock (_gate) return MapProgressBar.Run(console, title, run);
    }

    /// <summary>A duration of the seed, shortened <see cref="SpeedUp"/> times.</summary>
    public static TimeSpan SeedTime(double seedSeconds) => TimeSpan.FromSeconds(seedSeconds / SpeedUp);

    /// <summary>Stands for the seed's <c>time.sleep(seedSeconds)</c> (simulated work), shortened.</summary>
    public static void SleepSeed(double seedSeconds) => Thread.Sleep(SeedTime(seedSeconds));

    /// <summary>Says that the seed's sleeps are shortened, and by how much.</summary>
    public void NoteShortened() =>
        Note(string.Create(CultureInfo.InvariantCulture,
            $"(sleeps shortened {SpeedUp}x, proportions kept: the seed's 1 s is {SeedTime(1).TotalMilliseconds:0} ms here)"));

    /// <summary>Milliseconds, for messages.</summary>
    public static string Ms(TimeSpan time) => string.Create(CultureInfo.InvariantCulture, $"{time.TotalMilliseconds:0} ms");
}
