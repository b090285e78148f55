using System.Collections.Concurrent;
using WorkingPoint.Catalog;
using WorkingPoint.Core;
using WorkingPoint.Core.Hardware;
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
internal sealed partial class LabFigures(Catalog.Catalog catalog)
{
    private readonly ConcurrentDictionary<(string Platform, string Model, string? Weights, MeasurementKind Kind), PredictedFigure> _predictions = new();
    private readonly ConcurrentDictionary<(long Roofline, string Model, string? Weights, MeasurementKind Kind), PredictedFigure> _onMeasuredDevices = new();

    /// <summary>
    /// Whether a result's subject names a catalog platform the server can predict for: not when it names none, nor when it names
    /// <c>host</c>, which means the machine that measured (a lab agent on unknown hardware), not the server's own host.
    /// </summary>
    public static bool NamesCatalogPlatform(ResultSubject subject) => subject.Platform is { } platform && platform != HostPlatform.Id;

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

    /// <summary>
    /// The prediction for a result of a device that names no catalog platform, on the device as its own roofline result measured it
    /// (the <c>host</c> description <c>wpt measure roofline</c> writes on that machine, rebuilt from the uploaded figures), or why there is none.
    /// </summary>
    public PredictedFigure PredictedOnMeasured(MeasurementRecord record, StoredMeasurement roofline)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(roofline);
        if (record.Kind is not (MeasurementKind.Llm or MeasurementKind.Onnx) || record.Subject.Model is null)
        {
            return Predicted(record);
        }

        return _onMeasuredDevices.GetOrAdd((roofline.Id, record.Subject.Model, record.Subject.Weights, record.Kind), key =>
            MeasuredPlatform(roofline) is { } platform
                ? Predict(platform, key.Model, key.Weights, key.Kind)
                : new PredictedFigure(null, string.Empty, $"roofline result #{roofline.Id} lacks a figure a platform needs (DRAM triad, fp32 and int8 peaks, last-level cache)"));
    }

    /// <summary>The device as its roofline result measured it, as the host platform description that run wrote on the device; null when a figure is missing.</summary>
    internal Platform? MeasuredPlatform(StoredMeasurement roofline)
    {
        var record = roofline.Record;
        double? Metric(string name) => record.Metrics.FirstOrDefault(m => m.Name == name)?.Value;

        // The last-level cache: the deepest "lN.triad" figure, its size from the caches parameter ("L1d 48 KiB ×8, L2 1.25 MiB ×4, L3 12 MiB ×1").
        var lastLevel = record.Metrics.Select(m => CacheTriad().Match(m.Name)).Where(m => m.Success).MaxBy(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        var cacheMiB = lastLevel is null ? null : CacheMiB(record.Parameters.GetValueOrDefault("caches"), "L" + lastLevel.Groups[1].Value);
        if (Metric("dram.triad") is not { } dram || Metric("peak.fp32") is not { } fp32Gflops || Metric("peak.int8") is not { } int8Gops
            || lastLevel is null || Metric(lastLevel.Value) is not { } cacheTriad || cacheMiB is not { } mib)
        {
            return null;
        }

        var figures = new HostFigures(
            record.Platform.CpuModel,
            record.Platform.LogicalCores,
            fp32Gflops / 1000,
            record.Parameters.GetValueOrDefault("fp32-path") ?? "measured",
            int8Gops / 1000,
            record.Parameters.GetValueOrDefault("int8-path") ?? "measured",
            mib,
            cacheTriad,
            dram,
            record.Platform.MemoryBytes > 0 ? record.Platform.MemoryBytes / (1024.0 * 1024 * 1024) : null,
            record.StartedAt);
        try
        {
            return catalog.WithRuntimes(PlatformYaml.Parse($"roofline result #{roofline.Id}", HostPlatform.Yaml(figures)));
        }
        catch (WorkingPointException)
        {
            return null; // a figure out of range (a damaged upload): no prediction rather than a broken page
        }
    }

    /// <summary>The size of one cache level, all instances, from the roofline's caches parameter; null when it does not say.</summary>
    private static double? CacheMiB(string? caches, string level)
    {
        foreach (var entry in (caches ?? string.Empty).Split(',', StringSplitOptions.TrimEntries))
        {
            var match = CacheEntry().Match(entry);
            if (match.Success && match.Groups[1].Value.StartsWith(level, StringComparison.Ordinal)
                && double.TryParse(match.Groups[2].Value.Replace(',', '.'), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var size))
            {
                var mib = match.Groups[3].Value switch { "KiB" => size / 1024, "MiB" => size, _ => size * 1024 };
                return mib * int.Parse(match.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^l(\d+)\.triad$")]
    private static partial System.Text.RegularExpressions.Regex CacheTriad();

    [System.Text.RegularExpressions.GeneratedRegex(@"^(L\d+\w*) ([\d.,]+) (KiB|MiB|GiB) ×(\d+)")]
    private static partial System.Text.RegularExpressions.Regex CacheEntry();

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

    private PredictedFigure Predict(string platformId, string modelId, string? weights, MeasurementKind kind) =>
        catalog.Platforms.FirstOrDefault(p => p.Id == platformId) is { } platform
            ? Predict(platform, modelId, weights, kind)
            : new PredictedFigure(null, string.Empty, $"'{platformId}' is not a catalog platform");

    private PredictedFigure Predict(Platform platform, string modelId, string? weights, MeasurementKind kind)
    {
        var model = catalog.Models.FirstOrDefault(m => m.Id == modelId);
        if (model is null)
        {
            return new PredictedFigure(null, string.Empty, $"'{modelId}' is not a catalog model");
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
