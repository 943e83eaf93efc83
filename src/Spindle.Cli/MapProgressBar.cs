using Spectre.Console;

namespace Spindle.Cli;

/// <summary>
/// A Spectre.Console progress bar fed by a map's <see cref="IProgress{T}"/> of <see cref="MapProgress"/>: the bench and the
/// lessons show long maps with it. On a console that cannot redraw, Spectre prints the steps as lines instead.
/// </summary>
internal static class MapProgressBar
{
    /// <summary>Runs <paramref name="run"/> under a bar titled <paramref name="title"/>, advanced by the progress it reports.</summary>
    public static T Run<T>(IAnsiConsole console, string title, Func<IProgress<MapProgress>, T> run)
    {
        var result = default(T)!;
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(title));
                result = run(new Reporter(task));
                task.StopTask();
            });
        return result;
    }

    // Spectre's task is thread-safe; reports arrive on the pool's result-handler thread.
    private sealed class Reporter(ProgressTask task) : IProgress<MapProgress>
    {
        public void Report(MapProgress value)
        {
            if (value.Total is { } total) task.MaxValue = Math.Max(total, 1);
            task.Value = value.Completed;
        }
    }
}
