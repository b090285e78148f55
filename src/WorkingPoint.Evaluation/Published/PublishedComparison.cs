using WorkingPoint.Catalog;
using WorkingPoint.Core;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Evaluation.Calibration;
using WorkingPoint.Results;

namespace WorkingPoint.Evaluation.Published;

/// <summary>Which rows to list; null matches every row.</summary>
public sealed record PublishedFilter(string? Platform = null, string? Runtime = null, string? Model = null, string? Metric = null);

/// <summary>A published figure beside its prediction. <paramref name="ErrorPercent"/> is (predicted / measured − 1) × 100.</summary>
public sealed record PublishedComparisonRow(
    string Id,
    string Platform,
    string Model,
    string Weights,
    string Runtime,
    string? Unit,
    string Metric,
    string MetricUnit,
    string Setting,
    double Measured,
    double Predicted,
    double ErrorPercent,
    string Source,
    string? Date)
{
    /// <summary>The precision the prediction computed at (fp32 under TensorRT runs as tf32): what the row's weights were taken to mean.</summary>
    public string? ExecutedPrecision { get; init; }

    /// <summary>The units the prediction ran on ("gpu + dla" for an Offline row under a runtime that drives both).</summary>
    public string? RanOn { get; init; }
}

/// <summary><c>wpt published</c>: the rows that match, each with its prediction and error, and the rows that cannot be predicted.</summary>
public sealed record PublishedAnswer(
    string Dataset,
    IReadOnlyList<PublishedComparisonRow> Rows,
    ErrorSummary Error,
    IReadOnlyList<string> NotPredictable);

public static class PublishedComparison
{
    /// <summary>
    /// The rows of <paramref name="dataset"/> that match <paramref name="filter"/>, predicted. A filter value that names nothing
    /// the catalog or the dataset knows is an <see cref="InvalidInputException"/> with the closest id suggested.
    /// </summary>
    public static PublishedAnswer Compare(PublishedDataset dataset, Catalog.Catalog catalog, PublishedFilter filter)
    {
        Check("--platform", filter.Platform, catalog.Platforms.Select(p => p.Id).Concat(dataset.Rows.Select(r => r.Platform)), "wpt platforms");
        Check("--model", filter.Model, catalog.Models.Select(m => m.Id).Concat(dataset.Rows.Select(r => r.Model)), "wpt models");
        Check("--runtime", filter.Runtime, catalog.Runtimes.SelectMany(r => r.Aliases.Prepend(r.Id)).Concat(dataset.Rows.Select(r => r.Runtime)), "wpt runtimes");
        var runtimeId = filter.Runtime is null ? null : PublishedCases.RuntimeOf(filter.Runtime, null, catalog)?.Id ?? filter.Runtime;
        if (filter.Metric is not null && !PublishedMetrics.TryParse(filter.Metric, out _))
        {
            throw new InvalidInputException($"--metric '{filter.Metric}' is not a metric; use one of {string.Join(", ", PublishedMetrics.Ids)}.");
        }

        var rows = dataset.Rows.Where(r =>
            (filter.Platform is null || r.Platform == filter.Platform)
            && (runtimeId is null || r.Runtime == filter.Runtime || (PublishedCases.RuntimeOf(r.Runtime, r.Unit, catalog)?.Id ?? r.Runtime) == runtimeId)
            && (filter.Model is null || r.Model == filter.Model)
            && (filter.Metric is null || r.Metric.Id() == filter.Metric));
        var resolved = PublishedCases.Resolve(rows, catalog);
        var compared = resolved.Cases.Select(c =>
        {
            var prediction = Predictions.Predict(c.Model, c.Platform, c.Request);
            var predicted = c.Figure(prediction);
            var (precision, units) = prediction switch
            {
                GraphModelPrediction g when c.Row.Metric == PublishedMetric.OfflineSamplesPerSecond => (g.Result.ExecutedPrecision, g.OfflineThroughput().UnitList),
                GraphModelPrediction g => (g.Result.ExecutedPrecision, g.Unit.Id),
                LlmModelPrediction l => (l.Result.ExecutedPrecision, l.Unit.Id),
                _ => throw new InvalidOperationException("a prediction is of an LLM or of a network"),
            };
            return new PublishedComparisonRow(
                c.Row.Id, c.Row.Platform, c.Row.Model, c.Row.Weights, c.Row.Runtime, c.Row.Unit, c.Row.Metric.Id(), c.Row.Metric.Unit(), c.Row.Setting,
                c.Row.Value, predicted, ((predicted / c.Row.Value) - 1) * 100, c.Row.Source, c.Row.Date)
            {
                ExecutedPrecision = precision.ToId(),
                RanOn = units,
            };
        }).ToArray();
        var error = ErrorSummary.OfLogErrors(compared.Select(r => (double?)Math.Log(r.Predicted / r.Measured)));
        return new PublishedAnswer(dataset.Origin, compared, error, resolved.NotPredictable.Select(u => u.ToString()).ToArray());
    }

    private static void Check(string option, string? value, IEnumerable<string> known, string listCommand)
    {
        if (value is null)
        {
            return;
        }

        var ids = known.Distinct().ToArray();
        if (ids.Contains(value))
        {
            return;
        }

        var best = ids.Select(id => (id, d: EditDistance.Between(value, id))).OrderBy(t => t.d).ThenBy(t => t.id, StringComparer.Ordinal).FirstOrDefault();
        var suggestion = best.id is not null && best.d <= Math.Max(2, value.Length / 3) ? $" Did you mean '{best.id}'?" : string.Empty;
        throw new InvalidInputException($"{option} '{value}' names nothing in the catalog or the published dataset.{suggestion} Run '{listCommand}' for the list.");
    }
}
