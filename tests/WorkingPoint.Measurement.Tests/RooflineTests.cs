using WorkingPoint.Core.Units;
using WorkingPoint.Measurement.Roofline;

namespace WorkingPoint.Measurement.Tests;

public sealed unsafe class RooflineTests
{
    private static readonly RooflineOptions Tiny = new(TimeSpan.FromMilliseconds(1), 1, 1, Threads: 2, DramFloorBytes: 0);

    private static (double Result, double[] A) RunKernel(MemoryKernel kernel, KernelPath path, int n)
    {
        var a = new double[n];
        var b = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        var c = Enumerable.Range(0, n).Select(i => 0.5 * i).ToArray();
        if (kernel == MemoryKernel.Read)
        {
            a = b.ToArray();
        }

        fixed (double* pa = a, pb = b, pc = c)
        {
            return (MemoryKernels.Run(kernel, path, pa, pb, pc, n, 3.0), a);
        }
    }

    [Theory]
    [InlineData(KernelPath.Vector, 1000)]
    [InlineData(KernelPath.Scalar, 1000)]
    [InlineData(KernelPath.Vector, 37)]
    public void Each_memory_kernel_computes_what_stream_defines(KernelPath path, int n)
    {
        Assert.Equal(n * (n - 1) / 2.0, RunKernel(MemoryKernel.Read, path, n).Result);
        Assert.All(RunKernel(MemoryKernel.Write, path, n).A, v => Assert.Equal(3.0, v));
        Assert.Equal(Enumerable.Range(0, n).Select(i => (double)i), RunKernel(MemoryKernel.Copy, path, n).A);
        Assert.Equal(Enumerable.Range(0, n).Select(i => i + (3.0 * 0.5 * i)), RunKernel(MemoryKernel.Triad, path, n).A);
    }

    [Fact]
    public void Bytes_are_counted_the_stream_way()
    {
        Assert.Equal(8 * 100, MemoryKernels.CountedBytes(MemoryKernel.Read, 100));
        Assert.Equal(8 * 100, MemoryKernels.CountedBytes(MemoryKernel.Write, 100));
        Assert.Equal(16 * 100, MemoryKernels.CountedBytes(MemoryKernel.Copy, 100));
        Assert.Equal(24 * 100, MemoryKernels.CountedBytes(MemoryKernel.Triad, 100));
    }

    [Fact]
    public void Every_fma_path_this_cpu_supports_computes_the_same_per_lane_value()
    {
        var lanes = new Dictionary<FmaPath, int> { [FmaPath.Vector512] = 16, [FmaPath.Vector256] = 8, [FmaPath.Vector128] = 4, [FmaPath.Scalar] = 1 };
        var scalar = ComputeKernels.FusedMultiplyAdd(FmaPath.Scalar, 500);
        foreach (var path in Enum.GetValues<FmaPath>().Where(ComputeKernels.IsSupported))
        {
            Assert.Equal(scalar * lanes[path], ComputeKernels.FusedMultiplyAdd(path, 500), scalar * lanes[path] * 1e-5);
        }
    }

    [Fact]
    public void Every_int8_path_this_cpu_supports_runs_and_the_best_one_is_supported()
    {
        Assert.True(ComputeKernels.IsSupported(ComputeKernels.BestInt8Path));
        Assert.True(ComputeKernels.IsSupported(ComputeKernels.BestFmaPath));
        foreach (var path in Enum.GetValues<Int8Path>().Where(ComputeKernels.IsSupported))
        {
            Assert.Equal(ComputeKernels.Int8Dot(path, 100), ComputeKernels.Int8Dot(path, 100));
            Assert.True(ComputeKernels.OpsPerIteration(path) > 0);
        }
    }

    [Fact]
    public void The_portable_int8_fallback_accumulates_more_with_more_iterations()
    {
        Assert.True(ComputeKernels.Int8Dot(Int8Path.Portable, 2) > ComputeKernels.Int8Dot(Int8Path.Portable, 1));
    }

    [Fact]
    public void A_pointer_chain_is_one_cycle_through_every_cache_line()
    {
        var chain = PointerChain.Create(64 * 1000, seed: 1);
        Assert.Equal(1000, chain.Lines);
        Assert.Equal(1000, chain.CycleLength());
        Assert.Equal(0, chain.Walk(1000));
    }

