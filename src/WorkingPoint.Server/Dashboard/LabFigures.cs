using System.Collections.Concurrent;
using WorkingPoint.Catalog;
using WorkingPoint.Core;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Evaluation;
using WorkingPoint.Results;

namespace WorkingPoint.Server.DashboardPages;

/// <summary>A measured figure the analytic model also predicts: an LLM's decode rate or a network's latency.</summary>
/// <param name="Name">What it is ("decode", "latency p50").</param>
/// <param name="HigherIsBetter">Tokens per second: yes; milliseconds: no.</param>
internal sealed record ComparableFigure(string Name, double Value, string Unit, bool HigherIsBetter);

/// <summary>A prediction of a comparable figure, or why there is none.</summary>
internal sealed record PredictedFigure(double? Value, string Unit, string? Why);

/// <summary>
/// Which figure of a result the dashboard shows and compares with the catalog's prediction, and that prediction. Predictions are
/// cached by platform, model and weights: the catalog does not change while the server runs, and the matrix asks for the same
/// cells on every visit.
/// </summary>
internal sealed class LabFigures(Catalog.Catalog catalog)
{
    private readonly ConcurrentDictionary<(string Platform, string Model, string? Weights, MeasurementKind Kind), PredictedFigure> _predictions = new();

    /// <summary>The one figure a list shows for a result: its scenario's headline, a decode rate, or the DRAM bandwidth.</summary>
    public static Metric? Headline(MeasurementRecord record)
    {
        string[] preferred = record.Kind switch
        {
            MeasurementKind.Llm => ["decode.tokens-per-second", "prefill.tokens-per-second"],
            MeasurementKind.Onnx => ["latency.p90", "latency.p99", "server.qps", "throughput", "latency.p50"],
            MeasurementKind.Roofline => ["dram.triad"],
            _ => [],
        };
        return preferred.Select(name => record.Metrics.FirstOrDefault(m => m.Name == name)).FirstOrDefault(m => m is not null) ?? (record.Metrics.Count > 0 ? record.Metrics[0] : null);
    }

    /// <summary>The figure of a result the analytic model predicts too; null for kinds it does not (roofline, mix).</summary>
    public static ComparableFigure? Comparable(MeasurementRecord record)
    {
        Metric? Find(string name) => record.Metrics.FirstOrDefault(m => m.Name == name);
        return record.Kind switch
        {
            MeasurementKind.Llm when Find("decode.tokens-per-second") is { } decode => new ComparableFigure("decode", decode.Value, decode.Unit, HigherIsBetter: true),
            MeasurementKind.Onnx when (Find("latency.p50") ?? Find("latency.mean")) is { } latency => new ComparableFigure(latency.Name.Replace('.', ' '), latency.Value, latency.Unit, HigherIsBetter: false),
            _ => null,
        };
    }

    /// <summary>The catalog's prediction of <see cref="Comparable"/> for a result's subject, or why there is none (unknown platform or model, a missing figure).</summary>
    public PredictedFigure Predicted(MeasurementRecord record)
    {
        var subject = record.Subject;
        if (record.Kind is not (MeasurementKind.Llm or MeasurementKind.Onnx))
        {
            return new PredictedFigure(null, string.Empty, "the analytic model predicts LLM and network runs only");
        }

        if (subject.Platform is null || subject.Model is null)
        {
            return new PredictedFigure(null, string.Empty, subject.Platform is null ? "the device names no catalog platform" : "the result names no model");
        }

        return _predictions.GetOrAdd((subject.Platform, subject.Model, subject.Weights, record.Kind), key => Predict(key.Platform, key.Model, key.Weights, key.Kind));
    }

    /// <summary>The catalog's prediction for a platform and model by id, or why there is none.</summary>
    public PredictedFigure Predicted(string platformId, string modelId, string? weights, MeasurementKind kind) =>
        _predictions.GetOrAdd((platformId, modelId, weights, kind), key => Predict(key.Platform, key.Model, key.Weights, key.Kind));

    /// <summary>Measured ÷ predicted − 1, in percent: positive is faster than predicted for a rate, slower for a latency.</summary>
    public static double? ErrorPercent(ComparableFigure? measured, PredictedFigure predicted) =>
        measured is not null && predicted.Value is { } p && p > 0 ? ((measured.Value / p) - 1) * 100 : null;

    /// <summary>The CSS class that colours an error: within 15 %, within 35 %, beyond.</summary>
    public static string ErrorClass(double? errorPercent) => errorPercent switch
    {
        null => "err-none",
        { } e when Math.Abs(e) <= 15 => "err-good",
        { } e when Math.Abs(e) <= 35 => "err-fair",
        _ => "err-poor",
    };

    private PredictedFigure Predict(string platformId, string modelId, string? weights, MeasurementKind kind)
    {
        var platform = catalog.Platforms.FirstOrDefault(p => p.Id == platformId);
        var model = catalog.Models.FirstOrDefault(m => m.Id == modelId);
        if (platform is null || model is null)
        {
            return new PredictedFigure(null, string.Empty, platform is null ? $"'{platformId}' is not a catalog platform" : $"'{modelId}' is not a catalog model");
        }

        if ((kind == MeasurementKind.Llm) != (model is LlmCatalogModel))
        {
            return new PredictedFigure(null, string.Empty, $"'{modelId}' is not a model of this kind of run");
        }

        try
        {
            var request = new PredictionRequest(Weights: weights is not null && WeightFormat.TryParse(weights, out var format) ? format : null);
            var prediction = Predictions.Predict(model, platform, request);
            var (value, unit) = prediction.FigureOf(kind == MeasurementKind.Llm ? PredictedQuantity.Decode : PredictedQuantity.Network);
            return new PredictedFigure(value, unit, null);
        }
        catch (WorkingPointException ex)
        {
            return new PredictedFigure(null, string.Empty, ex.Message);
        }
    }
}
