using System.Xml.Linq;

namespace WorkingPoint.Reporting.ScottPlot.Tests;

public sealed class MeasurementPlotterTests
{
    private readonly MeasurementPlotter _plotter = new();

    private static List<string> Texts(string svg) =>
        XDocument.Parse(svg).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();

    [Fact]
    public void Throughput_over_time_names_what_it_counts_inferences_unless_told_tokens()
    {
        (double, double)[] windows = [(10, 21.8), (20, 21.5), (30, 17.8)];

        Assert.Contains("throughput (inferences/s)", Texts(_plotter.ThroughputOverTimeSvg("Throughput: onnx", windows, [])));
        Assert.Contains("throughput (tokens/s)", Texts(_plotter.ThroughputOverTimeSvg("Throughput: llm", windows, [], "tokens")));
    }
}
