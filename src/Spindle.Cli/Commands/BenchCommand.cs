using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Spindle.Cli.Bench;

namespace Spindle.Cli.Commands;

/// <summary>
/// <c>spindle bench [SUITE…] [--vs-python] [--out DIR]</c>: measures the suites' figures and prints them as a table,
/// beside the Python peer's from the same run with <c>--vs-python</c>; <c>--list</c> lists the suites.
/// </summary>
internal static class BenchCommand
{
    /// <summary>Exit code for a suite name that does not exist.</summary>
    public const int UnknownSuite = 2;

    /// <summary>Builds the command.</summary>
    public static Command Create(IAnsiConsole console, TextWriter error)
    {
        var names = new Argument<string[]>("suite") { Description = "Suites to run (see --list); all when none is given.", Arity = ArgumentArity.ZeroOrMore };
        var vsPython = new Option<bool>("--vs-python") { Description = "Run the Python peer of each figure in the same run and print the ratio." };
        var list = new Option<bool>("--list", "-l") { Description = "List the suites." };
        var output = new Option<string>("--out") { Description = "Where suites write files (plots).", DefaultValueFactory = _ => "bench-results" };
        var command = new Command("bench", "Measure Spindle's figures, beside the Python peer's with --vs-python.") { names, vsPython, list, output };
        command.SetAction(result => result.GetValue(list)
            ? List(console)
            : Run(result.GetValue(names) ?? [], new BenchContext(console, result.GetValue(vsPython), result.GetValue(output)!), console, error));
        return command;
    }

    private static int List(IAnsiConsole console)
    {
        var table = new Table().AddColumn("suite").AddColumn("measures");
        foreach (var suite in BenchCatalogue.All) table.AddRow(Markup.Escape(suite.Name), Markup.Escape(suite.Title));
        console.Write(table);
        return 0;
    }

    private static int Run(string[] names, BenchContext context, IAnsiConsole console, TextWriter error)
    {
        var suites = new List<BenchSuite>();
        foreach (var name in names)
        {
            if (BenchCatalogue.Find(name) is not { } suite)
            {
                error.WriteLine($"spindle bench: no suite named '{name}'. See 'spindle bench --list'.");
                return UnknownSuite;
            }
            suites.Add(suite);
        }
        if (suites.Count == 0) suites.AddRange(BenchCatalogue.All);
        foreach (var suite in suites)
        {
            console.Write(new Rule($"[bold]{Markup.Escape(suite.Name)}[/]: {Markup.Escape(suite.Title)}").LeftJustified());
            console.Write(Table(suite.Run(context)));
        }
        return 0;
    }

    private static Table Table(IReadOnlyList<BenchRow> rows)
    {
        var table = new Table().AddColumn("figure").AddColumn("unit")
            .AddColumn(new TableColumn("Spindle").RightAligned()).AddColumn(new TableColumn("Python").RightAligned())
            .AddColumn(new TableColumn("Spindle's lead").RightAligned()).AddColumn("goal");
        foreach (var row in rows)
        {
            table.AddRow(Markup.Escape(row.Figure), Markup.Escape(row.Unit), Number(row.Spindle),
                row.Python is { } python ? Number(python) : "—",
                row.Ratio is { } ratio ? string.Create(CultureInfo.InvariantCulture, $"{ratio:0.00}×") : "—",
                Markup.Escape(row.Goal));
        }
        return table;
    }

    /// <summary>Three significant digits at least, thousands separated.</summary>
    internal static string Number(double value) =>
        Math.Abs(value) >= 100 ? value.ToString("N0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 1 ? value.ToString("0.00", CultureInfo.InvariantCulture)
        : value.ToString("0.000", CultureInfo.InvariantCulture);
}
