using WorkingPoint.Core.Analysis;

namespace WorkingPoint.Evaluation;

/// <summary>One stage of a split as JSON (docs/json.md).</summary>
public sealed record SplitStageJson(string Platform, int Device, string Unit, string? Runtime, int FirstLayer, int Layers, bool OutputLayer, double DecodeStepMs, string DecodeBinding, double PrefillMs, string PrefillBinding, double WeightBytes);

/// <summary>The memory one device of a split needs, in bytes (docs/json.md).</summary>
public sealed record SplitMemoryJson(string Platform, int Device, double RequiredBytes, double? AvailableBytes, bool Fits);

/// <summary>A split or pipelined LLM prediction as JSON (docs/json.md); times in ms, rates in tokens per second.</summary>
public sealed record SplitJson(
    string Model,
    string Weights,
    string KvCache,
    IReadOnlyList<SplitStageJson> Stages,
    IReadOnlyList<string> Crossings,
    double DecodeTransferMs,
    double PrefillTransferMs,
    double DecodeTokS,
    double AggregateDecodeTokS,
    double PipelinedDecodeTokS,
    double PrefillTokS,
    double TtftMs,
    double TotalMs,
    IReadOnlyList<SplitMemoryJson> Memory,
    bool Fits,
    string Bottleneck,
    double? EnergyPerTokenJ,
    double? AveragePowerW,
    bool Throttled)
{
    public static SplitJson From(SplitPrediction p) => new(
        p.ModelId,
        p.WeightFormat,
        p.KvCacheFormat,
        p.Stages.Select(s => new SplitStageJson(s.PlatformId, s.Device, s.UnitId, s.RuntimeId, s.FirstLayer, s.Layers, s.HoldsOutput, s.DecodeStep.Milliseconds, s.DecodeBinding.ToId(), s.Prefill.Milliseconds, s.PrefillBinding.ToId(), s.WeightBytes.Value)).ToArray(),
        p.Crossings.Select(c => c.Via).ToArray(),
        p.DecodeTransfer.Milliseconds,
        p.PrefillTransfer.Milliseconds,
        p.DecodeTokensPerSecond,
        p.AggregateDecodeTokensPerSecond,
        p.PipelinedTokensPerSecond,
        p.PrefillTokensPerSecond,
        p.TimeToFirstToken.Milliseconds,
        p.Total.Milliseconds,
        p.Memories.Select(m => new SplitMemoryJson(m.PlatformId, m.Device, m.Required.Value, m.Available?.Value, m.Fits)).ToArray(),
        p.Fits,
        p.Bottleneck.ToId(),
        p.EnergyPerToken?.Value,
        p.AverageDecodePower?.Value,
        p.Throttled);
}

/// <summary>Speculative decoding as JSON, beside the plain prediction (docs/json.md).</summary>
public sealed record SpeculativeJson(
    string Draft,
    double Acceptance,
    int DraftTokens,
    double ExpectedTokensPerStep,
    double DraftStepsMs,
    double VerifyStepMs,
    string VerifyBinding,
    double StepMs,
    double DecodeTokS,
    double PlainDecodeTokS,
    double Speedup,
    double MemoryRequiredBytes,
    double? MemoryAvailableBytes,
    bool Fits,
    double? EnergyPerTokenJ,
    bool Throttled)
{
    public static SpeculativeJson From(SpeculativePrediction s) => new(
        s.DraftModelId,
        s.Acceptance,
        s.DraftTokens,
        s.ExpectedTokensPerStep,
        s.DraftSteps.Milliseconds,
        s.VerifyStep.Milliseconds,
        s.VerifyBinding.ToId(),
        s.StepTime.Milliseconds,
        s.TokensPerSecond,
        s.PlainTokensPerSecond,
        s.Speedup,
        s.MemoryRequired.Value,
        s.MemoryAvailable?.Value,
        s.Fits,
        s.EnergyPerToken?.Value,
        s.Throttled);
}

/// <summary>A prediction with speculative decoding: the plain prediction and the speculative decode.</summary>
public sealed record SpeculativePredictionJson(PredictionJson Prediction, SpeculativeJson Speculative);
