using System.Globalization;
using WorkingPoint.Core.Units;
using WorkingPoint.Results;

namespace WorkingPoint.Measurement.Roofline;

/// <summary>One point of the bandwidth curve: a kernel over a working set (all threads' arrays together).</summary>
public sealed record BandwidthPoint(MemoryKernel Kernel, Bytes WorkingSet, BytesPerSecond Bandwidth);

/// <summary>Bandwidth of each kernel at one level of the memory hierarchy (the plateau of the curve there).</summary>
public sealed record LevelBandwidth(string Level, Bytes Capacity, IReadOnlyDictionary<MemoryKernel, BytesPerSecond> Bandwidth)
{
    public BytesPerSecond Triad => Bandwidth[MemoryKernel.Triad];
}

/// <summary>Time of one dependent load with the chain inside a level.</summary>
public sealed record LoadLatency(string Level, Bytes WorkingSet, Seconds PerLoad);

/// <summary>A compute peak and the instructions that reached it, or why it was not measured.</summary>
public sealed record ComputePeak(string Precision, OpsPerSecond? Peak, string Path, string? NotMeasured = null);

/// <summary>The empirical roofline of this machine: bandwidth per level, compute peaks, latencies, and the raw curve.</summary>
public sealed record HostRoofline(
    PlatformFingerprint Machine,
    CacheTopology Caches,
    int Threads,
    KernelPath MemoryPath,
    int VectorBits,
    IReadOnlyList<BandwidthPoint> Curve,
    IReadOnlyList<LevelBandwidth> Levels,
    IReadOnlyList<ComputePeak> Compute,
    IReadOnlyList<LoadLatency> Latencies,
    TimeSpan Duration,
    DateTimeOffset StartedAt,
    DramBandwidth? DramRun = null)
{
    /// <summary>How bytes are counted, for every report.</summary>
    public const string ByteConvention = "STREAM convention: 8 bytes per double for each array a kernel names (read 1, write 1, copy 2, triad 3); write-allocate traffic not counted.";

    public LevelBandwidth Dram => Levels.Single(l => l.Level == "DRAM");

    public LevelBandwidth LastLevelCache => Levels.Last(l => l.Level != "DRAM");

    public ComputePeak Fp32 => Compute.Single(c => c.Precision == "fp32");

    public ComputePeak Int8 => Compute.Single(c => c.Precision == "int8");

    public MeasurementRecord ToRecord()
    {
        var metrics = new List<Metric> { new("dram.triad", Dram.Triad.GBps, "GB/s") };
        foreach (var level in Levels)
        {
            foreach (var (kernel, bandwidth) in level.Bandwidth)
            {
                if (level.Level != "DRAM" || kernel != MemoryKernel.Triad)
                {
                    metrics.Add(new Metric($"{level.Level.ToLowerInvariant()}.{kernel.ToString().ToLowerInvariant()}", bandwidth.GBps, "GB/s"));
                }
            }
        }

        metrics.AddRange(Compute.Where(c => c.Peak is not null).Select(c => new Metric($"peak.{c.Precision}", c.Peak!.Value.Value / 1e9, c.Precision == "int8" ? "GOPS" : "GFLOPS")));
        metrics.AddRange(Latencies.Select(l => new Metric($"latency.{l.Level.ToLowerInvariant()}", l.PerLoad.Value * 1e9, "ns")));
        var samples = Enum.GetValues<MemoryKernel>().Select(k =>
        {
            var points = Curve.Where(p => p.Kernel == k).ToArray();
            return new SampleSeries($"bandwidth.{k.ToString().ToLowerInvariant()}", "GB/s", points.Select(p => p.Bandwidth.GBps).ToArray(), null);
        }).Append(new SampleSeries("working-set", "bytes", Curve.Where(p => p.Kernel == MemoryKernel.Triad).Select(p => p.WorkingSet.Value).ToArray())).ToArray();
        var parameters = new Dictionary<string, string>
        {
            ["threads"] = Threads.ToString(CultureInfo.InvariantCulture),
            ["memory-path"] = $"{MemoryPath} ({VectorBits}-bit)",
            ["fp32-path"] = Fp32.Path,
            ["int8-path"] = Int8.Path,
            ["caches"] = string.Join(", ", Caches.Levels.Select(l => $"{l.Name} {l.Size} ×{Math.Max(1, Threads / Math.Max(1, l.SharedByCpus))}")) + (Caches.Guessed ? " (guessed)" : string.Empty),
            ["byte-convention"] = "stream",
        };
        if (DramRun is { } dram)
        {
            parameters["dram-bytes-per-array"] = dram.BytesPerArray.Value.ToString(CultureInfo.InvariantCulture);
            parameters["dram-repetitions"] = dram.Repetitions.ToString(CultureInfo.InvariantCulture);
            parameters["dram-huge-pages"] = dram.HugePages ? "yes" : "no";
        }

        return new MeasurementRecord(MeasurementKind.Roofline, StartedAt, Duration, Machine, null, null, parameters, metrics, samples, ByteConvention);
    }
}
