using WorkingPoint.Catalog;
using WorkingPoint.Core;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Evaluation.Solvers;

namespace WorkingPoint.Evaluation.Tests.Solvers;

public sealed class GpuLayersSolverTests
{
    private static readonly Catalog.Catalog Catalog = WorkingPoint.Catalog.Catalog.BuiltIn;
    private static readonly PredictionRequest Request = new(Generation: new LlmScenario());

    [Fact]
    public void The_answer_is_the_fewest_GPU_layers_whose_decode_meets_the_target()
    {
        var platform = Catalog.ResolvePlatform("jetson-agx-orin-64gb");
        var answer = GpuLayersSolver.Solve(Catalog, platform, Catalog.ResolveModel("llama-3.1-8b"), Request, 15);

        Assert.Equal(34, answer.Candidates.Count);
        Assert.Equal(("llama.cpp-cpu", "llama.cpp-cuda"), (answer.CpuRuntime, answer.GpuRuntime));
        var n = Assert.NotNull(answer.GpuLayers);
        Assert.True(answer.Candidates[n].DecodeTokensPerSecond >= 15);
        Assert.All(answer.Candidates.Take(n), c => Assert.False(c.Meets));
    }

    [Fact]
    public void The_ends_of_the_search_are_the_CPU_only_and_the_GPU_only_predictions()
    {
        var platform = Catalog.ResolvePlatform("jetson-agx-orin-64gb");
        var model = Catalog.ResolveModel("llama-3.1-8b");
        var answer = GpuLayersSolver.Solve(Catalog, platform, model, Request, 15);

        var gpuOnly = (LlmModelPrediction)Predictions.Predict(model, platform, Request);
        var cpuOnly = (LlmModelPrediction)Predictions.Predict(model, platform, Request with { Runtime = Catalog.ResolveRuntime("llama.cpp-cpu") });
        Assert.Equal(gpuOnly.Result.DecodeTokensPerSecond, answer.Candidates[^1].DecodeTokensPerSecond);
        Assert.Equal(cpuOnly.Result.DecodeTokensPerSecond, answer.Candidates[0].DecodeTokensPerSecond);
    }

    [Fact]
    public void An_unreachable_target_has_no_answer_and_names_the_best_offload()
    {
        var platform = Catalog.ResolvePlatform("jetson-agx-orin-64gb");
        var answer = GpuLayersSolver.Solve(Catalog, platform, Catalog.ResolveModel("llama-3.1-8b"), Request, 500);

        Assert.Null(answer.GpuLayers);
        Assert.Null(answer.DecodeTokensPerSecond);
        Assert.Equal(answer.Candidates.Max(c => c.DecodeTokensPerSecond), answer.BestDecodeTokensPerSecond);
    }

    [Fact]
    public void A_platform_whose_usual_LLM_runtime_is_not_llama_cpp_on_the_GPU_is_refused_unless_one_is_named()
    {
        var platform = Catalog.ResolvePlatform("jetson-orin-nano-8gb");
        var model = Catalog.ResolveModel("llama-3.2-1b");
        var e = Assert.Throws<InvalidInputException>(() => GpuLayersSolver.Solve(Catalog, platform, model, Request with { Runtime = Catalog.ResolveRuntime("mlc-llm") }, 10));
        Assert.Contains("name llama.cpp's GPU backend with --runtime", e.Message, StringComparison.Ordinal);
        Assert.NotNull(GpuLayersSolver.Solve(Catalog, platform, model, Request with { Runtime = Catalog.ResolveRuntime("llama.cpp-cuda") }, 10).GpuLayers);
    }

    [Fact]
    public void Speculative_decoding_on_a_catalog_platform_runs_the_draft_on_the_target_unit_and_counts_both_in_memory()
    {
        var platform = Catalog.ResolvePlatform("apple-m4");
        var target = (LlmCatalogModel)Catalog.ResolveModel("llama-3.1-8b");
        var draft = (LlmCatalogModel)Catalog.ResolveModel("llama-3.2-1b");
        var (plain, speculative) = SplitPredictions.Speculative(target, draft, platform, Request, 0.7, 4);

        Assert.Equal(plain.Result.DecodeTokensPerSecond, speculative.PlainTokensPerSecond);
        Assert.True(speculative.MemoryRequired.Value > plain.Result.MemoryRequired.Value);
        Assert.Equal(SpeculativeDecoding.ExpectedTokensPerStep(0.7, 4), speculative.ExpectedTokensPerStep);
    }
}
