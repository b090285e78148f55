using WorkingPoint.Catalog;
using WorkingPoint.Core;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Evaluation.Solvers;

/// <summary>The answer to "what DRAM bandwidth does this decode rate need".</summary>
public sealed record BandwidthAnswer(
    string Model,
    string Weights,
    double TargetTokensPerSecond,
    double MeanContextTokens,
    double BytesPerToken,
    double WeightBytesPerToken,
    double KvBytesPerToken,
    double DramFraction,
    double RequiredEffectiveBandwidthGBps,
    double RequiredBandwidthGBps,
    IReadOnlyList<string> Interfaces,
    string? Platform,
    double? PlatformPeakBandwidthGBps,
    double? ComputeLimitTokensPerSecond,
    bool? PlatformMeetsTarget);

/// <summary><c>wpt solve bandwidth</c>: the peak DRAM bandwidth an LLM needs for a decode rate, and whether a platform's compute keeps up.</summary>
public static class BandwidthSolver
{
    private static readonly (string Name, double MTps)[] Standards = [("LPDDR4X-4266", 4266), ("LPDDR5-6400", 6400), ("LPDDR5X-8533", 8533)];

    /// <summary>
    /// A catalog LLM (id or file) at <paramref name="targetTokensPerSecond"/> per sequence; <paramref name="platform"/>, when given,
    /// supplies the achievable DRAM fraction and is checked for compute.
    /// </summary>
    public static BandwidthAnswer Solve(Catalog.Catalog catalog, string model, double targetTokensPerSecond, Platform? platform, PredictionRequest request)
    {
        if (catalog.ResolveModel(model) is not LlmCatalogModel llm)
        {
            throw new InvalidInputException($"'{model}' is not an LLM; 'solve bandwidth' answers for decode rates. Use 'solve input' for networks.");
        }

        var workload = new LlmWorkload(llm.Architecture, request.WeightsFor(llm), request.KvCache ?? KvCacheFormat.F16);
        var ceilings = platform is null ? null : Predictions.CeilingsFor(llm, platform, request);
        var baseline = request.Fractions ?? AchievableFractions.Defaults;
        var fractions = ceilings?.Fractions ?? baseline with { Compute = request.ComputeShare ?? baseline.Compute, Dram = request.DramShare ?? baseline.Dram };
        var scenario = request.Generation ?? new LlmScenario();
        return Solve(workload, scenario, targetTokensPerSecond, fractions, ceilings);
    }

    public static BandwidthAnswer Solve(LlmWorkload workload, LlmScenario scenario, double target, AchievableFractions fractions, Ceilings? platform)
    {
        var context = scenario.PromptTokens + (scenario.GeneratedTokens / 2.0);
        var kv = workload.KvBytesPerTokenPerLayer * (workload.AttendedTokenLayers(context) + workload.Architecture.Layers);
        var bytes = workload.DecodeWeightBytes + kv;
        var required = RequiredPeakBandwidth(workload, context, target, fractions.Dram);
        var interfaces = Standards.Select(s => $"{s.Name} needs a {Math.Ceiling(required / (s.MTps * 1e6 / 8) / 16) * 16:0}-bit bus").ToArray();
        double? computeLimit = null;
        bool? meets = null;
        double? peak = null;
        if (platform is not null)
        {
            var step = LlmPredictor.DecodeStep(workload, platform, context);
            computeLimit = 1 / step.ComputeSeconds;
            peak = platform.Platform.Dram?.PeakBandwidth?.GBps;
            meets = 1 / step.Seconds >= target;
        }

        return new BandwidthAnswer(workload.Architecture.Id, workload.Weights.Id, target, context, bytes, workload.DecodeWeightBytes, kv, fractions.Dram, required * fractions.Dram / 1e9, required / 1e9, interfaces, platform?.Platform.Id, peak, computeLimit, meets);
    }

    /// <summary>Peak DRAM bytes/s for a decode rate: bytes moved per token × rate ÷ the achievable fraction.</summary>
    public static double RequiredPeakBandwidth(LlmWorkload workload, double context, double tokensPerSecond, double dramFraction)
    {
        var kv = workload.KvBytesPerTokenPerLayer * (workload.AttendedTokenLayers(context) + workload.Architecture.Layers);
        return (workload.DecodeWeightBytes + kv) * tokensPerSecond / dramFraction;
    }
}
