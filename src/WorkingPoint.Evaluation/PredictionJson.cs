using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;

namespace WorkingPoint.Evaluation;

/// <summary>A prediction as JSON. Field names carry their unit; unknown energies are null. Documented in docs/json.md.</summary>
public sealed record PredictionJson(
    string Platform,
    string Model,
    string Kind,
    string Weights,
    string ExecutedPrecision,
    string? Runtime,
    string Unit,
    double Throughput,
    string ThroughputUnit,
    string Bottleneck,
    bool Fits,
    double? AveragePowerW,
    bool AveragePowerIsLowerBound,
    bool Throttled,
    double? PriceUsd,
    double? ThroughputPerWatt,
    double? ThroughputPerDollar,
    LlmJson? Llm,
    GraphJson? Graph,
    IReadOnlyList<UncertaintyJson> Uncertainty,
    IReadOnlyList<string> Assumptions)
{
    public static PredictionJson From(ModelPrediction p, bool layers = false)
    {
        var price = p.Platform.Price?.Amount.Value;
        var power = p.AveragePower?.Value;
        return new PredictionJson(
            p.Platform.Id,
            p.Model.Id,
            p is LlmModelPrediction ? "llm" : "graph",
            p is LlmModelPrediction l0 ? l0.Result.WeightFormat : ((GraphModelPrediction)p).Result.WeightFormat,
            (p is LlmModelPrediction l1 ? l1.Result.ExecutedPrecision : ((GraphModelPrediction)p).Result.ExecutedPrecision).ToId(),
            p.Runtime?.DrivenAsId,
            p.Unit.Id,
            p.Throughput,
            p.ThroughputUnit,
            p.Bottleneck.ToId(),
            p.Fits,
            power,
            // Without a published idle power the average is the dynamic part alone: a lower bound, and power per watt an upper one.
            power is not null && p.Platform.Power.Idle is null,
            p is LlmModelPrediction l2 ? l2.Result.Throttled : ((GraphModelPrediction)p).Result.Throttled,
            price,
            // Efficiency of a model that does not fit is meaningless, so it is left out.
            power is { } w && w > 0 && p.Fits ? p.Throughput / w : null,
            price is { } d && d > 0 && p.Fits ? p.Throughput / d : null,
            p is LlmModelPrediction llm ? LlmJson.From(llm.Result) : null,
            p is GraphModelPrediction g ? GraphJson.From(g, layers) : null,
            p.Quantities.Select(q => UncertaintyJson.From(p, q)).ToArray(),
            p.Assumptions);
    }
}

/// <summary>
/// One predicted quantity's error band: ±percent and the rows it was measured on (null when the runtime is uncalibrated for it),
/// the range it gives around the prediction (decode and prefill in tok/s, a network's latency in ms), and the band in words.
/// </summary>
public sealed record UncertaintyJson(string Quantity, double? PlusMinusPercent, int? Rows, double? Low, double? High, string RangeUnit, string Text)
{
    public static UncertaintyJson From(ModelPrediction p, PredictedQuantity quantity)
    {
        var u = p.UncertaintyOf(quantity);
        var (value, unit) = p.FigureOf(quantity);
        return new UncertaintyJson(quantity.ToId(), u.Band?.PlusMinusPercent, u.Band?.Rows, u.Band?.Low(value), u.Band?.High(value), unit, u.Text);
    }
}

public sealed record LlmJson(
    string KvCache,
    int PromptTokens,
    int GeneratedTokens,
    int Batch,
    int Images,
    long PromptTokensWithImages,
    double VisionEncodeMs,
    double PrefillMs,
    double TtftMs,
    double PrefillTokensPerSecond,
    double DecodeMsPerToken,
    double DecodeTokensPerSecond,
    double AggregateDecodeTokensPerSecond,
    double TotalMs,
    double WeightBytes,
    double KvCacheBytes,
    double MemoryRequiredBytes,
    double? MemoryAvailableBytes,
    double DecodeBytesPerToken,
    string WeightResidence,
    string PrefillBoundBy,
    string DecodeBoundBy,
    double? EnergyPerTokenJ,
    double? EnergyPerRequestJ,
    double ThrottleSlowdown)
{
    public static LlmJson From(LlmPrediction r) => new(
        r.KvCacheFormat,
        r.Scenario.PromptTokens,
        r.Scenario.GeneratedTokens,
        r.Scenario.Batch,
        r.Scenario.Images,
        r.PromptTokensWithImages,
        r.VisionEncode.Milliseconds,
        r.Prefill.Milliseconds,
        r.TimeToFirstToken.Milliseconds,
        r.PrefillTokensPerSecond,
        r.DecodeStep.Milliseconds,
        r.DecodeTokensPerSecond,
        r.AggregateDecodeTokensPerSecond,
        r.Total.Milliseconds,
        r.WeightBytes.Value,
        r.KvCacheBytes.Value,
        r.MemoryRequired.Value,
        r.MemoryAvailable?.Value,
        r.DecodeBytesPerToken.Value,
        r.WeightResidence.ToString().ToLowerInvariant(),
        r.PrefillBinding.ToId(),
        r.DecodeBinding.ToId(),
        r.EnergyPerToken?.Value,
        r.EnergyPerRequest?.Value,
        r.ThrottleSlowdown);
}

public sealed record GraphJson(
    string Input,
    int Batch,
    double LatencyMs,
    double Fps,
    double GigaOpsPerInference,
    double AchievedTops,
    double WeightBytes,
    double DramBytesPerInference,
    double HostLinkBytesPerInference,
    double PeakLiveActivationBytes,
    bool ActivationsOnChip,
    string WeightResidence,
    double? EnergyPerInferenceJ,
    double ThrottleSlowdown,
    IReadOnlyList<LayerJson>? Layers)
{
    public static GraphJson From(GraphModelPrediction p, bool layers)
    {
        var r = p.Result;
        IReadOnlyList<LayerJson>? layerRows = null;
        if (layers)
        {
            var model = ((GraphCatalogModel)p.Model).Model;
            var built = model.Build((int)r.Input[3], (int)r.Input[2]);
            layerRows = r.Layers.Select(l =>
            {
                var layer = built.Layers[l.Index];
                return new LayerJson(layer.Name, layer.Kind.ToString(), layer.Detail, layer.Output.ToString(), l.Cost.Ops, layer.Parameters, l.Seconds * 1000, l.Binding.ToId(), l.Cost.DramBytes, l.Cost.OnChipBytes, l.Cost.HostLinkBytes);
            }).ToArray();
        }

        return new GraphJson(
            r.Input.ToString(),
            r.Batch,
            r.Latency.Milliseconds,
            r.FramesPerSecond,
            r.OpsPerInference.Giga,
            r.AchievedOpsPerSecond / 1e12,
            r.WeightBytes.Value,
            r.DramBytesPerInference.Value,
            r.HostLinkBytesPerInference.Value,
            r.PeakLiveActivations.Value,
            r.ActivationsOnChip,
            r.WeightResidence.ToString().ToLowerInvariant(),
            r.EnergyPerInference?.Value,
            r.ThrottleSlowdown,
            layerRows);
    }
}

public sealed record LayerJson(string Name, string Op, string Detail, string Output, double Ops, long Parameters, double TimeMs, string BoundBy, double DramBytes, double OnChipBytes, double HostLinkBytes);
