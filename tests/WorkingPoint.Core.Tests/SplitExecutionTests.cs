using FsCheck;
using FsCheck.Xunit;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Units;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Core.Tests;

public sealed class SplitExecutionTests
{
    private static readonly LlmWorkload Llama = new(TestPlatforms.Llama32_1B(), WeightFormat.Q4_0, KvCacheFormat.F16);
    private static readonly LlmScenario Request = new(PromptTokens: 700, GeneratedTokens: 128);

    /// <summary>A SoC with a CPU and a GPU sharing 8 GiB of LPDDR5 (a small Jetson-like part).</summary>
    private static Platform CpuGpuSoc(double? maxWatts = 15, double? sustainedWatts = null, HostLink? gpuLink = null) => new(
        "test-cpu-gpu",
        "Test CPU+GPU SoC",
        "Test",
        "soc",
        [
            new ComputeUnit("cpu", ComputeUnitKind.Cpu, "test CPU", ExecutionStyle.LayerByLayer, new ComputeSpec([new ComputePeak(Precision.Fp32, OpsPerSecond.FromTops(0.2), Sparsity.Dense), new ComputePeak(Precision.Int8, OpsPerSecond.FromTops(0.8), Sparsity.Dense)]), null, null),
            new ComputeUnit("gpu", ComputeUnitKind.Gpu, "test GPU", ExecutionStyle.LayerByLayer, new ComputeSpec([new ComputePeak(Precision.Fp16, OpsPerSecond.FromTops(10), Sparsity.Dense), new ComputePeak(Precision.Int8, OpsPerSecond.FromTops(20), Sparsity.Dense)]), null, gpuLink),
        ],
        OnChipMemory.Unknown,
        new DramSpec(DramKind.Lpddr5, 6400, 128, Bytes.FromGiB(8)),
        new PowerSpec(new Watts(3), maxWatts is { } m ? new Watts(m) : null, sustainedWatts is { } s ? new Watts(s) : null, false, new Dictionary<Precision, PicojoulesPerOp>(), null, null, null),
        AchievableFractions.Defaults,
        null,
        "test",
        Provenance.None,
        null);

    private static Runtime LlamaCpp(string id, ComputeUnitKind unit, double dramShare, double computeShare, double layerOverheadUs, double requestOverheadUs) => new(
        id,
        id,
        unit,
        [WorkloadKind.Llm],
        new Dictionary<Precision, Precision>(),
        new RuntimeProfile(dramShare, computeShare, computeShare, new Seconds(layerOverheadUs * 1e-6), new Seconds(requestOverheadUs * 1e-6)),
        [],
        Provenance.None,
        null);

    private static (Ceilings Cpu, Ceilings Gpu) UnitsOf(Platform p, double cpuDram = 0.6, double gpuDram = 0.8, double gpuLayerUs = 20, double cpuLayerUs = 0)
    {
        var cpu = LlamaCpp("test-cpu", ComputeUnitKind.Cpu, cpuDram, 0.5, cpuLayerUs, 0);
        var gpu = LlamaCpp("test-gpu", ComputeUnitKind.Gpu, gpuDram, 0.6, gpuLayerUs, 2000);
        return (Ceilings.For(p, cpu, WorkloadKind.Llm), Ceilings.For(p, gpu, WorkloadKind.Llm));
    }

    [Fact]
    public void A_split_with_no_GPU_layers_is_the_CPU_only_prediction_exactly()
    {
        var p = CpuGpuSoc();
        var (cpu, gpu) = UnitsOf(p);
        var split = SplitExecution.Predict(Llama, SplitPlan.GpuLayers(cpu, gpu, 0, Llama.Architecture.Layers), Request);
        AssertSame(LlmPredictor.Predict(Llama, cpu, Request), split);
        Assert.Single(split.Stages);
        Assert.Empty(split.Crossings);
    }

    [Fact]
    public void A_split_with_every_layer_and_the_output_layer_on_the_GPU_is_the_GPU_only_prediction_exactly()
    {
        var p = CpuGpuSoc();
        var (cpu, gpu) = UnitsOf(p);
        var split = SplitExecution.Predict(Llama, SplitPlan.GpuLayers(cpu, gpu, Llama.Architecture.Layers + 1, Llama.Architecture.Layers), Request);
        AssertSame(LlmPredictor.Predict(Llama, gpu, Request), split);
        Assert.Equal("gpu", Assert.Single(split.Stages).UnitId);
    }

    [Fact]
    public void The_endpoints_are_exact_under_a_power_cap_too()
    {
        var p = CpuGpuSoc(maxWatts: 40, sustainedWatts: 4);
        var (cpu, gpu) = UnitsOf(p);
        var all = SplitExecution.Predict(Llama, SplitPlan.GpuLayers(cpu, gpu, Llama.Architecture.Layers + 1, Llama.Architecture.Layers), Request);
        var single = LlmPredictor.Predict(Llama, gpu, Request);
        Assert.True(single.Throttled);
        AssertSame(single, all);
    }

