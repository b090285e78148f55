using System.Xml.Linq;

namespace WorkingPoint.Reporting.ScottPlot.Tests;

public sealed class UseCasePlotterTests
{
    private readonly UseCasePlotter _plotter = new();

    private static List<string> Texts(string svg) =>
        XDocument.Parse(svg).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();

    [Fact]
    public void The_pareto_plot_labels_every_platform_and_starts_its_power_axis_at_zero()
    {
        ParetoPoint[] points =
        [
            new("board-a", 249, 2.900, 160, OnFront: true),
            new("board-b", 499, 2.910, 100, OnFront: false),
            new("board-c", 80, 4.96, 0, OnFront: false, Feasible: false, PowerIsLowerBound: true),
        ];
        var texts = Texts(_plotter.ParetoSvg("Cost against power", points));

        Assert.Contains("board-a (160)", texts);
        Assert.Contains("board-b (100)", texts);
        Assert.Contains("≥ board-c", texts);
        // Ticks from 0 W: two platforms 0.01 W apart are not spread over the whole axis.
        Assert.Contains("0", texts);
        Assert.DoesNotContain(texts, t => t.StartsWith("2.90", StringComparison.Ordinal));
    }

    [Fact]
    public void Target_bars_show_headroom_beyond_one_with_the_value_printed()
    {
        var texts = Texts(_plotter.TargetBarsSvg("detector", "achievable ÷ target", [new("a", 4.01, true), new("b", 0.5, false)]));
        Assert.Contains("×4.01", texts);
        Assert.Contains("0.5", texts);
        Assert.Contains(texts, t => t.StartsWith("target", StringComparison.Ordinal));
    }

    [Fact]
    public void Target_bars_spanning_more_than_a_factor_of_20_use_a_log_scale()
    {
        var texts = Texts(_plotter.TargetBarsSvg("detector", "achievable ÷ target", [new("a", 40, true), new("b", 0.01, false)]));
        Assert.Contains("achievable ÷ target, log scale", texts);
        Assert.Contains("×40", texts);
    }

    [Theory]
    [InlineData(0.5, "0.5")]
    [InlineData(1, "×1")]
    [InlineData(4.014, "×4.01")]
    [InlineData(123.4, "×123")]
    public void A_ratio_prints_as_a_factor_above_the_target(double ratio, string text) => Assert.Equal(text, UseCasePlotter.Ratio(ratio));
}
