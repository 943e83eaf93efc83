using Spindle.Cli.Bench;
using Spindle.Cli.Commands;
using Spindle.Tests.Support;

namespace Spindle.Tests.Cli;

public sealed class BenchCommandTests : LeakCheckedTest
{
    [Fact]
    public void Bench_list_names_every_suite_with_its_title()
    {
        var (code, output, _) = SpindleCli.Run("bench", "--list");
        Assert.Equal(0, code);
        Assert.All(BenchCatalogue.All, suite =>
        {
            Assert.Contains(suite.Name, output, StringComparison.Ordinal);
            Assert.Contains(suite.Title[..20], output, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Bench_of_an_unknown_suite_exits_2_and_runs_nothing()
    {
        var (code, output, error) = SpindleCli.Run("bench", "no-such-suite");
        Assert.Equal(BenchCommand.UnknownSuite, code);
        Assert.Contains("no suite named 'no-such-suite'", error, StringComparison.Ordinal);
        Assert.Equal("", output);
    }

    [Fact]
    public void Suites_have_unique_kebab_case_names()
    {
        var names = BenchCatalogue.All.Select(s => s.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", n));
    }

    [Theory]
    [InlineData(200.0, 100.0, true, 2.0)]   // a rate twice the peer's
    [InlineData(50.0, 100.0, false, 2.0)]   // half the peer's time
    [InlineData(100.0, 50.0, false, 0.5)]   // twice the peer's time: Spindle trails
    public void The_ratio_is_how_many_times_better_Spindle_is(double spindle, double python, bool higherIsBetter, double ratio) =>
        Assert.Equal(ratio, new BenchRow("f", spindle, python, "u", higherIsBetter).Ratio!.Value, 9);

    [Fact]
    public void A_row_without_a_peer_value_has_no_ratio() =>
        Assert.Null(new BenchRow("f", 1, null, "u", true).Ratio);

    [Fact]
    public void Peer_lines_are_parsed_and_comments_skipped()
    {
        var parsed = PythonPeer.Parse("process.fork.start_join 1.71 ms/process min=1.63 max=1.75 n=5");
        Assert.Equal(("process.fork.start_join", new PeerFigure(1.71, "ms/process")), parsed);
        Assert.Null(PythonPeer.Parse("# process.forkserver.first: first start+join 41.6 ms"));
        Assert.Null(PythonPeer.Parse("Traceback (most recent call last):"));
    }
}
