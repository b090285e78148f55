using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Graphs;
using WorkingPoint.Evaluation.Validation;

namespace WorkingPoint.Evaluation.Tests.Validation;

public sealed class HostRuntimeFitTests
{
    private static readonly Catalog.Catalog Catalog = WorkingPoint.Catalog.Catalog.BuiltIn;

    [Fact]
    public void A_share_is_the_measured_rate_over_the_roofline_rate_when_the_rate_scales_with_the_share()
    {
        var solved = ShareFit.Solve(share => share * 71.0, 41.2);

        Assert.Equal(41.2 / 71.0, solved.Share, 6);
        Assert.False(solved.Clamped);
    }

    [Fact]
    public void A_share_is_found_where_the_prediction_stops_scaling_once_another_ceiling_binds()
    {
        // DRAM-bound up to 80 tok/s at share 0.8, then compute-bound: 60 tok/s is reached at share 0.6.
        var solved = ShareFit.Solve(share => Math.Min(share * 100, 80), 60);

        Assert.Equal(0.6, solved.Share, 6);
    }

    [Fact]
    public void A_runtime_faster_than_the_roofline_is_held_at_share_one_and_marked_clamped()
    {
        var solved = ShareFit.Solve(share => share * 50, 60);

        Assert.Equal(1, solved.Share);
        Assert.True(solved.Clamped);
    }

    [Fact]
    public void A_runtime_slower_than_the_smallest_share_is_held_there_and_marked_clamped()
    {
        var solved = ShareFit.Solve(share => share * 1000, 1);

        Assert.Equal(HostRuntimeProfilesFile.MinShare, solved.Share);
        Assert.True(solved.Clamped);
    }

