namespace WorkingPoint.Catalog.Tests;

public class PlatformYamlValidationTests
{
    private const string Valid = """
        id: test-part
        name: Test part
        vendor: Test
        kind: npu
        execution: layer-by-layer
        sources:
          S1: https://example.com/datasheet
        compute:
          int8: { value: 10, sparsity: dense, source: S1 }
        memory:
          dram:
            type: LPDDR5
            dataRateMTps: { value: 6400, source: S1 }
            busWidthBits: { value: 64, source: S1 }
            capacityGiB: { value: 8, source: S1 }
        power:
          idleW: { value: 1, source: S1 }
          maxW: { value: 10, source: S1 }
          passivelyCooled: true
        """;

    private static CatalogException Rejects(string yaml) =>
        Assert.Throws<CatalogException>(() => PlatformYaml.Parse("test.yaml", yaml));

    [Fact]
    public void A_valid_description_loads()
    {
        var platform = PlatformYaml.Parse("test.yaml", Valid);
        Assert.Equal("test-part", platform.Id);
        Assert.Equal(51.2, platform.Dram!.PeakBandwidth!.Value.GBps, 6);
    }

    [Fact]
    public void Malformed_yaml_is_rejected_naming_the_line()
    {
        var ex = Rejects(Valid.Replace("kind: npu", "kind: npu\n  bad: indentation", StringComparison.Ordinal));
        Assert.Contains("malformed YAML", ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("test.yaml:5:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_figure_without_a_source_is_rejected()
    {
        var ex = Rejects(Valid.Replace("busWidthBits: { value: 64, source: S1 }", "busWidthBits: { value: 64 }", StringComparison.Ordinal));
        Assert.Contains("memory.dram.busWidthBits", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no source", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_field_is_rejected()
    {
        var ex = Rejects(Valid + "\nfrequencyMHz: 800\n");
        Assert.Contains("unknown field 'frequencyMHz'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bus_width_that_is_not_a_multiple_of_8_is_rejected()
    {
        var ex = Rejects(Valid.Replace("busWidthBits: { value: 64, source: S1 }", "busWidthBits: { value: 60, source: S1 }", StringComparison.Ordinal));
        Assert.Contains("busWidthBits must be a positive multiple of 8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Idle_power_above_max_power_is_rejected()
    {
        var ex = Rejects(Valid.Replace("idleW: { value: 1, source: S1 }", "idleW: { value: 12, source: S1 }", StringComparison.Ordinal));
        Assert.Contains("power.idleW (12) is above power.maxW (10)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_dram_type_is_rejected()
    {
        var ex = Rejects(Valid.Replace("type: LPDDR5", "type: LPDDR9", StringComparison.Ordinal));
        Assert.Contains("unknown DRAM type 'LPDDR9'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_precision_key_is_rejected()
    {
        var ex = Rejects(Valid.Replace("  int8: { value: 10", "  fp8: { value: 10", StringComparison.Ordinal));
        Assert.Contains("unknown precision 'compute.fp8'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_achievable_fraction_above_1_is_rejected()
    {
        var ex = Rejects(Valid + "\nachievable:\n  dram: 1.2\n");
        Assert.Contains("achievable fraction 'Dram' must be in (0, 1]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_source_key_is_rejected()
    {
        var ex = Rejects(Valid.Replace("capacityGiB: { value: 8, source: S1 }", "capacityGiB: { value: 8, source: S9 }", StringComparison.Ordinal));
        Assert.Contains("cites source 'S9', which is not listed under sources:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_assumption_without_a_reason_is_rejected()
    {
        var ex = Rejects(Valid.Replace("busWidthBits: { value: 64, source: S1 }", "busWidthBits: { value: null, assumed: 64 }", StringComparison.Ordinal));
        Assert.Contains("assumed without a note", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unclosed_brace_is_reported_as_malformed_yaml_not_a_crash()
    {
        var ex = Rejects(Valid.Replace("int8: { value: 10, sparsity: dense, source: S1 }", "int8: { value: 10, sparsity: dense, source: S1", StringComparison.Ordinal));
        Assert.Contains("malformed YAML", ex.Message, StringComparison.Ordinal);
    }
}

public sealed class PlatformUnitsAndRuntimeYamlTests
{
    private const string TwoUnits = """
        id: test-soc
        name: Test SoC
        vendor: Test
        kind: soc
        execution: layer-by-layer
        sources:
          S1: https://example.com/datasheet
        units:
          cpu:
            name: 4 cores
            compute: { fp32: { value: 0.1, source: S1 } }
          gpu:
            compute:
              fp16: { value: 4, source: S1 }
              int8: { value: 16, sparsity: "2:4", source: S1 }
        defaultRuntimes: { llm: llama.cpp-cuda, network: tensorrt }
        memory:
          dram:
            type: LPDDR5
            dataRateMTps: { value: 6400, source: S1 }
            busWidthBits: { value: 64, source: S1 }
            capacityGiB: { value: 8, source: S1 }
        power:
          idleW: { value: 1, source: S1 }
          maxW: { value: 10, source: S1 }
          passivelyCooled: true
        """;

    [Fact]
    public void A_platform_lists_its_units_each_with_its_own_peaks()
    {
        var platform = PlatformYaml.Parse("test.yaml", TwoUnits);
        Assert.Equal(["cpu", "gpu"], platform.Units.Select(u => u.Id));
        Assert.Equal(WorkingPoint.Core.Hardware.ComputeUnitKind.Gpu, platform.UnitOfKind(WorkingPoint.Core.Hardware.ComputeUnitKind.Gpu)!.Kind);
        Assert.Equal(8e12, platform.Units[1].Compute.DensePeak(WorkingPoint.Core.Hardware.Precision.Int8).Value, 3);
        Assert.Equal("gpu", platform.PrimaryUnit.Id);
    }

    [Fact]
    public void The_catalog_resolves_the_platforms_usual_runtimes()
    {
        var platform = Catalog.BuiltIn.WithRuntimes(PlatformYaml.Parse("test.yaml", TwoUnits));
        Assert.Equal("llama.cpp-cuda", platform.DefaultRuntime(WorkingPoint.Core.Runtimes.WorkloadKind.Llm)!.Id);
        Assert.Equal("tensorrt", platform.DefaultRuntime(WorkingPoint.Core.Runtimes.WorkloadKind.Network)!.Id);
    }

    [Fact]
    public void A_usual_runtime_the_platform_cannot_run_is_refused_with_the_reason()
    {
        var yaml = TwoUnits.Replace("network: tensorrt", "network: hailort", StringComparison.Ordinal);
        var ex = Assert.Throws<CatalogException>(() => Catalog.BuiltIn.WithRuntimes(PlatformYaml.Parse("test.yaml", yaml)));
        Assert.Contains("defaultRuntimes.network", ex.Message, StringComparison.Ordinal);
        Assert.Contains("runs on a NPU", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_usual_runtime_is_refused_with_a_suggestion()
    {
        var ex = Assert.Throws<CatalogException>(() => Catalog.BuiltIn.WithRuntimes(PlatformYaml.Parse("test.yaml", TwoUnits.Replace("llama.cpp-cuda", "llama.cpp-cudaa", StringComparison.Ordinal))));
        Assert.Contains("Did you mean 'llama.cpp-cuda'?", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("execution: layer-by-layer\n", "execution: layer-by-layer\ncompute:\n  int8: { value: 1, source: S1 }\n", "'compute' belongs to a unit")]
    [InlineData("  gpu:\n", "  gpu:\n    kind: tpu\n", "is not a unit kind WorkingPoint knows")]
    public void A_bad_units_section_is_refused_in_one_line(string find, string replace, string expected)
    {
        var ex = Assert.Throws<CatalogException>(() => PlatformYaml.Parse("test.yaml", TwoUnits.Replace(find, replace, StringComparison.Ordinal)));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    private const string Runtime = """
        id: test-rt
        name: Test runtime
        unit: gpu
        runs: [llm]
        executes: { int4: fp16 }
        profile:
          decodeDramShare: { value: 0.7, fit: "wpt calibrate, 12 rows", prior: 0.75 }
          prefillComputeShare: { value: null, assumed: 0.4, note: "prior" }
          networkComputeShare: { value: null, assumed: 0.5, note: "prior" }
          layerOverheadUs: { value: 12, fit: "wpt calibrate" }
          inferenceOverheadUs: { value: null, assumed: 0, note: "none" }
          byWeights:
            q8_0: { decodeDramShare: { value: 0.6, fit: "wpt calibrate" } }
        errorBands:
          decode: { plusMinusPercent: 18.5, rows: 31, fit: "wpt calibrate, leave one model out" }
        """;

    [Fact]
    public void A_runtime_file_loads_with_its_profile_and_provenance()
    {
        var runtime = RuntimeYaml.Parse("rt.yaml", Runtime);
        Assert.Equal(0.7, runtime.Profile.DecodeDramShare);
        Assert.Equal(12e-6, runtime.Profile.LayerOverhead.Value, 12);
        Assert.Equal(0.6, runtime.Profile.ByWeights["q8_0"].DecodeDramShare);
        Assert.Equal(WorkingPoint.Core.Hardware.Precision.Fp16, runtime.ComputePrecision(WorkingPoint.Core.Hardware.Precision.Int4));
        Assert.Contains(runtime.Provenance.Figures, f => f.Field == "profile.decodeDramShare" && f.Source == "fit: wpt calibrate, 12 rows");
    }

    [Fact]
    public void A_fitted_figure_keeps_the_prior_its_fit_started_from_for_the_next_calibration()
    {
        var runtime = RuntimeYaml.Parse("rt.yaml", Runtime);
        Assert.Equal(0.7, runtime.Profile.DecodeDramShare);
        Assert.Equal(0.75, runtime.PriorProfile!.DecodeDramShare);
        Assert.Equal(runtime.Profile.PrefillComputeShare, runtime.PriorProfile.PrefillComputeShare);
        Assert.Equal(runtime.Profile.LayerOverhead, runtime.PriorProfile.LayerOverhead);
    }

    [Fact]
    public void A_runtime_file_carries_its_error_band_per_quantity_and_none_where_uncalibrated()
    {
        var runtime = RuntimeYaml.Parse("rt.yaml", Runtime);
        Assert.Equal(new WorkingPoint.Core.Runtimes.ErrorBand("test-rt", 18.5, 31), runtime.BandFor(WorkingPoint.Core.Runtimes.PredictedQuantity.Decode));
        Assert.Null(runtime.BandFor(WorkingPoint.Core.Runtimes.PredictedQuantity.Prefill));
    }

    [Theory]
    [InlineData("decodeDramShare: { value: 0.7,", "decodeDramShare: { value: 1.7,", "outside the accepted range")]
    [InlineData("unit: gpu", "unit: fpga", "is not a unit kind")]
    [InlineData("runs: [llm]", "runs: [video]", "is not a workload kind")]
    [InlineData("    q8_0:", "    q9_9:", "is not a weight format")]
    [InlineData("  decode: { plusMinusPercent", "  training: { plusMinusPercent", "is not a predicted quantity; use decode, prefill or network")]
    [InlineData(", fit: \"wpt calibrate, leave one model out\" }", " }", "errorBands.decode.fit is missing")]
    [InlineData("rows: 31", "rows: 0", "outside the accepted range")]
    [InlineData("assumed: 0.4, note: \"prior\" }", "assumed: 0.4, note: \"prior\", prior: 0.3 }", "has a prior but no fit")]
    [InlineData("plusMinusPercent: 18.5", "plusMinusPercent: -3", "outside the accepted range")]
    [InlineData("executes: { int4: fp16 }", "executes: { fp32: tf64 }", "executes.fp32: 'tf64' is not a precision; use int4, int8, fp16, bf16, tf32 or fp32")]
    [InlineData("executes: { int4: fp16 }", "executes: { fp31: tf32 }", "executes: 'fp31' is not a precision")]
    [InlineData("executes: { int4: fp16 }", "offlineUnits: [gpu, tpu]", "offlineUnits: 'tpu' is not a unit kind; use cpu, gpu, npu or dla")]
    [InlineData("executes: { int4: fp16 }", "offlineUnits: [dla]", "leaves out the runtime's own unit (gpu)")]
    [InlineData("executes: { int4: fp16 }", "fusesLayers: sometimes", "fusesLayers must be true or false")]
    [InlineData("executes: { int4: fp16 }", "executes: { int4: fp16 }\nsources: { S9: \"a reference\" }\nharnesses:\n  py-rt: { name: \"Python\", paysHarnessOverhead: true, source: S8 }", "harnesses.py-rt.source 'S8' is not a key under sources:")]
    [InlineData("executes: { int4: fp16 }", "executes: { int4: fp16 }\nsources: { S9: \"a reference\" }\nharnesses:\n  py-rt: { name: \"Python\", paysHarnessOverhead: true }", "harnesses.py-rt.source is missing")]
    [InlineData("executes: { int4: fp16 }", "executes: { int4: fp16 }\nsources: { S9: \"a reference\" }\nharnesses:\n  py-rt: { name: \"Python\", cudaGraphs: sometimes, source: S9 }", "'harnesses.py-rt.cudaGraphs' must be true or false")]
    [InlineData("executes: { int4: fp16 }", "executes: { int4: fp16 }\nsources: { S9: \"a reference\" }\nharnesses:\n  py-rt: { name: \"Python\", source: S9 }", "harnesses.py-rt changes nothing")]
    [InlineData("executes: { int4: fp16 }", "executes: { int4: fp16 }\nsources: { S9: \"a reference\" }\nharnesses:\n  test-rt: { name: \"Python\", cudaGraphs: true, source: S9 }", "must be an id of its own")]
    [InlineData("executes: { int4: fp16 }", "executes: { int4: fp16 }\nsources: { S9: \"a reference\" }\nharnesses:\n  py-rt: { name: \"Python\", cudaGraphs: true, launches: 3, source: S9 }", "unknown field 'harnesses.py-rt.launches'")]
    [InlineData("  layerOverheadUs: { value: 12,", "  harnessOverheadUs: { value: -5, fit: \"wpt calibrate\" }\n  layerOverheadUs: { value: 12,", "profile.harnessOverheadUs")]
    [InlineData("executes: { int4: fp16 }", "partialWeightCaching: maybe", "partialWeightCaching must be true or false")]
    [InlineData("executes: { int4: fp16 }", "multiContext: 2", "multiContext must be true or false")]
    [InlineData("  layerOverheadUs: { value: 12,", "  channelAlignment: { value: 0.5, fit: \"wpt calibrate\" }\n  layerOverheadUs: { value: 12,", "profile.channelAlignment")]
    [InlineData("  layerOverheadUs: { value: 12,", "  winogradSpeedup: { value: 9, fit: \"wpt calibrate\" }\n  layerOverheadUs: { value: 12,", "profile.winogradSpeedup")]
    [InlineData("  layerOverheadUs: { value: 12,", "  winogradSpeedup: 2\n  layerOverheadUs: { value: 12,", "profile.winogradSpeedup' must be written as { value: N")]
    public void A_bad_runtime_file_is_refused_in_one_line(string find, string replace, string expected)
    {
        var yaml = Runtime.Replace(find, replace, StringComparison.Ordinal);
        var ex = Assert.Throws<CatalogException>(() => RuntimeYaml.Parse("rt.yaml", yaml));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("rt.yaml:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_runtime_file_declares_its_harnesses_and_the_harness_overhead_with_its_prior()
    {
        var yaml = Runtime
            .Replace("executes: { int4: fp16 }", "executes: { int4: fp16 }\nsources: { S9: \"a reference\" }\nharnesses:\n  py-rt: { name: \"Python\", paysHarnessOverhead: true, source: S9 }\n  graph-rt: { name: \"graphs\", cudaGraphs: true, source: S9 }", StringComparison.Ordinal)
            .Replace("  layerOverheadUs:", "  harnessOverheadUs: { value: 1500, fit: \"wpt calibrate\", prior: 0 }\n  layerOverheadUs:", StringComparison.Ordinal);
        var runtime = RuntimeYaml.Parse("rt.yaml", yaml);
        Assert.Equal(["py-rt", "graph-rt"], runtime.Harnesses.Select(h => h.Id));
        Assert.True(runtime.WithHarness("py-rt")!.Harness!.PaysHarnessOverhead);
        Assert.True(runtime.WithHarness("graph-rt")!.Harness!.CudaGraphs);
        Assert.Equal(1500e-6, runtime.Profile.HarnessOverhead.Value, 12);
        Assert.Equal(0, runtime.PriorProfile!.HarnessOverhead.Value);
        Assert.Equal(0, RuntimeYaml.Parse("rt.yaml", Runtime).Profile.HarnessOverhead.Value);
    }

    [Fact]
    public void A_harness_id_resolves_to_the_runtime_it_drives()
    {
        var runtime = Catalog.BuiltIn.ResolveRuntime("ultralytics-tensorrt");
        Assert.Equal("tensorrt", runtime.Id);
        Assert.Equal("ultralytics-tensorrt", runtime.DrivenAsId);
        Assert.True(Catalog.BuiltIn.ResolveRuntime("tensorrt-cuda-graphs").Harness!.CudaGraphs);
        Assert.Null(Catalog.BuiltIn.ResolveRuntime("tensorrt").Harness);
    }

    [Fact]
    public void A_runtime_says_which_precision_it_executes_and_which_units_it_drives_together()
    {
        var runtime = RuntimeYaml.Parse("rt.yaml", Runtime.Replace("executes: { int4: fp16 }", "executes: { fp32: tf32 }\nofflineUnits: [gpu, dla]", StringComparison.Ordinal));
        Assert.Equal(WorkingPoint.Core.Hardware.Precision.Tf32, runtime.ComputePrecision(WorkingPoint.Core.Hardware.Precision.Fp32));
        Assert.Equal([WorkingPoint.Core.Hardware.ComputeUnitKind.Gpu, WorkingPoint.Core.Hardware.ComputeUnitKind.Dla], runtime.OfflineUnits);
        Assert.Equal([WorkingPoint.Core.Hardware.ComputeUnitKind.Gpu], RuntimeYaml.Parse("rt.yaml", Runtime).OfflineUnits);
    }

    [Fact]
    public void TensorRT_executes_fp32_as_tf32_on_the_orin_gpus_that_have_a_tf32_rate()
    {
        var tensorRt = Catalog.BuiltIn.ResolveRuntime("tensorrt");
        Assert.Equal(WorkingPoint.Core.Hardware.Precision.Tf32, tensorRt.ComputePrecision(WorkingPoint.Core.Hardware.Precision.Fp32));
        Assert.Contains(WorkingPoint.Core.Hardware.ComputeUnitKind.Dla, tensorRt.OfflineUnits);
        foreach (var platform in Catalog.BuiltIn.Platforms.Where(p => p.Id.StartsWith("jetson-", StringComparison.Ordinal)))
        {
            var gpu = platform.UnitOfKind(WorkingPoint.Core.Hardware.ComputeUnitKind.Gpu)!;
            Assert.Equal(WorkingPoint.Core.Hardware.Precision.Tf32, gpu.Compute.ExecutedPrecision(WorkingPoint.Core.Hardware.Precision.Tf32));
            Assert.Equal(gpu.Compute.DensePeak(WorkingPoint.Core.Hardware.Precision.Fp16).Value / 2, gpu.Compute.DensePeak(WorkingPoint.Core.Hardware.Precision.Tf32).Value, 3);
        }
    }

    [Fact]
    public void TensorRT_fuses_layers_and_carries_a_fitted_channel_tile_while_a_file_without_them_does_neither()
    {
        var tensorRt = Catalog.BuiltIn.ResolveRuntime("tensorrt");
        Assert.True(tensorRt.FusesLayers);
        Assert.True(tensorRt.Profile.ChannelAlignment > 1);
        Assert.Equal(1, tensorRt.PriorProfile!.ChannelAlignment);
        var plain = RuntimeYaml.Parse("rt.yaml", Runtime);
        Assert.False(plain.FusesLayers);
        Assert.Equal(1, plain.Profile.ChannelAlignment);
    }

    [Fact]
    public void HailoRT_runs_contexts_ncnn_has_Winograd_kernels_and_the_Edge_TPU_caches_part_of_the_weights_while_a_file_without_them_has_none()
    {
        var hailo = Catalog.BuiltIn.ResolveRuntime("hailort");
        Assert.True(Catalog.BuiltIn.ResolveRuntime("tflite-edgetpu").PartialWeightCaching);
        Assert.False(hailo.PartialWeightCaching);
        Assert.True(hailo.MultiContext);
        var ncnn = Catalog.BuiltIn.ResolveRuntime("ncnn");
        Assert.NotNull(ncnn.Profile.WinogradSpeedup);
        Assert.Equal(WorkingPoint.Core.Hardware.Precision.Fp16, ncnn.ComputePrecision(WorkingPoint.Core.Hardware.Precision.Fp32));
        var plain = RuntimeYaml.Parse("rt.yaml", Runtime);
        Assert.Null(plain.Profile.WinogradSpeedup);
        Assert.False(plain.PartialWeightCaching);
        Assert.False(plain.MultiContext);
    }

    [Fact]
    public void An_overhead_left_out_is_zero()
    {
        var yaml = Runtime.Replace("  layerOverheadUs: { value: 12, fit: \"wpt calibrate\" }\n", string.Empty, StringComparison.Ordinal);
        Assert.Equal(0, RuntimeYaml.Parse("rt.yaml", yaml).Profile.LayerOverhead.Value);
    }

    [Fact]
    public void Every_built_in_runtime_loads_and_an_unknown_one_is_refused_with_a_suggestion()
    {
        Assert.Contains(Catalog.BuiltIn.Runtimes, r => r.Id == "llama.cpp-metal");
        var ex = Assert.Throws<CatalogException>(() => Catalog.BuiltIn.ResolveRuntime("llama.cpp-metl"));
        Assert.Contains("Did you mean 'llama.cpp-metal'?", ex.Message, StringComparison.Ordinal);
    }
}
