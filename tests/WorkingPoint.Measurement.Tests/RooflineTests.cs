using WorkingPoint.Core.Units;
using WorkingPoint.Measurement.Roofline;
using WorkingPoint.Results;

namespace WorkingPoint.Measurement.Tests;

public sealed unsafe class RooflineTests
{
    private static readonly RooflineOptions Tiny = new(TimeSpan.FromMilliseconds(1), 1, 1, Threads: 2, DramFloorBytes: 0, DramBytesPerArray: 1L << 20, DramRepetitions: 2);

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
    [InlineData(KernelPath.Vector512, 1000)]
    [InlineData(KernelPath.Vector512, 37)]
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

        Assert.Equal(roofline.DramRun!.Best, roofline.Dram.Bandwidth);
        var record = roofline.ToRecord();
        Assert.Equal(Results.MeasurementKind.Roofline, record.Kind);
        Assert.Equal((1L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), record.Parameters["dram-bytes-per-array"]);
        Assert.Equal("2", record.Parameters["dram-repetitions"]);
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

    private const long MiB = 1024 * 1024;

    [Fact]
    public void The_dram_arrays_keep_the_size_asked_for_when_three_fit_in_half_the_available_memory()
    {
        Assert.Equal((512 * MiB, (long?)null), DramStream.ChooseSize(512 * MiB, 3L * 1024 * MiB, scaleDown: true));
        Assert.Equal((512 * MiB, (long?)null), DramStream.ChooseSize(512 * MiB, null, scaleDown: false));
    }

    [Fact]
    public void A_default_dram_size_is_scaled_down_to_whole_huge_pages_when_memory_is_short()
    {
        var (bytes, from) = DramStream.ChooseSize(512 * MiB, 1000 * MiB, scaleDown: true);
        Assert.Equal(512 * MiB, from);
        Assert.True(3 * bytes <= 500 * MiB, $"{bytes}");
        Assert.True(bytes > 500 * MiB / 3 - (2 * MiB), $"{bytes}");
        Assert.Equal(0, bytes % (2 * MiB));
    }

    [Fact]
    public void A_dram_size_asked_for_that_does_not_fit_is_refused_with_the_largest_that_would()
    {
        var error = Assert.Throws<WorkingPoint.Core.InvalidInputException>(() => DramStream.ChooseSize(4096 * MiB, 6000 * MiB, scaleDown: false));
        Assert.Contains("--dram-mib 4096 needs 3 × 4096 MiB", error.Message, StringComparison.Ordinal);
        Assert.Contains("use --dram-mib 1000 or less", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_little_memory_for_three_64_mib_arrays_is_refused()
    {
        var error = Assert.Throws<MeasurementException>(() => DramStream.ChooseSize(512 * MiB, 300 * MiB, scaleDown: true));
        Assert.Contains("Only 300 MiB of memory is available", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(KernelPath.Vector, true)]
    [InlineData(KernelPath.Vector, false)]
    [InlineData(KernelPath.Scalar, true)]
    [InlineData(KernelPath.Vector512, true)]
    public void The_dram_measurement_reports_every_kernel_with_the_best_pass_no_slower_than_the_median(KernelPath path, bool hugePages)
    {
        var dram = DramStream.Measure(4 * MiB, 2, path, 3, hugePages);

        Assert.Equal(Enum.GetValues<MemoryKernel>(), dram.Best.Keys.Order());
        Assert.All(dram.Best, b => Assert.True(double.IsFinite(b.Value.Value) && b.Value.Value > 0));
        Assert.All(dram.Best, b => Assert.True(b.Value.Value >= dram.Median[b.Key].Value));
        Assert.Equal(3, dram.Repetitions);
        Assert.Null(dram.ScaledDownFrom);
        Assert.True(!dram.HugePages || (hugePages && DramStream.TransparentHugePagesAllowed()), "huge pages reported without being asked for or allowed");
    }

    [Fact]
    public void Huge_page_slices_are_whole_huge_pages_per_thread()
    {
        // 5 MiB over 2 threads: 2.5 MiB each, rounded down to one 2 MiB page each; without huge pages, to 64 bytes.
        Assert.Equal(4 * MiB, DramStream.Measure(5 * MiB, 2, KernelPath.Vector, 1, hugePages: true).BytesPerArray.Value);
        Assert.Equal(5 * MiB, DramStream.Measure(5 * MiB, 2, KernelPath.Vector, 1, hugePages: false).BytesPerArray.Value);
    }

    [Fact]
    public void The_dram_level_comes_from_the_stream_measurement_when_there_is_one()
    {
        var topology = new CacheTopology([new CacheLevel(1, "Data", Bytes.FromKiB(32), 1)], false);
        var curve = new[] { new BandwidthPoint(MemoryKernel.Triad, Bytes.FromMiB(512), new BytesPerSecond(40e9)) };
        var best = Enum.GetValues<MemoryKernel>().ToDictionary(k => k, _ => new BytesPerSecond(55e9));
        var run = new DramBandwidth(Bytes.FromMiB(512), 10, true, best, best);

        Assert.Equal(55e9, RooflineMeasurer.Levels(curve, topology, 2, 0, run).Single(l => l.Level == "DRAM").Triad.Value);
        Assert.Equal(40e9, RooflineMeasurer.Levels(curve, topology, 2, 0).Single(l => l.Level == "DRAM").Triad.Value);
    }
}
