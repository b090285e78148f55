using FsCheck;
using FsCheck.Xunit;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Units;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Zoo;

namespace WorkingPoint.Core.Tests;

public sealed class RuntimeTests
{
    /// <summary>An SoC with a CPU (1 TOPS int8, 0.25 fp32), a GPU (4 fp16, no int8 figure) and an NPU (20 int8), sharing 51.2 GB/s.</summary>
    private static Platform ThreeUnits()
    {
        var single = TestPlatforms.Soc(int8Tops: 20, dramMegaTransfers: 6400, busWidthBits: 64);
        ComputeSpec Spec(params (Precision P, double Tops)[] peaks) => new([.. peaks.Select(p => new ComputePeak(p.P, OpsPerSecond.FromTops(p.Tops), Sparsity.Dense))]);
        return single with
        {
            Units =
            [
                new ComputeUnit("cpu", ComputeUnitKind.Cpu, "cores", ExecutionStyle.LayerByLayer, Spec((Precision.Int8, 1), (Precision.Fp32, 0.25)), null, null),
                new ComputeUnit("gpu", ComputeUnitKind.Gpu, "gpu", ExecutionStyle.LayerByLayer, Spec((Precision.Fp16, 4), (Precision.Fp32, 2)), null, null),
                new ComputeUnit("npu", ComputeUnitKind.Npu, "npu", ExecutionStyle.LayerByLayer, Spec((Precision.Int8, 20)), null, null),
            ],
        };
    }

    private static Runtime Runtime(string id, ComputeUnitKind unit, WorkloadKind[] runs, Dictionary<Precision, Precision>? executes = null, RuntimeProfile? profile = null) =>
        new(id, id, unit, runs, executes ?? [], profile ?? new RuntimeProfile(0.8, 0.5, 0.5, Seconds.Zero, Seconds.Zero), [], Provenance.None, null);

    private static readonly LlmWorkload Llama1BQ4 = new(TestPlatforms.Llama32_1B(), WeightFormat.Q4_0, KvCacheFormat.F16);

    [Fact]
    public void A_runtime_runs_on_its_own_unit_and_at_the_precision_it_really_computes_at()
    {
        // Like llama.cpp's Metal backend: 4-bit weights dequantized and multiplied in fp16 on the GPU, not at the NPU's int8 rate.
        var metalLike = Runtime("gpu-llm", ComputeUnitKind.Gpu, [WorkloadKind.Llm], new() { [Precision.Int4] = Precision.Fp16 });
        var c = Ceilings.For(ThreeUnits(), metalLike, WorkloadKind.Llm, "q4_0");

        Assert.Equal("gpu", c.Unit.Id);
        Assert.Equal(Precision.Fp16, c.ExecutedPrecision(Precision.Int4));
        Assert.Equal(4e12 * 0.5, c.ComputeOpsPerSecond(Precision.Int4), 3);
    }

    [Fact]
    public void Prefill_on_the_gpu_is_slower_than_the_platforms_headline_unit_would_make_it()
    {
        var platform = ThreeUnits();
        var onGpu = LlmPredictor.Predict(Llama1BQ4, Ceilings.For(platform, Runtime("gpu-llm", ComputeUnitKind.Gpu, [WorkloadKind.Llm], new() { [Precision.Int4] = Precision.Fp16 }), WorkloadKind.Llm), new LlmScenario());
        var onHeadline = LlmPredictor.Predict(Llama1BQ4, new Ceilings(platform), new LlmScenario());

        Assert.Equal("npu", platform.PrimaryUnit.Id);
        Assert.True(onGpu.PrefillTokensPerSecond < onHeadline.PrefillTokensPerSecond / 4, $"{onGpu.PrefillTokensPerSecond} vs {onHeadline.PrefillTokensPerSecond}");
    }

