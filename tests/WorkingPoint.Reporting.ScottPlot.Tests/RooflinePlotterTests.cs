using WorkingPoint.Core;
using System.Xml.Linq;

namespace WorkingPoint.Reporting.ScottPlot.Tests;

public sealed class RooflinePlotterTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly string _directory = Directory.CreateTempSubdirectory("workingpoint-roofline-").FullName;
    private readonly RooflinePlotter _plotter = new();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_chart_saved_as_png_is_a_real_png_of_more_than_10_KB()
    {
        var path = Path.Combine(_directory, "roofline.png");

        _plotter.Save(TestCharts.WorkloadChart(TestCharts.OrinNanoLike()), path);

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(PngSignature, bytes.Take(PngSignature.Length));
        Assert.True(bytes.Length > 10 * 1024, $"PNG is only {bytes.Length} bytes.");
    }

    [Fact]
    public void A_chart_saved_as_svg_parses_as_xml_with_an_svg_root()
    {
        var path = Path.Combine(_directory, "roofline.svg");

        _plotter.Save(TestCharts.WorkloadChart(TestCharts.OrinNanoLike()), path);

        var root = XDocument.Load(path).Root;
        Assert.NotNull(root);
        Assert.Equal("svg", root.Name.LocalName);
    }

    [Fact]
    public void The_extension_is_matched_regardless_of_case()
    {
        var path = Path.Combine(_directory, "ROOFLINE.PNG");

        _plotter.Save(TestCharts.WorkloadChart(TestCharts.OrinNanoLike()), path);

        Assert.Equal(PngSignature, File.ReadAllBytes(path).Take(PngSignature.Length));
    }

    [Theory]
    [InlineData("roofline.jpg")]
    [InlineData("roofline.pdf")]
    [InlineData("roofline")]
    public void An_unknown_extension_throws_an_argument_exception_naming_the_allowed_ones(string name)
    {
        var path = Path.Combine(_directory, name);

        var error = Assert.Throws<InvalidInputException>(() => _plotter.Save(TestCharts.WorkloadChart(TestCharts.OrinNanoLike()), path));

        Assert.Contains(".png", error.Message, StringComparison.Ordinal);
        Assert.Contains(".svg", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Several_platforms_render_onto_one_png()
    {
        var path = Path.Combine(_directory, "compare.png");
        var charts = new[] { TestCharts.WorkloadChart(TestCharts.OrinNanoLike()), TestCharts.WorkloadChart(TestCharts.DataflowCardLike()) };

        _plotter.Save(charts, path);

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(PngSignature, bytes.Take(PngSignature.Length));
        Assert.True(bytes.Length > 10 * 1024, $"PNG is only {bytes.Length} bytes.");
    }

    [Fact]
    public void A_per_layer_chart_with_many_points_renders_to_svg()
    {
        var path = Path.Combine(_directory, "layers.svg");

        _plotter.Save(TestCharts.PerLayerChart(TestCharts.OrinNanoLike()), path);

        Assert.Equal("svg", XDocument.Load(path).Root?.Name.LocalName);
    }

    [Fact]
    public void An_empty_list_of_charts_throws_an_argument_exception()
    {
        var path = Path.Combine(_directory, "empty.png");

        Assert.Throws<ArgumentException>(() => _plotter.Save([], path));
    }

    [Fact]
    public void The_achievable_ceiling_drawn_is_that_of_the_precision_the_workloads_run_at()
    {
        var ceilings = new Core.Analysis.Ceilings(TestCharts.OrinNanoLike());
        var (fp16, _) = Core.Analysis.RooflineChart.CeilingsOf(ceilings, [Core.Hardware.Precision.Fp16]);
        var achievable = Assert.Single(fp16, c => c.Label.Contains("achievable", StringComparison.Ordinal));
        Assert.StartsWith("fp16 achievable", achievable.Label, StringComparison.Ordinal);
        Assert.Equal(ceilings.ComputeOpsPerSecond(Core.Hardware.Precision.Fp16), achievable.OpsPerSecond);

        var (both, _) = Core.Analysis.RooflineChart.CeilingsOf(ceilings, [Core.Hardware.Precision.Int8, Core.Hardware.Precision.Fp16, null]);
        Assert.Equal(2, both.Count(c => c.Label.Contains("achievable", StringComparison.Ordinal)));
    }

    [Fact]
    public void Each_ceiling_is_labelled_once_on_its_line_with_its_figure_in_a_sans_serif_face()
    {
        var path = Path.Combine(_directory, "labels.svg");
        _plotter.Save(TestCharts.WorkloadChart(TestCharts.OrinNanoLike()), path);
        var svg = File.ReadAllText(path);
        var texts = XDocument.Parse(svg).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();

        Assert.Single(texts, t => t == "DRAM peak 102 GB/s");
        Assert.Single(texts, t => t.StartsWith("DRAM achievable", StringComparison.Ordinal) && t.EndsWith("GB/s", StringComparison.Ordinal));
        Assert.Single(texts, t => t == "int8 achievable (50 %) 16.8 TOPS");
        Assert.DoesNotContain(texts, t => t.Contains("GB/s (", StringComparison.Ordinal));
        Assert.DoesNotContain("Serif", svg, StringComparison.Ordinal);
        Assert.Contains("sans-serif", svg, StringComparison.Ordinal);
    }
}