    [Fact]
    public void A_probe_that_measured_nothing_is_refused_with_the_fix()
    {
        var error = Assert.Throws<Measurement.MeasurementException>(() => ShareFit.Solve(share => share, 0));

        Assert.Contains("wpt measure runtimes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("q4_0", 0.58, 0.21)]
    [InlineData("q8_0", 0.64, 0.35)]
    public void An_llm_probe_measured_as_predicted_at_known_shares_gives_those_shares_back(string weights, double dram, double compute)
    {
        var (host, baseline, workload) = TinyLlamaOnAPi5(weights);
        var truth = LlmValidation.Predict(workload, new Ceilings(host, baseline with { Dram = dram, Compute = compute }), 128, 32);

        var shares = LlmProbeFit.Derive(host, baseline, new LlmProbe("tinyllama-1.1b", workload, 128, 32, truth.Prefill, truth.Decode));

        Assert.Equal(dram, shares.DecodeDramShare.Share, 4);
        Assert.Equal(compute, shares.PrefillComputeShare.Share, 4);
        Assert.True(shares.RooflineDecodeTokensPerSecond > truth.Decode);
        Assert.True(shares.RooflinePrefillTokensPerSecond > truth.Prefill);
    }

    [Theory]
    [InlineData("q4_0", 0.3, 0.05)]
    [InlineData("q8_0", 0.2, 0.004)]
    public void Two_prompts_measured_as_predicted_with_a_known_share_and_fixed_cost_give_both_back(string weights, double compute, double fixedSeconds)
    {
        var (host, baseline, workload) = TinyLlamaOnAPi5(weights);
        double Measured(int tokens) => tokens / ((tokens / LlmValidation.Predict(workload, new Ceilings(host, baseline with { Dram = 0.5, Compute = compute }), tokens, 1).Prefill) + fixedSeconds);

        var (share, fitted) = LlmProbeFit.PrefillWithFixedCost(host, baseline, workload, 0.5, (16, Measured(16)), (128, Measured(128)));

        Assert.Equal(compute, share.Share, 3);
        Assert.False(share.Clamped);
        Assert.Equal(fixedSeconds, fitted, 5);
    }

    [Fact]
    public void A_short_prompt_faster_per_token_than_the_long_one_allows_gives_no_fixed_cost_and_the_long_prompts_share()
    {
        var (host, baseline, workload) = TinyLlamaOnAPi5("q4_0");
        var longRate = LlmValidation.Predict(workload, new Ceilings(host, baseline with { Dram = 0.5, Compute = 0.3 }), 128, 1).Prefill;

        // Noise: the short prompt ran at twice the long one's rate, which no fixed cost of 0 or more explains.
        var (share, fitted) = LlmProbeFit.PrefillWithFixedCost(host, baseline, workload, 0.5, (16, 2 * longRate), (128, longRate));

        Assert.Equal(0, fitted);
        Assert.Equal(0.3, share.Share, 3);
    }

    [Theory]
    [InlineData("q4_0", 0.38, 120e-6)]
    [InlineData("q8_0", 0.47, 60e-6)]
    public void A_large_and_a_thin_decode_probe_measured_with_a_known_share_and_cost_per_layer_give_both_back(string weights, double dram, double layerSeconds)
    {
        var (host, baseline, workload) = TinyLlamaOnAPi5(weights);
        var thin = new LlmWorkload(workload.Architecture with { Id = "thin", HiddenSize = 512, Layers = 32, AttentionHeads = 8, KvHeads = 2, HeadDim = 64, FfnSize = 1536 }, workload.Weights, KvCacheFormat.F16);
        var fractions = baseline with { Compute = 0.3 };
        double Measured(LlmWorkload w) => 1 / ((1 / LlmValidation.Predict(w, new Ceilings(host, fractions with { Dram = dram }), 128, 32).Decode) + (w.Architecture.Layers * layerSeconds));

        var (share, fitted) = LlmProbeFit.DecodeWithLayerCost(host, fractions, new LlmProbe("main", workload, 128, 32, 1, Measured(workload)), new LlmProbe("thin", thin, 128, 32, 1, Measured(thin)));

        Assert.Equal(dram, share.Share, 4);
        Assert.False(share.Clamped);
        Assert.Equal(layerSeconds, fitted, 8);
    }

    [Fact]
    public void A_thin_probe_as_fast_as_its_weights_allow_gives_no_cost_per_layer_and_the_large_probes_share()
    {
        var (host, baseline, workload) = TinyLlamaOnAPi5("q4_0");
        var thin = new LlmWorkload(workload.Architecture with { Id = "thin", HiddenSize = 512, Layers = 32, AttentionHeads = 8, KvHeads = 2, HeadDim = 64, FfnSize = 1536 }, workload.Weights, KvCacheFormat.F16);
        double Rate(LlmWorkload w) => LlmValidation.Predict(w, new Ceilings(host, baseline with { Dram = 0.4 }), 128, 32).Decode;

        var (share, fitted) = LlmProbeFit.DecodeWithLayerCost(host, baseline, new LlmProbe("main", workload, 128, 32, 1, Rate(workload)), new LlmProbe("thin", thin, 128, 32, 1, 2 * Rate(thin)));

        Assert.Equal(0, fitted);
        Assert.Equal(0.4, share.Share, 4);
    }

    /// <summary>The probe model in <paramref name="weights"/> on a Raspberry Pi 5 at its default fractions: the probes' made-up host.</summary>
    private static (Core.Hardware.Platform Host, Core.Hardware.AchievableFractions Baseline, LlmWorkload Workload) TinyLlamaOnAPi5(string weights)
    {
        var host = Catalog.ResolvePlatform("raspberry-pi-5");
        return (host, new Ceilings(host).Fractions, new LlmWorkload(((LlmCatalogModel)Catalog.ResolveModel("tinyllama-1.1b")).Architecture, WeightFormat.Parse(weights), KvCacheFormat.F16));
    }

    [Fact]
    public void Network_probes_made_of_a_share_a_per_layer_cost_and_a_per_inference_cost_give_all_three_back()
    {
        // Made-up probes: roofline seconds at share 1, and their layer counts; the truth is share 0.7, 20 µs per layer, 80 µs per inference.
        (string Name, double RooflineSeconds, int Layers)[] shapes = [("dense", 8e-3, 6), ("separable", 3e-3, 12), ("gemm", 5e-3, 2), ("many", 1e-6, 48), ("tiny", 1e-8, 1)];
        var probes = shapes.Select(s => new NetworkProbe(s.Name, s.Layers, (s.RooflineSeconds / 0.7) + (s.Layers * 20e-6) + 80e-6, share => s.RooflineSeconds / share)).ToArray();

        var fit = NetworkProbeFit.Fit(probes);

        Assert.Equal(0.7, fit.ComputeShare, 6);
        Assert.Equal(20e-6, fit.LayerOverheadSeconds, 9);
        Assert.Equal(80e-6, fit.InferenceOverheadSeconds, 9);
        Assert.Equal(0, fit.MedianAbsoluteErrorPercent, 6);
    }

    [Fact]
    public void Network_overheads_are_never_negative_even_when_the_probes_run_faster_than_the_roofline_explains()
    {
        (string Name, double RooflineSeconds, int Layers)[] shapes = [("dense", 8e-3, 6), ("separable", 3e-3, 12), ("tiny", 1e-4, 1)];
        var probes = shapes.Select(s => new NetworkProbe(s.Name, s.Layers, s.RooflineSeconds * 0.5, share => s.RooflineSeconds / share)).ToArray();

        var fit = NetworkProbeFit.Fit(probes);

        Assert.Equal(1, fit.ComputeShare, 6);
        Assert.Equal(0, fit.LayerOverheadSeconds);
        Assert.Equal(0, fit.InferenceOverheadSeconds);
    }

    [Fact]
    public void Fewer_than_three_network_probes_cannot_fit_three_figures()
    {
        Assert.Throws<Core.InvalidInputException>(() => NetworkProbeFit.Fit([new NetworkProbe("a", 1, 1e-3, s => 1e-3 / s), new NetworkProbe("b", 2, 1e-3, s => 1e-3 / s)]));
    }

    [Fact]
    public void The_core_model_adds_a_profiles_fixed_costs_per_kernel_layer_and_per_inference_as_the_probe_fit_assumes()
    {
        var builder = new GraphBuilder("probe", 8, 4, 4);
        builder.ToTokens(builder.Conv(builder.Conv(builder.Input, 8, 1), 8, 1));
        var graph = builder.Build();
        var host = Catalog.ResolvePlatform("raspberry-pi-5");
        var free = Catalog.ResolveRuntime("onnxruntime-cpu") with { Profile = Catalog.ResolveRuntime("onnxruntime-cpu").Profile with { LayerOverhead = Core.Units.Seconds.Zero, InferenceOverhead = Core.Units.Seconds.Zero } };
        var costly = free with { Profile = free.Profile with { LayerOverhead = new Core.Units.Seconds(20e-6), InferenceOverhead = new Core.Units.Seconds(80e-6) } };
        var fp32 = WeightFormat.Parse("fp32");

        var added = GraphPredictor.Predict(graph, Ceilings.For(host, costly, WorkloadKind.Network), fp32).Latency.Value
            - GraphPredictor.Predict(graph, Ceilings.For(host, free, WorkloadKind.Network), fp32).Latency.Value;

        Assert.Equal(graph.Layers.Count - 1, NetworkProbeFit.KernelLayers(graph));
        Assert.Equal(((20 * NetworkProbeFit.KernelLayers(graph)) + 80) * 1e-6, added, 12);
    }
}