    [Fact]
    public void A_runtime_for_a_unit_the_platform_lacks_is_refused_naming_the_units_it_has()
    {
        var dlaOnly = Runtime("dla-net", ComputeUnitKind.Dla, [WorkloadKind.Network]);
        var ex = Assert.Throws<RuntimeMismatchException>(() => Ceilings.For(ThreeUnits(), dlaOnly, WorkloadKind.Network));
        Assert.Contains("runs on a DLA", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cpu (cpu), gpu (gpu), npu (npu)", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<WorkingPointException>(ex);
    }

    [Fact]
    public void A_network_runtime_asked_to_run_an_llm_is_refused_with_the_reason()
    {
        var ex = Assert.Throws<RuntimeMismatchException>(() => Ceilings.For(ThreeUnits(), Runtime("net", ComputeUnitKind.Gpu, [WorkloadKind.Network]), WorkloadKind.Llm));
        Assert.Contains("does not run LLMs", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_profile_decides_the_shares_and_a_weight_format_can_have_its_own()
    {
        var profile = new RuntimeProfile(0.6, 0.3, 0.7, Seconds.Zero, Seconds.Zero) { ByWeights = new Dictionary<string, WeightFormatShares> { ["q8_0"] = new(0.45, null) } };
        var cpu = Runtime("cpu-llm", ComputeUnitKind.Cpu, [WorkloadKind.Llm, WorkloadKind.Network], profile: profile);
        var platform = ThreeUnits();

        Assert.Equal(0.6, Ceilings.For(platform, cpu, WorkloadKind.Llm, "q4_0").Fractions.Dram);
        Assert.Equal(0.45, Ceilings.For(platform, cpu, WorkloadKind.Llm, "q8_0").Fractions.Dram);
        Assert.Equal(0.3, Ceilings.For(platform, cpu, WorkloadKind.Llm, "q8_0").Fractions.Compute);
        Assert.Equal(0.7, Ceilings.For(platform, cpu, WorkloadKind.Network).Fractions.Compute);
    }

    [Fact]
    public void A_decode_step_pays_the_runtimes_fixed_cost_once_per_layer_on_top_of_the_roofline()
    {
        var platform = ThreeUnits();
        var free = Runtime("free", ComputeUnitKind.Gpu, [WorkloadKind.Llm]);
        var costly = free with { Profile = free.Profile with { LayerOverhead = new Seconds(20e-6) } };
        var a = LlmPredictor.DecodeStep(Llama1BQ4, Ceilings.For(platform, free, WorkloadKind.Llm), 512);
        var b = LlmPredictor.DecodeStep(Llama1BQ4, Ceilings.For(platform, costly, WorkloadKind.Llm), 512);

        Assert.Equal(a.Seconds + (16 * 20e-6), b.Seconds, 12);
        Assert.Equal(a.Binding, b.Binding);
    }

    [Fact]
    public void A_tiny_network_dominated_by_fixed_costs_is_bound_by_runtime_overhead()
    {
        var platform = ThreeUnits();
        var slow = Runtime("slow", ComputeUnitKind.Npu, [WorkloadKind.Network], profile: new RuntimeProfile(0.8, 0.5, 0.5, new Seconds(1e-3), new Seconds(2e-3)));
        var graph = ModelZoo.GraphModels.Single(m => m.Id == "mobilenet-v2").Build();
        var p = GraphPredictor.Predict(graph, Ceilings.For(platform, slow, WorkloadKind.Network), WeightFormat.Int8);

        Assert.Equal(Bottleneck.RuntimeOverhead, p.Bottleneck);
        Assert.True(p.Latency.Value > 2e-3 + (50 * 1e-3));
    }

    [Property(MaxTest = 200)]
    public bool More_fixed_cost_never_makes_a_prediction_faster(PositiveInt layerMicros, PositiveInt moreMicros, PositiveInt inferenceMicros)
    {
        var platform = ThreeUnits();
        Runtime With(double layer) => Runtime("r", ComputeUnitKind.Gpu, [WorkloadKind.Llm, WorkloadKind.Network], profile: new RuntimeProfile(0.8, 0.5, 0.5, new Seconds(layer * 1e-6), new Seconds((inferenceMicros.Get % 5000) * 1e-6)));
        var low = layerMicros.Get % 500;
        var high = low + (moreMicros.Get % 500);
        var graph = ModelZoo.GraphModels.Single(m => m.Id == "yolov8n").Build();
        var fastNet = GraphPredictor.Predict(graph, Ceilings.For(platform, With(low), WorkloadKind.Network), WeightFormat.Fp16);
        var slowNet = GraphPredictor.Predict(graph, Ceilings.For(platform, With(high), WorkloadKind.Network), WeightFormat.Fp16);
        var fastLlm = LlmPredictor.Predict(Llama1BQ4, Ceilings.For(platform, With(low), WorkloadKind.Llm), new LlmScenario());
        var slowLlm = LlmPredictor.Predict(Llama1BQ4, Ceilings.For(platform, With(high), WorkloadKind.Llm), new LlmScenario());
        return slowNet.Latency.Value >= fastNet.Latency.Value && slowNet.FramesPerSecond <= fastNet.FramesPerSecond
            && slowLlm.DecodeTokensPerSecond <= fastLlm.DecodeTokensPerSecond && slowLlm.TimeToFirstToken.Value >= fastLlm.TimeToFirstToken.Value;
    }

    [Theory]
    [InlineData(0, 0.5, 0.5)]
    [InlineData(0.8, 1.5, 0.5)]
    [InlineData(0.8, 0.5, -0.1)]
    public void A_profile_with_a_share_outside_zero_to_one_is_refused_naming_it(double dram, double prefill, double network)
    {
        var ex = Assert.Throws<InvalidInputException>(() => new RuntimeProfile(dram, prefill, network, Seconds.Zero, Seconds.Zero).Validate("test runtime"));
        Assert.StartsWith("test runtime: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("must be in (0, 1]", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A Jetson-like SoC: a GPU with tensor-core fp16 (4 TOPS), tf32 (2) and CUDA-core fp32 (0.5), and a DLA (int8 only, 3 TOPS).</summary>
    private static Platform GpuAndDla(int dramMegaTransfers = 6400, int busWidthBits = 256)
    {
        var single = TestPlatforms.Soc(int8Tops: 8, dramMegaTransfers: dramMegaTransfers, busWidthBits: busWidthBits);
        ComputeSpec Spec(params (Precision P, double Tops)[] peaks) => new([.. peaks.Select(p => new ComputePeak(p.P, OpsPerSecond.FromTops(p.Tops), Sparsity.Dense))]);
        return single with
        {
            Units =
            [
                new ComputeUnit("gpu", ComputeUnitKind.Gpu, "gpu", ExecutionStyle.LayerByLayer, Spec((Precision.Int8, 8), (Precision.Fp16, 4), (Precision.Tf32, 2), (Precision.Fp32, 0.5)), null, null),
                new ComputeUnit("dla", ComputeUnitKind.Dla, "dla", ExecutionStyle.LayerByLayer, Spec((Precision.Int8, 3)), null, null),
            ],
        };
    }

    private static Runtime TensorRtLike(params ComputeUnitKind[] offlineUnits) =>
        Runtime("trt", ComputeUnitKind.Gpu, [WorkloadKind.Network], new() { [Precision.Fp32] = Precision.Tf32 }) with { OfflineUnits = offlineUnits.Length > 0 ? offlineUnits : [ComputeUnitKind.Gpu] };

    [Fact]
    public void Fp32_under_a_runtime_that_executes_it_as_tf32_uses_the_tf32_peak_and_the_plain_fp32_rate_otherwise()
    {
        var platform = GpuAndDla();
        var tensorRt = Ceilings.For(platform, TensorRtLike(), WorkloadKind.Network);
        var plain = Ceilings.For(platform, Runtime("cuda", ComputeUnitKind.Gpu, [WorkloadKind.Network]), WorkloadKind.Network);

        Assert.Equal(Precision.Tf32, tensorRt.ExecutedPrecision(Precision.Fp32));
        Assert.Equal(2e12 * 0.5, tensorRt.ComputeOpsPerSecond(Precision.Fp32), 3);
        Assert.Equal(Precision.Fp32, plain.ExecutedPrecision(Precision.Fp32));
        Assert.Equal(0.5e12 * 0.5, plain.ComputeOpsPerSecond(Precision.Fp32), 3);
    }

    [Fact]
    public void A_format_the_unit_lacks_never_falls_onto_the_tf32_math_mode_by_itself()
    {
        var gpu = GpuAndDla().UnitOfKind(ComputeUnitKind.Gpu)!;
        Assert.Equal(Precision.Fp32, gpu.Compute.ExecutedPrecision(Precision.Bf16));
        Assert.Equal(Precision.Fp32, gpu.Compute.ExecutedPrecision(Precision.Fp32));
        Assert.Equal(Precision.Tf32, gpu.Compute.ExecutedPrecision(Precision.Tf32));

        // A unit without tf32 runs a tf32 request at its plain fp32 rate.
        var cpu = ThreeUnits().UnitOfKind(ComputeUnitKind.Cpu)!;
        Assert.Equal(Precision.Fp32, cpu.Compute.ExecutedPrecision(Precision.Tf32));
    }

    [Fact]
    public void A_tf32_prediction_keeps_fp32_tensors_in_memory()
    {
        var graph = Yolov8.Create('n').Build();
        var c = Ceilings.For(GpuAndDla(), TensorRtLike(), WorkloadKind.Network);
        var asTf32 = GraphPredictor.Predict(graph, c, WeightFormat.Fp32);
        var asFp16 = GraphPredictor.Predict(graph, c, WeightFormat.Fp16);

        Assert.Equal(Precision.Tf32, asTf32.ExecutedPrecision);
        Assert.Equal(2 * asFp16.DramBytesPerInference.Value, asTf32.DramBytesPerInference.Value, 0);
    }

    [Fact]
    public void Offline_throughput_over_the_gpu_and_the_dla_is_the_sum_of_their_batched_rates()
    {
        var platform = GpuAndDla();
        var runtime = TensorRtLike(ComputeUnitKind.Gpu, ComputeUnitKind.Dla);
        var graph = Classifiers.ResNet50().Build();
        var gpu = Ceilings.For(platform, runtime, WorkloadKind.Network);
        var dla = new Ceilings(platform, platform.UnitOfKind(ComputeUnitKind.Dla)!, runtime, gpu.Fractions);

        var offline = OfflineThroughput.Predict(graph, gpu, WeightFormat.Int8, batch: 16);

        var expected = GraphPredictor.Predict(graph, gpu, WeightFormat.Int8, 16).FramesPerSecond + GraphPredictor.Predict(graph, dla, WeightFormat.Int8, 16).FramesPerSecond;
        Assert.Equal(1, offline.DramScale);
        Assert.Equal(expected, offline.FramesPerSecond, 6);
        Assert.Equal("gpu + dla", offline.UnitList);
    }

    [Fact]
    public void Offline_throughput_leaves_out_a_unit_without_a_peak_at_the_precision_and_a_runtime_that_drives_one_unit()
    {
        var platform = GpuAndDla();
        var graph = Classifiers.ResNet50().Build();
        var both = Ceilings.For(platform, TensorRtLike(ComputeUnitKind.Gpu, ComputeUnitKind.Dla), WorkloadKind.Network);

        // The DLA has no fp16 figure: an fp16 run counts the GPU alone, as does a runtime that lists no other unit.
        Assert.Equal("gpu", OfflineThroughput.Predict(graph, both, WeightFormat.Fp16, 8).UnitList);
        var gpuOnly = Ceilings.For(platform, TensorRtLike(), WorkloadKind.Network);
        Assert.Equal(GraphPredictor.Predict(graph, gpuOnly, WeightFormat.Int8, 8).FramesPerSecond, OfflineThroughput.Predict(graph, gpuOnly, WeightFormat.Int8, 8).FramesPerSecond, 6);
    }

    [Property(MaxTest = 40)]
    public bool Units_run_together_deliver_at_least_the_gpu_alone_at_most_their_sum_and_no_more_than_the_shared_dram_carries(PositiveInt batch, PositiveInt megaTransfers)
    {
        var platform = GpuAndDla(dramMegaTransfers: 200 + (megaTransfers.Get % 8000), busWidthBits: 64);
        var graph = Classifiers.ResNet50().Build();
        var gpu = Ceilings.For(platform, TensorRtLike(ComputeUnitKind.Gpu, ComputeUnitKind.Dla), WorkloadKind.Network);
        var offline = OfflineThroughput.Predict(graph, gpu, WeightFormat.Int8, 1 + (batch.Get % 64));
        var alone = offline.Units[0].FramesPerSecond;
        var sum = offline.Units.Sum(u => u.FramesPerSecond);
        var together = offline.FramesPerSecond;
        var traffic = offline.Units.Sum(u => u.FramesPerSecond * u.DramBytesPerFrame) * offline.DramScale;
        return together >= alone * (1 - 1e-9)
            && together <= sum * (1 + 1e-9)
            && (together <= alone * (1 + 1e-9) || traffic <= gpu.DramBytesPerSecond * (1 + 1e-9));
    }
}

public sealed class ContentionModelTests
{
    [Fact]
    public void Work_on_different_units_competes_only_for_the_dram()
    {
        // A detector on the DLA and a decoder on the GPU: both compute-heavy, but on different units.
        var detector = new ResourceDemand(ComputeSeconds: 0.040, DramSeconds: 0.004, 0, 0, UnitSeconds: 0.040, Unit: "dla");
        var decoder = new ResourceDemand(ComputeSeconds: 0.015, DramSeconds: 0.010, 0, 0, UnitSeconds: 0.015, Unit: "gpu");
        var others = ContentionModel.Load([(decoder, 50)]);

        Assert.Equal(1, ContentionModel.Stretch(detector, others, activeJobs: 2), 12);
        Assert.Equal(0.5, others[SharedResource.On(Resource.Dram, "dla")], 12);
        Assert.False(others.ContainsKey(SharedResource.On(Resource.Compute, "dla")));
    }

    [Fact]
    public void Work_on_the_same_unit_competes_for_its_compute()
    {
        var detector = new ResourceDemand(0.040, 0.004, 0, 0, 0.040, "gpu");
        var decoder = new ResourceDemand(0.015, 0.010, 0, 0, 0.015, "gpu");

        Assert.True(ContentionModel.Stretch(detector, ContentionModel.Load([(decoder, 50)]), activeJobs: 2) > 1.4);
    }

    [Property(MaxTest = 300)]
    public bool The_leftover_rate_never_exceeds_the_rate_alone_and_never_loads_a_resource_past_full(PositiveInt compute, PositiveInt dram, PositiveInt otherLoadPercent)
    {
        var stream = new ResourceDemand(compute.Get % 100 / 1000.0 + 1e-4, dram.Get % 100 / 1000.0 + 1e-4, 0, 0, 0.1, "gpu");
        var others = new Dictionary<SharedResource, double> { [SharedResource.On(Resource.Dram, "gpu")] = otherLoadPercent.Get % 100 / 100.0 };
        var (rate, _) = ContentionModel.LeftoverRate(stream, others, alone: 10);
        return rate <= 10 && rate >= 0 && (rate * stream.DramSeconds) + others.Values.Single() <= 1 + 1e-9;
    }
}
