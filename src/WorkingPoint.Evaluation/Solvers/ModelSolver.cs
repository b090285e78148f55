using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Evaluation.Solvers;

/// <summary>One catalog LLM against the target: its predicted rates, whether it fits, and whether it meets the target.</summary>
public sealed record ModelCandidate(string Model, long Parameters, double DecodeTokensPerSecond, double TtftMs, bool Fits, bool Meets, string Bottleneck);

/// <summary>The catalog's generative LLMs on a platform, largest first, and the largest that meets the target (null: none does).</summary>
public sealed record ModelAnswer(string Platform, string Weights, double TargetTokensPerSecond, string? LargestModel, IReadOnlyList<ModelCandidate> Candidates);

/// <summary><c>wpt solve model</c>: the largest catalog LLM that meets a decode rate (and optionally a time to first token) on a platform.</summary>
public static class ModelSolver
{
    public static ModelAnswer Solve(Catalog.Catalog catalog, Platform platform, PredictionRequest request, double targetTokensPerSecond, double? maxTtftMs = null)
    {
        var candidates = catalog.Models.OfType<LlmCatalogModel>().Where(m => m.Category == WorkloadCategory.Generative) // speech models transcribe; they are not candidates for a chat or planning LLM
            .Select(m => (Model: m, Prediction: (LlmModelPrediction)Predictions.Predict(m, platform, request)))
            .OrderByDescending(c => c.Model.Architecture.Parameters)
            .Select(c => new ModelCandidate(
                c.Model.Id,
                c.Model.Architecture.Parameters,
                c.Prediction.Result.DecodeTokensPerSecond,
                c.Prediction.Result.TimeToFirstToken.Milliseconds,
                c.Prediction.Result.Fits,
                c.Prediction.Result.Fits && c.Prediction.Result.DecodeTokensPerSecond >= targetTokensPerSecond && (maxTtftMs is null || c.Prediction.Result.TimeToFirstToken.Milliseconds <= maxTtftMs),
                c.Prediction.Result.Bottleneck.ToId()))
            .ToArray();
        var best = candidates.FirstOrDefault(c => c.Meets);
        var weights = request.WeightsFor(candidates.Length > 0 ? catalog.ResolveModel(candidates[0].Model) : catalog.Models[0]).Id;
        return new ModelAnswer(platform.Id, weights, targetTokensPerSecond, best?.Model, candidates);
    }
}
