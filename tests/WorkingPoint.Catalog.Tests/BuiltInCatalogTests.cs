using WorkingPoint.Tests.Shared;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;

namespace WorkingPoint.Catalog.Tests;

public class BuiltInCatalogTests
{
    private static readonly string[] RequiredPlatformIds =
    [
        "hailo-8", "hailo-8l", "hailo-10h",
        "jetson-orin-nano-8gb", "jetson-orin-nano-8gb-super", "jetson-orin-nx-16gb", "jetson-agx-orin-64gb",
        "raspberry-pi-5", "rk3588", "coral-edge-tpu",
        "apple-m1", "apple-m2", "apple-m3", "apple-m4", "apple-m4-pro",
        "intel-lunar-lake-npu", "axelera-metis", "deepx-dx-m1", "host",
    ];

    private static Platform Get(string id) => Catalog.BuiltIn.ResolvePlatform(id);

    [Fact]
    public void The_required_platforms_are_all_in_the_catalog()
    {
        var ids = Catalog.BuiltIn.Platforms.Select(p => p.Id).ToHashSet();
        var missing = RequiredPlatformIds.Except(ids).ToArray();
        Assert.True(missing.Length == 0, $"missing from the catalog: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_catalog_platform_loads_and_has_a_source_for_each_published_figure()
    {
        Assert.NotEmpty(Catalog.BuiltIn.Platforms);
        foreach (var platform in Catalog.BuiltIn.Platforms)
        {
            foreach (var figure in platform.Provenance.Figures)
            {
                var described = figure.Source is not null || figure.Note is not null;
                Assert.True(described, $"{platform.Id}: {figure.Field} has neither a source nor a note.");
                if (figure.IsAssumption)
                {
                    Assert.False(string.IsNullOrWhiteSpace(figure.Note), $"{platform.Id}: assumption {figure.Field} gives no reason.");
                }
            }

            foreach (var (key, reference) in platform.Provenance.References)
            {
                Assert.False(string.IsNullOrWhiteSpace(reference), $"{platform.Id}: source {key} is empty.");
            }
        }
    }

    [Fact]
    public void The_readme_counts_the_platforms_and_models_the_catalog_holds()
    {
        var readme = File.ReadAllText(Path.Combine(TestModels.RepositoryRoot, "README.md"));
        var platforms = Catalog.BuiltIn.Platforms.Count(p => p.Id != HostPlatform.Id);
        var llms = Catalog.BuiltIn.Models.Count(m => m is LlmCatalogModel);
        var networks = Catalog.BuiltIn.Models.Count(m => m is GraphCatalogModel);
        Assert.Contains($"a sourced catalog of {platforms} edge processors and {llms + networks} real model architectures ({llms} LLMs, VLMs and speech models, {networks} vision networks)", readme, StringComparison.Ordinal);
        Assert.Contains($"[docs/platform-schema.md](docs/platform-schema.md)), {platforms} of them:", readme, StringComparison.Ordinal);
        Assert.Contains($"[docs/model-schema.md](docs/model-schema.md)), {llms} of them:", readme, StringComparison.Ordinal);
        Assert.Contains($"(graph IR, shape inference at any input size), {networks} of them:", readme, StringComparison.Ordinal);

        // Every catalog platform is named in the list.
        Assert.All(Catalog.BuiltIn.Platforms.Where(p => p.Id != HostPlatform.Id), p => Assert.Contains(p.Id, readme, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_platform_id_matches_its_file_name()
    {
        var directory = FindCatalogDirectory();
        var fileIds = Directory.GetFiles(directory, "*.yaml").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);
        var ids = Catalog.BuiltIn.Platforms.Select(p => p.Id).Order(StringComparer.Ordinal);
        Assert.Equal(fileIds, ids);
    }

    [Fact]
    public void Every_platform_except_the_host_has_a_compute_peak()
    {
        var withoutPeak = Catalog.BuiltIn.Platforms.Where(p => !p.Compute.HasAnyPeak).Select(p => p.Id);
        Assert.Equal(["host"], withoutPeak);
    }

    [Fact]
    public void The_host_placeholder_has_no_figures_until_measured()
    {
        var host = Get("host");
        Assert.False(host.Compute.HasAnyPeak);
        Assert.Equal(ExecutionStyle.LayerByLayer, host.Execution);
        Assert.Equal(DramKind.Unknown, host.Dram!.Kind);
        Assert.Null(host.Dram.PeakBandwidth);
        Assert.All(host.Provenance.Figures, f => Assert.Contains("wpt measure roofline", f.Note, StringComparison.Ordinal));
    }

    [Fact]
    public void Sparse_int8_headlines_are_halved_for_dense_use()
    {
        Assert.Equal(33.5, Get("jetson-orin-nano-8gb-super").Compute.DensePeak(Precision.Int8).Value / 1e12, 6);
        Assert.Equal(20, Get("jetson-orin-nano-8gb").Compute.DensePeak(Precision.Int8).Value / 1e12, 6);
        Assert.Equal(85, Get("jetson-agx-orin-64gb").Compute.DensePeak(Precision.Int8).Value / 1e12, 6);
    }

    [Fact]
    public void Every_catalog_platform_is_described_by_its_compute_units()
    {
        foreach (var file in Directory.GetFiles(FindCatalogDirectory(), "*.yaml"))
        {
            var text = File.ReadAllText(file);
            Assert.True(text.Contains("\nunits:\n", StringComparison.Ordinal), $"{Path.GetFileName(file)} has no units: section.");
            Assert.False(text.Contains("\ncompute:", StringComparison.Ordinal), $"{Path.GetFileName(file)} still has a top-level compute:.");
        }
    }

    [Theory]
    [InlineData("jetson-orin-nano-8gb", 1.28, 10, 20)]
    [InlineData("jetson-orin-nano-8gb-super", 2.089, 16.75, 33.5)]
    [InlineData("jetson-orin-nx-16gb", 1.88, 14.69, 29.375)]
    [InlineData("jetson-agx-orin-64gb", 5.3, 42.5, 85)]
    public void Jetson_gpus_carry_the_non_tensor_fp32_rate_beside_the_dense_tensor_rates(string id, double fp32Tflops, double fp16Tflops, double denseInt8Tops)
    {
        var gpu = Get(id).UnitOfKind(ComputeUnitKind.Gpu)!;
        Assert.Equal(fp32Tflops, gpu.Compute.DensePeak(Precision.Fp32).Value / 1e12, 3);
        Assert.Equal(fp16Tflops, gpu.Compute.DensePeak(Precision.Fp16).Value / 1e12, 3);
        Assert.Equal(denseInt8Tops, gpu.Compute.DensePeak(Precision.Int8).Value / 1e12, 3);
        Assert.NotNull(Get(id).UnitOfKind(ComputeUnitKind.Cpu));
    }

    [Theory]
    [InlineData("jetson-orin-nano-8gb", false)]
    [InlineData("jetson-orin-nano-8gb-super", false)]
    [InlineData("jetson-orin-nx-16gb", true)]
    [InlineData("jetson-agx-orin-64gb", true)]
    public void Only_the_jetson_nx_and_agx_have_dlas(string id, bool hasDla) => Assert.Equal(hasDla, Get(id).UnitOfKind(ComputeUnitKind.Dla) is not null);

    [Theory]
    [InlineData("hailo-8")]
    [InlineData("hailo-8l")]
    [InlineData("hailo-10h")]
    [InlineData("coral-edge-tpu")]
    [InlineData("axelera-metis")]
    [InlineData("deepx-dx-m1")]
    public void Accelerators_are_one_npu_behind_its_host_link(string id)
    {
        var unit = Assert.Single(Get(id).Units);
        Assert.Equal(ComputeUnitKind.Npu, unit.Kind);
        Assert.NotNull(unit.HostLink);
    }

    [Theory]
    [InlineData("apple-m1")]
    [InlineData("apple-m2")]
    [InlineData("apple-m3")]
    [InlineData("apple-m4")]
    [InlineData("apple-m4-pro")]
    public void Apple_silicon_has_a_cpu_a_gpu_and_a_neural_engine_and_runs_llms_on_the_gpu(string id)
    {
        var platform = Get(id);
        Assert.Equal([ComputeUnitKind.Cpu, ComputeUnitKind.Gpu, ComputeUnitKind.Npu], platform.Units.Select(u => u.Kind));
        Assert.Equal("llama.cpp-metal", platform.DefaultRuntimeIds[WorkloadKind.Llm]);
    }

    [Fact]
    public void The_raspberry_pi_5_is_one_cpu_unit()
    {
        var unit = Assert.Single(Get("raspberry-pi-5").Units);
        Assert.Equal(ComputeUnitKind.Cpu, unit.Kind);
        Assert.Equal(0.1535, unit.Compute.DensePeak(Precision.Fp32).Value / 1e12, 4);
    }

    [Fact]
    public void Every_platform_names_a_default_network_runtime_the_catalog_knows()
    {
        foreach (var platform in Catalog.BuiltIn.Platforms)
        {
            Assert.True(platform.DefaultRuntimeIds.ContainsKey(WorkloadKind.Network), $"{platform.Id} names no default network runtime.");
            Assert.True(platform.DefaultRuntimes.ContainsKey(WorkloadKind.Network), $"{platform.Id}: default network runtime '{platform.DefaultRuntimeIds[WorkloadKind.Network]}' did not resolve.");
        }
    }

    [Fact]
    public void Dense_headlines_are_used_as_published()
    {
        Assert.Equal(26, Get("hailo-8").Compute.DensePeak(Precision.Int8).Value / 1e12, 6);
        Assert.Equal(214, Get("axelera-metis").Compute.DensePeak(Precision.Int8).Value / 1e12, 6);
    }

    [Theory]
    [InlineData("jetson-orin-nano-8gb-super", 102.4)]
    [InlineData("raspberry-pi-5", 17.068)]
    [InlineData("jetson-agx-orin-64gb", 204.8)]
    [InlineData("jetson-orin-nano-8gb", 68.256)]
    [InlineData("rk3588", 34.128)]
    public void Dram_peak_bandwidth_is_computed_from_data_rate_and_bus_width(string id, double gigabytesPerSecond)
    {
        Assert.Equal(gigabytesPerSecond, Get(id).Dram!.PeakBandwidth!.Value.GBps, 3);
    }

    [Theory]
    [InlineData("hailo-8")]
    [InlineData("hailo-8l")]
    [InlineData("coral-edge-tpu")]
    public void Dataflow_parts_without_dram_sit_behind_a_host_link(string id)
    {
        var platform = Get(id);
        Assert.Equal(ExecutionStyle.Dataflow, platform.Execution);
        Assert.False(platform.HasDram);
        Assert.NotNull(platform.HostLink);
    }

    [Fact]
    public void Assumed_figures_are_flagged_as_assumptions()
    {
        var lunarLake = Get("intel-lunar-lake-npu");
        Assert.Contains(lunarLake.Provenance.Assumptions, f => f.Field == "memory.dram.busWidthBits");
        Assert.Equal(128, lunarLake.Dram!.BusWidthBits);
    }

    private static string FindCatalogDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "catalog", "platforms");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("catalog/platforms not found above the test output directory.");
    }
}
