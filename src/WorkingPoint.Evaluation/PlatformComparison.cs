using WorkingPoint.Catalog;
using WorkingPoint.Core;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;

namespace WorkingPoint.Evaluation;

/// <summary>One model across platforms: a prediction per platform, sorted, and the platforms left out for a missing figure.</summary>
public sealed record ComparisonAnswer(string Model, string SortedBy, IReadOnlyList<PredictionJson> Rows, IReadOnlyList<string> Skipped);

/// <summary><c>wpt compare</c>: one model predicted on many platforms, with perf/W and perf/$.</summary>
public static class PlatformComparison
{
    public static readonly IReadOnlyList<string> SortKeys = ["throughput", "latency", "perf-per-watt", "perf-per-dollar", "power", "price", "id"];

    /// <summary>
    /// <paramref name="platforms"/> as <see cref="Catalog.Catalog.ResolvePlatforms"/> reads it. Over all platforms, one without a figure the
    /// prediction needs is skipped with the reason; named explicitly, it is an error.
    /// </summary>
    public static ComparisonAnswer Compare(Catalog.Catalog catalog, CatalogModel model, string? platforms, Func<Platform, PredictionRequest> requestFor, string sort = "throughput")
    {
        var rows = new List<PredictionJson>();
        var skipped = new List<string>();
        foreach (var platform in catalog.ResolvePlatforms(platforms))
        {
            try
            {
                rows.Add(PredictionJson.From(Predictions.Predict(model, platform, requestFor(platform))));
            }
            catch (MissingFigureException ex) when (platforms is null or "all")
            {
                skipped.Add($"{platform.Id}: {ex.Message}");
            }
        }

        return new ComparisonAnswer(model.Id, sort, Sorted(rows, sort), skipped);
    }

    private static List<PredictionJson> Sorted(List<PredictionJson> rows, string key) => key switch
    {
        "latency" => rows.OrderBy(r => r.Llm?.TtftMs ?? r.Graph!.LatencyMs).ToList(),
        "perf-per-watt" => rows.OrderByDescending(r => r.ThroughputPerWatt ?? double.MinValue).ToList(),
        "perf-per-dollar" => rows.OrderByDescending(r => r.ThroughputPerDollar ?? double.MinValue).ToList(),
        "power" => rows.OrderBy(r => r.AveragePowerW ?? double.MaxValue).ToList(),
        "price" => rows.OrderBy(r => r.PriceUsd ?? double.MaxValue).ToList(),
        "id" => rows.OrderBy(r => r.Platform, StringComparer.Ordinal).ToList(),
        _ => rows.OrderByDescending(r => r.Fits).ThenByDescending(r => r.Throughput).ToList(),
    };
}
