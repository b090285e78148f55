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
}