    [Fact]
    public void Cache_topology_is_read_from_sysfs_skipping_instruction_caches()
    {
        var root = Directory.CreateTempSubdirectory("wpt-cache-").FullName;
        try
        {
            void Index(int i, int level, string type, string size, string shared)
            {
                var dir = Path.Combine(root, $"index{i}");
                Directory.CreateDirectory(dir);
                File.WriteAllText(Path.Combine(dir, "level"), $"{level}\n");
                File.WriteAllText(Path.Combine(dir, "type"), $"{type}\n");
                File.WriteAllText(Path.Combine(dir, "size"), $"{size}\n");
                File.WriteAllText(Path.Combine(dir, "shared_cpu_list"), $"{shared}\n");
            }

            // A Raspberry Pi 5 (Cortex-A76): 64 KiB L1d and 512 KiB L2 per core, 2 MiB L3 shared by four.
            Index(0, 1, "Data", "64K", "0");
            Index(1, 1, "Instruction", "64K", "0");
            Index(2, 2, "Unified", "512K", "0");
            Index(3, 3, "Unified", "2048K", "0-3");

            var topology = CacheTopology.Read(root, logicalCpus: 4);
            Assert.False(topology.Guessed);
            Assert.Equal(["L1", "L2", "L3"], topology.Levels.Select(l => l.Name));
            Assert.Equal(Bytes.FromKiB(256), topology.Levels[0].TotalSize(4));
            Assert.Equal(Bytes.FromMiB(2), topology.LastLevel.TotalSize(4));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Without_sysfs_the_topology_is_a_stated_guess()
    {
        var topology = CacheTopology.Read("/nonexistent/cache", 4);
        Assert.True(topology.Guessed);
        Assert.Equal(3, topology.Levels.Count);
    }

    [Theory]
    [InlineData("32K", 32 * 1024)]
    [InlineData("16M", 16 * 1024 * 1024)]
    [InlineData("4096", 4096)]
    public void Sysfs_sizes_parse(string text, double bytes) => Assert.Equal(bytes, CacheTopology.ParseSize(text)!.Value.Value);

    [Theory]
    [InlineData("0", 1)]
    [InlineData("0-3", 4)]
    [InlineData("0-1,4,6-7", 5)]
    public void Shared_cpu_lists_count(string list, int cpus) => Assert.Equal(cpus, CacheTopology.CountCpus(list));

    [Fact]
    public void The_sweep_runs_from_16_kib_to_four_times_the_last_level_cache()
    {
        var topology = new CacheTopology([new CacheLevel(1, "Data", Bytes.FromKiB(32), 1), new CacheLevel(2, "Unified", Bytes.FromMiB(1), 4)], false);
        var sizes = RooflineMeasurer.WorkingSets(topology, 4, 2);
        Assert.InRange(sizes[0], 12 * 1024, 16 * 1024);
        Assert.InRange(sizes[^1], 3.0 * 1024 * 1024, 4.0 * 1024 * 1024);
        Assert.Equal(sizes.Order(), sizes);
    }

    [Fact]
    public void Dram_is_measured_beyond_the_floor_even_when_the_reported_last_level_cache_is_small()
    {
        // A VM that reports 8 MiB of L3 on a part with 96 MiB per die: 4× the reported level would still be cache.
        var topology = new CacheTopology([new CacheLevel(1, "Data", Bytes.FromKiB(32), 1), new CacheLevel(3, "Unified", Bytes.FromMiB(8), 2)], true);
        var sizes = RooflineMeasurer.WorkingSets(topology, 2, 1, 4, RooflineOptions.DefaultDramFloorBytes);
        Assert.True(sizes[^1] >= 0.99 * Math.Min(RooflineOptions.DefaultDramFloorBytes, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4));

        var curve = sizes.Select(s => new BandwidthPoint(MemoryKernel.Triad, new Bytes(s), new BytesPerSecond(s < 200L * 1024 * 1024 ? 150e9 : 40e9))).ToArray();
        var dram = RooflineMeasurer.Levels(curve, topology, 2, RooflineOptions.DefaultDramFloorBytes).Single(l => l.Level == "DRAM");
        Assert.Equal(40e9, dram.Triad.Value);
    }

    [Fact]
    public void A_tiny_measurement_gives_finite_positive_figures_with_dram_no_faster_than_l1()
    {
        var topology = new CacheTopology([new CacheLevel(1, "Data", Bytes.FromKiB(32), 1), new CacheLevel(2, "Unified", Bytes.FromMiB(1), 2)], false);
        var roofline = RooflineMeasurer.Measure(Tiny, null, topology);

        Assert.All(roofline.Curve, p => Assert.True(double.IsFinite(p.Bandwidth.Value) && p.Bandwidth.Value > 0));
        Assert.Equal(["L1", "L2", "DRAM"], roofline.Levels.Select(l => l.Level));
        Assert.True(roofline.Fp32.Peak!.Value.Value > 0);
        Assert.True(roofline.Int8.Peak!.Value.Value > 0);
        Assert.All(roofline.Latencies, l => Assert.True(l.PerLoad.Value > 0));
        Assert.Contains(roofline.Compute, c => c.Precision == "fp16" && c.Peak is null && c.NotMeasured is not null);

        var record = roofline.ToRecord();
        Assert.Equal(Results.MeasurementKind.Roofline, record.Kind);
        Assert.Equal("dram.triad", record.Metrics[0].Name);
        Assert.Contains(record.Samples, s => s.Name == "bandwidth.triad" && s.Values.Count == roofline.Curve.Count(p => p.Kernel == MemoryKernel.Triad));
        Assert.Equal(HostRoofline.ByteConvention, record.Notes);
    }

    [Fact]
    public void Scalar_fallbacks_measure_too()
    {
        var bandwidth = RooflineMeasurer.MeasureBandwidth(MemoryKernel.Triad, 64 * 1024, 1, Tiny with { MemoryPath = KernelPath.Scalar });
        Assert.True(bandwidth.Value > 0);
        Assert.True(RooflineMeasurer.MeasureFma(FmaPath.Scalar, 1, Tiny).Value > 0);
        Assert.True(RooflineMeasurer.MeasureInt8(Int8Path.Portable, 1, Tiny).Value > 0);
    }
}
