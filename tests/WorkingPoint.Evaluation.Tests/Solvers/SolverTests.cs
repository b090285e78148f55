using WorkingPoint.Catalog;
using WorkingPoint.Core;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Evaluation.Solvers;

namespace WorkingPoint.Evaluation.Tests.Solvers;

public sealed class SolverTests
{
    private static readonly Catalog.Catalog Catalog = WorkingPoint.Catalog.Catalog.BuiltIn;

    private static PredictionRequest Request(string? weights = null) => new(weights is null ? null : WeightFormat.Parse(weights), Generation: new LlmScenario());

    [Fact]
    public void The_bandwidth_solver_divides_the_bytes_a_decode_rate_moves_by_the_achievable_fraction()
    {
        var answer = BandwidthSolver.Solve(Catalog, "llama-3.2-1b", 40, null, Request("q4_0"));

        Assert.Equal("llama-3.2-1b", answer.Model);
        Assert.Equal("q4_0", answer.Weights);
        Assert.Equal(AchievableFractions.Defaults.Dram, answer.DramFraction);
        Assert.Equal(answer.BytesPerToken * 40 / 1e9, answer.RequiredEffectiveBandwidthGBps, 9);
        Assert.Equal(answer.RequiredEffectiveBandwidthGBps / answer.DramFraction, answer.RequiredBandwidthGBps, 9);
        Assert.Null(answer.Platform);
        Assert.Null(answer.PlatformMeetsTarget);
    }

    [Fact]
    public void The_bandwidth_solver_needs_twice_the_bandwidth_for_twice_the_rate()
    {
        var once = BandwidthSolver.Solve(Catalog, "llama-3.2-1b", 20, null, Request());
        var twice = BandwidthSolver.Solve(Catalog, "llama-3.2-1b", 40, null, Request());

        Assert.Equal(2 * once.RequiredBandwidthGBps, twice.RequiredBandwidthGBps, 9);
    }

    [Fact]
    public void The_bandwidth_solver_checks_a_given_platform_against_the_target()
    {
        var platform = Catalog.ResolvePlatform("raspberry-pi-5");

        var reachable = BandwidthSolver.Solve(Catalog, "qwen2.5-0.5b", 1, platform, Request());
        var unreachable = BandwidthSolver.Solve(Catalog, "qwen2.5-0.5b", 10_000, platform, Request());

        Assert.Equal("raspberry-pi-5", reachable.Platform);
        Assert.True(reachable.PlatformMeetsTarget);
        Assert.False(unreachable.PlatformMeetsTarget);
    }

    [Fact]
    public void The_bandwidth_solver_refuses_a_network_with_the_command_to_use()
    {
        var error = Assert.Throws<InvalidInputException>(() => BandwidthSolver.Solve(Catalog, "yolov8s", 10, null, Request()));

        Assert.Contains("'yolov8s' is not an LLM", error.Message, StringComparison.Ordinal);
        Assert.Contains("solve input", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_model_solver_lists_generative_llms_largest_first_and_names_the_largest_that_meets_the_target()
    {
        var answer = ModelSolver.Solve(Catalog, Catalog.ResolvePlatform("jetson-orin-nano-8gb-super"), Request(), 20);

        Assert.NotEmpty(answer.Candidates);
        Assert.Equal(answer.Candidates.OrderByDescending(c => c.Parameters).Select(c => c.Model), answer.Candidates.Select(c => c.Model));
        Assert.All(answer.Candidates, c => Assert.Equal(WorkloadCategory.Generative, Catalog.ResolveModel(c.Model).Category));
        Assert.Equal(answer.Candidates.First(c => c.Meets).Model, answer.LargestModel);
        Assert.All(answer.Candidates.Where(c => c.Meets), c => Assert.True(c.Fits && c.DecodeTokensPerSecond >= 20));
    }

    [Fact]
    public void The_model_solver_names_no_model_when_none_reaches_the_target()
    {
        var answer = ModelSolver.Solve(Catalog, Catalog.ResolvePlatform("raspberry-pi-5"), Request(), 1_000_000);

        Assert.Null(answer.LargestModel);
        Assert.DoesNotContain(answer.Candidates, c => c.Meets);
    }

    [Fact]
    public void The_model_solver_holds_candidates_to_a_time_to_first_token_limit()
    {
        var platform = Catalog.ResolvePlatform("jetson-orin-nano-8gb-super");

        var limited = ModelSolver.Solve(Catalog, platform, Request(), 1, maxTtftMs: 1e-6);

        Assert.Null(limited.LargestModel);
    }

    [Fact]
    public void The_input_solver_finds_the_largest_width_that_still_reaches_the_frame_rate()
    {
        var platform = Catalog.ResolvePlatform("hailo-8");

        var answer = InputSolver.Solve(Catalog, platform, "yolov8s", Request(), 60, (16, 9));

        Assert.True(answer.Fps >= 60);
        var width = int.Parse(answer.LargestInput.Split('x')[0], System.Globalization.CultureInfo.InvariantCulture);
        var model = ((GraphCatalogModel)Catalog.ResolveModel("yolov8s")).Model;
        var step = Math.Max(model.Alignment, 8);
        var wider = Predictions.Predict(Catalog.ResolveModel("yolov8s"), platform, Request() with { InputWidth = width + step, InputHeight = (int)Math.Round((width + step) * 9.0 / 16) });
        Assert.True(wider.Throughput < 60);
    }

    [Fact]
    public void The_input_solver_refuses_an_unreachable_rate_and_an_llm()
    {
        var platform = Catalog.ResolvePlatform("coral-edge-tpu");

        var unreachable = Assert.Throws<InvalidInputException>(() => InputSolver.Solve(Catalog, platform, "yolov8x", Request(), 100_000));
        var llm = Assert.Throws<InvalidInputException>(() => InputSolver.Solve(Catalog, platform, "llama-3.2-1b", Request(), 30));

        Assert.Contains("the target is not reachable", unreachable.Message, StringComparison.Ordinal);
        Assert.Contains("is an LLM", llm.Message, StringComparison.Ordinal);
    }
}
