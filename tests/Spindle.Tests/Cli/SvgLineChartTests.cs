using System.Xml.Linq;
using Spindle.Cli.Bench;
using Spindle.Tests.Support;

namespace Spindle.Tests.Cli;

/// <summary>The SVG writer of <c>spindle bench selectors</c>, and the median every suite reports.</summary>
public sealed class SvgLineChartTests : LeakCheckedTest
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Draws_each_series_on_log_axes_with_a_legend()
    {
        var text = SvgLineChart.Render("waits <N>", "N", "µs", [
            new ChartSeries("select", [(100, 10), (1_000, 100)]),
            new ChartSeries("epoll", [(100, 0.5), (10_000, 0.5)], Dashed: true),
        ]);
        var svg = XDocument.Parse(text).Root!;
        var lines = svg.Elements(Svg + "polyline").ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal("4", lines[1].Attribute("stroke-dasharray")!.Value.Split(' ')[1]);
        Assert.Contains(svg.Elements(Svg + "text"), t => t.Value == "waits <N>");
        Assert.Contains(svg.Elements(Svg + "text"), t => t.Value == "epoll");

        // Log axes: a flat series is a horizontal line; one growing tenfold per decade climbs as much as it moves right.
        static (double X, double Y)[] Points(XElement line) =>
            [.. line.Attribute("points")!.Value.Split(' ').Select(p => p.Split(',')).Select(p => (double.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)))];
        var epoll = Points(lines[1]);
        Assert.Equal(epoll[0].Y, epoll[1].Y);
        var select = Points(lines[0]);
        Assert.True(select[1].Y < select[0].Y, "a larger value is drawn higher");
        Assert.Contains(svg.Elements(Svg + "text"), t => t.Value == "10,000");
        Assert.Contains(svg.Elements(Svg + "text"), t => t.Value == "0.1");
    }

    [Fact]
    public void Refuses_what_a_log_axis_cannot_show()
    {
        Assert.Throws<ArgumentException>(() => SvgLineChart.Render("t", "x", "y", []));
        Assert.Throws<ArgumentException>(() => SvgLineChart.Render("t", "x", "y", [new ChartSeries("zero", [(1, 0)])]));
    }

    [Fact]
    public void The_median_is_the_middle_run()
    {
        Assert.Equal(3, Measure.Median([5, 1, 3]));
        Assert.Equal(7, Measure.Median([7]));
        Assert.Throws<ArgumentException>(() => Measure.Median([]));
    }
}