    [Fact]
    public void A_partial_offload_runs_the_first_layers_on_the_CPU_and_the_rest_with_the_output_layer_on_the_GPU()
    {
        var p = CpuGpuSoc();
        var (cpu, gpu) = UnitsOf(p);
        var split = SplitExecution.Predict(Llama, SplitPlan.GpuLayers(cpu, gpu, 10, 16), Request);
        Assert.Equal(2, split.Stages.Count);
        Assert.Equal((0, 7, false), (split.Stages[0].FirstLayer, split.Stages[0].Layers, split.Stages[0].HoldsOutput));
        Assert.Equal((7, 9, true), (split.Stages[1].FirstLayer, split.Stages[1].Layers, split.Stages[1].HoldsOutput));
        var crossing = Assert.Single(split.Crossings);
        Assert.Equal("shared DRAM", crossing.Via);

        // One hidden state of 2048 fp32 values is written and read back through the DRAM at the CPU runtime's share.
        Assert.Equal(2048 * 4 * 2 / cpu.DramBytesPerSecond, split.DecodeTransfer.Value, 15);
        Assert.Equal(split.Stages[0].DecodeStep.Value + split.Stages[1].DecodeStep.Value + split.DecodeTransfer.Value, split.DecodeStep.Value, 12);
    }

