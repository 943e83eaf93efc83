using System.Globalization;
using System.Net;
using System.Text;

namespace Spindle.Cli.Bench;

/// <summary>One line of a <see cref="SvgLineChart"/>: its name in the legend, its points, whether it is dashed, and its colour (an index; by default its place).</summary>
internal sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false, int? Colour = null);

/// <summary>
/// A line chart as an SVG file, both axes logarithmic (decades marked), for figures that span orders of magnitude:
/// no plotting package restores here, and a chart is a few dozen lines of SVG.
/// </summary>
internal static class SvgLineChart
{
    private const int Width = 760, Height = 440, Left = 80, Right = 230, Top = 50, Bottom = 60;
    private static readonly string[] Colours = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

    /// <summary>The chart as SVG text.</summary>
    /// <exception cref="ArgumentException">No point, or a point that is not positive (a log axis has no place for it).</exception>
    public static string Render(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series)
    {
        var points = series.SelectMany(s => s.Points).ToList();
        if (points.Count == 0) throw new ArgumentException("A chart needs at least one point.", nameof(series));
        if (points.Any(p => !(p.X > 0 && p.Y > 0))) throw new ArgumentException("Log axes take positive values only.", nameof(series));
        var (x0, x1) = Decades(points.Select(p => p.X));
        var (y0, y1) = Decades(points.Select(p => p.Y));
        double Px(double x) => Left + ((Math.Log10(x) - x0) / (x1 - x0) * (Width - Left - Right));
        double Py(double y) => Height - Bottom - ((Math.Log10(y) - y0) / (y1 - y0) * (Height - Top - Bottom));

        var svg = new StringBuilder();
        void Add(FormattableString line) => svg.AppendLine(line.ToString(CultureInfo.InvariantCulture));
        Add($"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{Height}" font-family="sans-serif" font-size="12">""");
        Add($"""<rect width="{Width}" height="{Height}" fill="white"/>""");
        Add($"""<text x="{Width / 2}" y="24" text-anchor="middle" font-size="15">{Escape(title)}</text>""");
        for (var d = x0; d <= x1; d++)
        {
            var x = Px(Math.Pow(10, d));
            Add($"""<line x1="{x:0.#}" y1="{Top}" x2="{x:0.#}" y2="{Height - Bottom}" stroke="#ddd"/>""");
            Add($"""<text x="{x:0.#}" y="{Height - Bottom + 18}" text-anchor="middle">{Power(d)}</text>""");
        }
        for (var d = y0; d <= y1; d++)
        {
            var y = Py(Math.Pow(10, d));
            Add($"""<line x1="{Left}" y1="{y:0.#}" x2="{Width - Right}" y2="{y:0.#}" stroke="#ddd"/>""");
            Add($"""<text x="{Left - 8}" y="{y + 4:0.#}" text-anchor="end">{Power(d)}</text>""");
        }
        Add($"""<rect x="{Left}" y="{Top}" width="{Width - Left - Right}" height="{Height - Top - Bottom}" fill="none" stroke="#444"/>""");
        Add($"""<text x="{(Left + Width - Right) / 2}" y="{Height - 16}" text-anchor="middle">{Escape(xLabel)}</text>""");
        Add($"""<text transform="translate(20 {(Top + Height - Bottom) / 2}) rotate(-90)" text-anchor="middle">{Escape(yLabel)}</text>""");
        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var colour = Colours[(s.Colour ?? i) % Colours.Length];
            var dash = s.Dashed ? " stroke-dasharray=\"6 4\"" : "";
            var path = string.Join(" ", s.Points.OrderBy(p => p.X).Select(p => string.Create(CultureInfo.InvariantCulture, $"{Px(p.X):0.#},{Py(p.Y):0.#}")));
            Add($"""<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>""");
            foreach (var p in s.Points) Add($"""<circle cx="{Px(p.X):0.#}" cy="{Py(p.Y):0.#}" r="3" fill="{colour}"/>""");
            var ly = Top + 10 + (i * 20);
            Add($"""<line x1="{Width - Right + 15}" y1="{ly}" x2="{Width - Right + 45}" y2="{ly}" stroke="{colour}" stroke-width="2"{dash}/>""");
            Add($"""<text x="{Width - Right + 52}" y="{ly + 4}">{Escape(s.Name)}</text>""");
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    /// <summary>The whole decades around the values: 10^lo ≤ all ≤ 10^hi, at least one decade wide.</summary>
    private static (int Low, int High) Decades(IEnumerable<double> values)
    {
        var logs = values.Select(Math.Log10).ToList();
        var low = (int)Math.Floor(logs.Min());
        var high = (int)Math.Ceiling(logs.Max());
        return (low, Math.Max(high, low + 1));
    }

    private static string Power(int decade) => decade switch
    {
        >= 0 and <= 6 => Math.Pow(10, decade).ToString("N0", CultureInfo.InvariantCulture),
        -1 => "0.1",
        -2 => "0.01",
        _ => string.Create(CultureInfo.InvariantCulture, $"1e{decade}"),
    };

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
