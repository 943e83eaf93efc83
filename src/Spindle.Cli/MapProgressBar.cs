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
        if (!console.Profile.Capabilities.Interactive) return run(new Steps(console, title));
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

    // Where the bar cannot be redrawn (output redirected): a line at each quarter.
    private sealed class Steps(IAnsiConsole console, string title) : IProgress<MapProgress>
    {
        private int _quarter;

        public void Report(MapProgress value)
        {
            if (value.Fraction is not { } fraction || (int)(fraction * 4) <= _quarter) return;
            _quarter = (int)(fraction * 4);
            console.MarkupLine($"[grey]  {Markup.Escape(title)}: {value.Completed:N0} of {value.Total:N0} done[/]");
        }
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