    [Fact]
    public void Only_the_output_layer_on_the_GPU_leaves_every_repeating_layer_on_the_CPU()
    {
        var (cpu, gpu) = UnitsOf(CpuGpuSoc());
        var split = SplitExecution.Predict(Llama, SplitPlan.GpuLayers(cpu, gpu, 1, 16), Request);
        Assert.Equal(16, split.Stages[0].Layers);
        Assert.Equal((0, true), (split.Stages[1].Layers, split.Stages[1].HoldsOutput));
        Assert.Equal(Llama.LmHeadBytes, split.Stages[1].WeightBytes.Value, 6);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(18)]
    public void GPU_layers_beyond_the_layers_and_the_output_layer_are_refused_with_the_range(int layers)
    {
        var (cpu, gpu) = UnitsOf(CpuGpuSoc());
        var e = Assert.Throws<InvalidInputException>(() => SplitPlan.GpuLayers(cpu, gpu, layers, 16));
        Assert.Contains("give 0 to 17", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_accelerators_on_links_exchange_the_hidden_state_through_the_host_and_pipeline_batches_at_the_slowest_stage()
    {
        var module = TestPlatforms.Soc(link: new HostLink(HostLinkKind.PcieGen3, 2), maxWatts: null);
        var c = new Ceilings(module);
        var scenario = Request with { Batch = 4 };
        var split = SplitExecution.Predict(Llama, SplitPlan.Pipeline([c, c], 16), scenario);
        Assert.Equal(2, split.Stages.Count);
        Assert.Equal((8, 8), (split.Stages[0].Layers, split.Stages[1].Layers));
        var crossing = Assert.Single(split.Crossings);
        Assert.Equal("PCIe Gen3 x2 → host → PCIe Gen3 x2", crossing.Via);

        // 4 sequences × 2048 × 4 bytes, over each link once, plus each link's assumed 10 µs.
        var expected = (2 * 4 * 2048 * 4 / c.HostLinkBytesPerSecond) + 20e-6;
        Assert.Equal(expected, split.DecodeTransfer.Value, 12);
        Assert.True(split.PipelinedTokensPerSecond > split.AggregateDecodeTokensPerSecond);
        Assert.Equal(4 / Math.Max(split.Stages.Max(s => s.DecodeStep.Value), expected), split.PipelinedTokensPerSecond, 9);

        // Each module holds half the layers, so each needs less memory than one module holding the whole model.
        var whole = LlmPredictor.Predict(Llama, c, scenario);
        Assert.All(split.Memories, m => Assert.True(m.Required.Value < whole.MemoryRequired.Value));
    }

    [Fact]
    public void A_pipeline_over_platforms_of_which_one_has_no_link_is_refused_with_the_reason()
    {
        var card = new Ceilings(TestPlatforms.Soc(link: new HostLink(HostLinkKind.PcieGen3, 1)));
        var soc = new Ceilings(TestPlatforms.Soc());
        var e = Assert.Throws<InvalidInputException>(() => SplitExecution.Predict(Llama, SplitPlan.Pipeline([soc, card], 16), Request));
        Assert.Contains("needs each to be an accelerator behind a host link", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Moving one more layer to the GPU (N → N + 1 with 1 ≤ N ≤ L) never slows a decode step when the GPU's per-layer time κ_g is
    /// at most the CPU's κ_c, on a platform whose units share DRAM and with no power cap.
    ///
    /// Proof. A stage's time is max over resources r of (W_r − H_r)·s + H_r·o, plus (W_f − H_f)·s + H_f·o of fixed cost, where W
    /// is the whole step on the stage's unit, H its output-layer part and s = layers / L. κ = (max_r(W_r − H_r) + W_f − H_f) / L
    /// is the time a layer adds there. The CPU stage holds no output layer (o = 0) for N ≥ 1, so its time is exactly
    /// n_c·κ_c: losing a layer saves κ_c. The GPU stage holds the output layer; a maximum of affine functions of s rises by at most
    /// the steepest slope, so gaining a layer costs at most max_r(W_r − H_r)/L + (W_f − H_f)/L = κ_g. The crossing between them is
    /// one hidden state per step whatever N is, and vanishes when the CPU stage empties (N = L + 1), which only saves time. So the
    /// step changes by at most κ_g − κ_c ≤ 0. (With a power cap the step can stretch when the GPU spends more energy per layer,
    /// hence none here; at N = 0 the first GPU slot adds a crossing, hence N ≥ 1.) The tolerance covers rounding only.
    /// </summary>
    [Property(MaxTest = 300)]
    public bool Moving_a_layer_from_the_slower_unit_to_the_faster_never_slows_decode_on_shared_DRAM(PositiveInt n, PositiveInt cpuShare, PositiveInt gpuShare, PositiveInt gpuOverhead, PositiveInt context)
    {
        var p = CpuGpuSoc(maxWatts: null);
        var (cpu, gpu) = UnitsOf(p, cpuDram: 0.05 + (cpuShare.Get % 95 / 100.0), gpuDram: 0.05 + (gpuShare.Get % 95 / 100.0), gpuLayerUs: gpuOverhead.Get % 400, cpuLayerUs: gpuOverhead.Get % 7);
        var layers = Llama.Architecture.Layers;
        var gpuLayers = 1 + (n.Get % layers);
        var scenario = Request with { PromptTokens = context.Get % 8000 };
        var ctx = scenario.PromptTokens + (scenario.GeneratedTokens / 2.0);
        var kappaCpu = SplitExecution.PerLayerDecodeSeconds(Llama, cpu, ctx);
        var kappaGpu = SplitExecution.PerLayerDecodeSeconds(Llama, gpu, ctx);
        double Step(int g) => SplitExecution.Predict(Llama, SplitPlan.GpuLayers(cpu, gpu, g, layers), scenario).DecodeStep.Value;

        // Only the direction the proof covers is asserted: the mirror (a layer back to a faster CPU) can be slowed by the GPU
        // stage's output layer, whose resources need not shrink in step with its layers.
        return kappaGpu > kappaCpu || Step(gpuLayers + 1) <= Step(gpuLayers) * (1 + 1e-12);
    }

    [Fact]
    public void Offloading_more_layers_to_a_faster_GPU_speeds_decode_step_by_step()
    {
        var (cpu, gpu) = UnitsOf(CpuGpuSoc(maxWatts: null));
        var rates = Enumerable.Range(1, 17).Select(g => SplitExecution.Predict(Llama, SplitPlan.GpuLayers(cpu, gpu, g, 16), Request).DecodeTokensPerSecond).ToArray();
        Assert.True(SplitExecution.PerLayerDecodeSeconds(Llama, gpu, 764) < SplitExecution.PerLayerDecodeSeconds(Llama, cpu, 764));
        Assert.Equal(rates.Order(), rates);
    }

    private static void AssertSame(LlmPrediction single, SplitPrediction split)
    {
        Assert.Equal(single.DecodeStep, split.DecodeStep);
        Assert.Equal(single.DecodeTokensPerSecond, split.DecodeTokensPerSecond);
        Assert.Equal(single.AggregateDecodeTokensPerSecond, split.AggregateDecodeTokensPerSecond);
        Assert.Equal(single.Prefill, split.Prefill);
        Assert.Equal(single.PrefillTokensPerSecond, split.PrefillTokensPerSecond);
        Assert.Equal(single.TimeToFirstToken, split.TimeToFirstToken);
        Assert.Equal(single.Total, split.Total);
        Assert.Equal(single.MemoryRequired, Assert.Single(split.Memories).Required);
        Assert.Equal(single.Fits, split.Fits);
        Assert.Equal(single.Bottleneck, split.Bottleneck);
        Assert.Equal(single.EnergyPerToken, split.EnergyPerToken);
        Assert.Equal(single.AverageDecodePower, split.AverageDecodePower);
        Assert.Equal(single.Throttled, split.Throttled);
        Assert.Equal(single.DecodeBinding, Assert.Single(split.Stages).DecodeBinding);
        Assert.Equal(0, split.DecodeTransfer.Value);
    }
}
