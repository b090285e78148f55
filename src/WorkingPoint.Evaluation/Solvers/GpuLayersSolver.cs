using WorkingPoint.Catalog;
using WorkingPoint.Core;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;

namespace WorkingPoint.Evaluation.Solvers;

/// <summary>One offload: N GPU layers (llama.cpp's -ngl), the decode rate and time to first token there, and whether it meets the target.</summary>
public sealed record GpuLayersCandidate(int GpuLayers, double DecodeTokensPerSecond, double TtftMs, bool Fits, string Bottleneck, bool Meets);

/// <summary>
/// The fewest GPU layers that meet a decode rate (null: no offload does), the best any offload reaches and where, and every
/// offload from 0 (CPU only) to layers + 1 (all on the GPU, output layer included).
/// </summary>
public sealed record GpuLayersAnswer(
    string Platform,
    string Model,
    string Weights,
    int Layers,
    double TargetTokensPerSecond,
    string CpuRuntime,
    string GpuRuntime,
    int? GpuLayers,
    double? DecodeTokensPerSecond,
    int BestGpuLayers,
    double BestDecodeTokensPerSecond,
    IReadOnlyList<GpuLayersCandidate> Candidates);

/// <summary><c>wpt solve gpu-layers</c>: how many layers must go to the GPU for a decode rate.</summary>
public static class GpuLayersSolver
{
    public static GpuLayersAnswer Solve(Catalog.Catalog catalog, Platform platform, CatalogModel model, PredictionRequest request, double targetTokensPerSecond)
    {
        var llm = SplitPredictions.RequireLlm(model, "solve gpu-layers");
        var (cpu, gpu) = SplitPredictions.OffloadUnits(catalog, llm, platform, request);
        var layers = llm.Architecture.Layers;
        var candidates = Enumerable.Range(0, layers + 2)
            .Select(n => (N: n, P: SplitPredictions.GpuLayers(catalog, llm, platform, request, n)))
            .Select(x => new GpuLayersCandidate(
                x.N,
                x.P.DecodeTokensPerSecond,
                x.P.TimeToFirstToken.Milliseconds,
                x.P.Fits,
                x.P.Bottleneck.ToId(),
                x.P.Fits && x.P.DecodeTokensPerSecond >= targetTokensPerSecond))
            .ToArray();
        var first = candidates.FirstOrDefault(c => c.Meets);
        var best = candidates.Where(c => c.Fits).DefaultIfEmpty(candidates[^1]).MaxBy(c => c.DecodeTokensPerSecond)!;
        return new GpuLayersAnswer(
            platform.Id,
            llm.Id,
            request.WeightsFor(llm).Id,
            layers,
            targetTokensPerSecond,
            cpu.Runtime?.Id ?? cpu.Unit.Id,
            gpu.Runtime?.Id ?? gpu.Unit.Id,
            first?.GpuLayers,
            first?.DecodeTokensPerSecond,
            best.GpuLayers,
            best.DecodeTokensPerSecond,
            candidates);
    }
}
