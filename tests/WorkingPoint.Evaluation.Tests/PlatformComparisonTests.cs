using WorkingPoint.Core.Analysis;

namespace WorkingPoint.Evaluation.Tests;

public sealed class PlatformComparisonTests
{
    private static readonly Catalog.Catalog Catalog = WorkingPoint.Catalog.Catalog.BuiltIn;

    [Fact]
    public void Every_platform_with_figures_gets_a_row_and_the_rest_are_named_with_the_reason()
    {
        var answer = PlatformComparison.Compare(Catalog, Catalog.ResolveModel("yolov8s"), null, _ => new PredictionRequest());

        Assert.Equal("yolov8s", answer.Model);
        Assert.NotEmpty(answer.Rows);
        Assert.Equal(answer.Rows.Count + answer.Skipped.Count, Catalog.ResolvePlatforms("all").Count);
        Assert.All(answer.Skipped, s => Assert.Contains(": ", s, StringComparison.Ordinal));
    }

    [Fact]
    public void Rows_are_sorted_by_the_key_asked_for()
    {
        var model = Catalog.ResolveModel("llama-3.2-1b");

        var byId = PlatformComparison.Compare(Catalog, model, "rk3588,hailo-10h,raspberry-pi-5", _ => new PredictionRequest(), "id");
        var byThroughput = PlatformComparison.Compare(Catalog, model, "rk3588,hailo-10h,raspberry-pi-5", _ => new PredictionRequest());

        Assert.Equal(["hailo-10h", "raspberry-pi-5", "rk3588"], byId.Rows.Select(r => r.Platform));
        Assert.Equal(byThroughput.Rows.OrderByDescending(r => r.Fits).ThenByDescending(r => r.Throughput).Select(r => r.Platform), byThroughput.Rows.Select(r => r.Platform));
    }

    [Fact]
    public void A_platform_named_explicitly_without_a_needed_figure_is_an_error_not_a_skip()
    {
        var unpredictable = Catalog.Platforms.FirstOrDefault(p => !p.Compute.HasAnyPeak);
        Assert.NotNull(unpredictable);

        Assert.Throws<MissingFigureException>(() => PlatformComparison.Compare(Catalog, Catalog.ResolveModel("yolov8s"), unpredictable.Id, _ => new PredictionRequest()));
    }
}
