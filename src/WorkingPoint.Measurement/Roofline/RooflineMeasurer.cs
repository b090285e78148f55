using System.Runtime.CompilerServices;
using System.Diagnostics;
using System.Runtime.InteropServices;
using WorkingPoint.Core.Units;
using WorkingPoint.Results;

namespace WorkingPoint.Measurement.Roofline;

/// <summary>How thoroughly to measure.</summary>
/// <param name="TargetRepetitionTime">Each timed repetition runs at least this long (repeated passes over small sets).</param>
/// <param name="Repetitions">Timed repetitions per point; the best is kept (noise only ever slows a run down).</param>
/// <param name="PointsPerDoubling">Working-set sizes per factor of two in the sweep.</param>
/// <param name="MemoryPath">The memory kernels' loop; default the widest this CPU runs natively (<see cref="MemoryKernels.BestPath"/>).</param>
/// <param name="LargestLastLevelMultiple">The sweep ends at this many times the last-level cache (all threads' arrays together).</param>
/// <param name="DramFloorBytes">
/// The least working set the sweep reaches, whatever the caches report: virtual machines often hide or misstate the
/// last-level cache, and server parts carry hundreds of MiB of it, so "4× the last level" alone can still be cache.
/// </param>
/// <param name="DramBytesPerArray">The DRAM figures: STREAM's kernels over three arrays of this size each (<see cref="DramStream"/>).</param>
/// <param name="DramRepetitions">Passes of each kernel over the DRAM arrays; the best is kept, as STREAM does.</param>
/// <param name="DramScaleDown">Whether a DRAM size that does not fit in half the available memory is scaled down (else refused).</param>
/// <param name="DramHugePages">Whether the DRAM arrays ask for transparent huge pages.</param>
public sealed record RooflineOptions(TimeSpan TargetRepetitionTime, int Repetitions, int PointsPerDoubling, int? Threads = null, KernelPath? MemoryPath = null, FmaPath? FmaPath = null, Int8Path? Int8Path = null, double LargestLastLevelMultiple = 4, long DramFloorBytes = RooflineOptions.DefaultDramFloorBytes, long DramBytesPerArray = RooflineOptions.DefaultDramBytesPerArray, int DramRepetitions = RooflineOptions.DefaultDramRepetitions, bool DramScaleDown = true, bool DramHugePages = true)
{
    public const long DefaultDramFloorBytes = 512L * 1024 * 1024;

    /// <summary>The C STREAM reference's size (bench/roofline-reference): far beyond any last-level cache of an edge or desktop part.</summary>
    public const long DefaultDramBytesPerArray = 512L * 1024 * 1024;

    /// <summary>STREAM's own count.</summary>
    public const int DefaultDramRepetitions = 10;

    /// <summary>Up to 12× the last-level cache, so each of triad's three arrays is at least 4× it (STREAM's rule).</summary>
    public static RooflineOptions Full { get; } = new(TimeSpan.FromMilliseconds(20), 5, 2, LargestLastLevelMultiple: 12);

    /// <summary>A few seconds in all: coarse, for a first look and for tests (the DRAM figures are measured as in the full run).</summary>
    public static RooflineOptions Quick { get; } = new(TimeSpan.FromMilliseconds(3), 2, 1);
}

/// <summary>Measures the host's empirical roofline: the bandwidth sweep, compute peaks and load latency.</summary>
public static unsafe class RooflineMeasurer
{
    public const long SmallestWorkingSetBytes = 16 * 1024;

    /// <summary>The working set of the DRAM measurement: 4× the last level, at least the floor, the floor at most a quarter of memory.</summary>
    public static long DramWorkingSet(CacheTopology caches, int threads, long floorBytes)
    {
        var memoryQuarter = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4;
        var floor = memoryQuarter > 0 ? Math.Min(floorBytes, memoryQuarter) : floorBytes;
        return Math.Max((long)(caches.LastLevel.TotalSize(threads).Value * 4), floor);
    }

    public static HostRoofline Measure(RooflineOptions options, IProgress<(string Stage, double Fraction)>? progress = null, CacheTopology? caches = null, CancellationToken cancellation = default)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var threads = options.Threads ?? Environment.ProcessorCount;
        var memoryPath = options.MemoryPath ?? MemoryKernels.BestPath;
        caches ??= CacheTopology.Read();
        // Sized (or refused) first, so a machine short of memory hears so before the sweep, not after it.
        var (dramBytesPerArray, dramScaledDownFrom) = DramStream.ChooseSize(options.DramBytesPerArray, PlatformFingerprint.AvailableMemoryBytes(), options.DramScaleDown);

        // DRAM first: a fresh process finds unfragmented memory for huge pages, and a reference run just before it (compare.sh)
        // sees the same machine state seconds, not a minute, earlier.
        progress?.Report(($"DRAM bandwidth (3 × {dramBytesPerArray / (1024 * 1024)} MiB, best of {options.DramRepetitions})", 0));
        var dram = DramStream.Measure(dramBytesPerArray, threads, memoryPath, options.DramRepetitions, options.DramHugePages, dramScaledDownFrom, cancellation);
        var sizes = WorkingSets(caches, threads, options.PointsPerDoubling, options.LargestLastLevelMultiple, options.DramFloorBytes);
        var curve = new List<BandwidthPoint>();
        var kernels = Enum.GetValues<MemoryKernel>();
        for (var k = 0; k < kernels.Length; k++)
        {
            for (var s = 0; s < sizes.Count; s++)
            {
                cancellation.ThrowIfCancellationRequested();
                progress?.Report(("memory bandwidth", ((k * sizes.Count) + s) / (double)(kernels.Length * sizes.Count)));
                curve.Add(new BandwidthPoint(kernels[k], new Bytes(sizes[s]), MeasureBandwidth(kernels[k], sizes[s], threads, options)));
            }
        }

        progress?.Report(("compute peaks", 0));
        var fmaPath = options.FmaPath ?? ComputeKernels.BestFmaPath;
        var int8Path = options.Int8Path ?? ComputeKernels.BestInt8Path;
        var compute = new List<ComputePeak>
        {
            new("fp32", MeasureFma(fmaPath, threads, options), $"{fmaPath} FMA"),
            new("int8", MeasureInt8(int8Path, threads, options), int8Path.ToString()),
            new("fp16", null, "none", HalfPrecisionNote("fp16", "avx512_fp16", "fphp")),
            new("bf16", null, "none", HalfPrecisionNote("bf16", "avx512_bf16", "bf16")),
        };
        cancellation.ThrowIfCancellationRequested();
        progress?.Report(("load latency", 0));
        var latencies = MeasureLatencies(caches, threads, options, cancellation);
        progress?.Report(("done", 1));
        var machine = PlatformFingerprint.OfThisMachine();
        return new HostRoofline(machine, caches, threads, memoryPath, MemoryKernels.VectorBits(memoryPath), curve, Levels(curve, caches, threads, options.DramFloorBytes, dram), compute, latencies, clock.Elapsed, started, dram);
    }

    /// <summary>16 KiB up to <paramref name="lastLevelMultiple"/> × the total last-level cache (and at least the DRAM working set), geometrically, 64-byte multiples.</summary>
    public static IReadOnlyList<long> WorkingSets(CacheTopology caches, int threads, int pointsPerDoubling, double lastLevelMultiple = 4, long dramFloorBytes = 0)
    {
        var largest = Math.Max((long)(caches.LastLevel.TotalSize(threads).Value * lastLevelMultiple), DramWorkingSet(caches, threads, dramFloorBytes));
        var sizes = new List<long>();
        for (var step = 0; ; step++)
        {
            var size = (long)(SmallestWorkingSetBytes * Math.Pow(2, step / (double)pointsPerDoubling));
            size = Math.Max(SmallestWorkingSetBytes, size / (64L * threads * 3) * 64 * threads * 3);
            if (size > largest * 1.0001)
            {
                break;
            }

            if (sizes.Count == 0 || size > sizes[^1])
            {
                sizes.Add(size);
            }
        }

        return sizes;
    }

    /// <summary>
    /// The plateau of each level: the best of each kernel with the working set well inside it and beyond the level below. DRAM:
    /// the STREAM-style measurement where there is one, else the sweep at the DRAM working set and beyond (or its largest sets).
    /// </summary>
    public static IReadOnlyList<LevelBandwidth> Levels(IReadOnlyList<BandwidthPoint> curve, CacheTopology caches, int threads, long dramFloorBytes = 0, DramBandwidth? dram = null)
    {
        var levels = new List<LevelBandwidth>();
        var below = 0.0;
        foreach (var cache in caches.Levels)
        {
            var capacity = cache.TotalSize(threads);
            var inside = curve.Where(p => p.WorkingSet.Value <= capacity.Value * 0.5 && p.WorkingSet.Value > below).ToArray();
            if (inside.Length == 0)
            {
                inside = curve.Where(p => p.WorkingSet.Value <= capacity.Value).ToArray();
            }

            if (inside.Length > 0)
            {
                levels.Add(new LevelBandwidth(cache.Name, capacity, Best(inside)));
            }

            below = capacity.Value;
        }

        if (dram is not null)
        {
            levels.Add(new LevelBandwidth("DRAM", Bytes.Zero, dram.Best));
            return levels;
        }

        var beyond = curve.Where(p => p.WorkingSet.Value >= Math.Max(below * 3.99, DramWorkingSet(caches, threads, dramFloorBytes) * 0.99)).ToArray();
        levels.Add(new LevelBandwidth("DRAM", Bytes.Zero, Best(beyond.Length > 0 ? beyond : curve.Where(p => p.WorkingSet.Value >= curve.Max(c => c.WorkingSet.Value)).ToArray())));
        return levels;
    }

    private static Dictionary<MemoryKernel, BytesPerSecond> Best(IReadOnlyList<BandwidthPoint> points) =>
        points.GroupBy(p => p.Kernel).ToDictionary(g => g.Key, g => g.MaxBy(p => p.Bandwidth.Value)!.Bandwidth);

    /// <summary>One point: every thread runs the kernel over its own slice; bytes counted the STREAM way over the wall time.</summary>
    public static BytesPerSecond MeasureBandwidth(MemoryKernel kernel, long workingSetBytes, int threads, RooflineOptions options)
    {
        var arrays = MemoryKernels.ArraysOf(kernel);
        var elements = Math.Max(64, workingSetBytes / threads / arrays / sizeof(double));
        var buffers = new nint[threads * 3];
        try
        {
            using var runner = new ParallelRunner(threads, t =>
            {
                // First touch on the thread that uses the memory, so it lands on that thread's NUMA node.
                for (var a = 0; a < 3; a++)
                {
                    var p = (double*)NativeMemory.AlignedAlloc((nuint)(elements * sizeof(double)), 64);
                    new Span<double>(p, (int)Math.Min(elements, int.MaxValue)).Fill(1.0 + a);
                    for (var i = int.MaxValue; i < elements; i++)
                    {
                        p[i] = 1.0 + a;
                    }

                    buffers[(t * 3) + a] = (nint)p;
                }
            });
            var sink = new double[threads];
            var passes = 1L;
            void Work(int t) => sink[t] += RunPasses(kernel, options.MemoryPath ?? MemoryKernels.BestPath, buffers, t, elements, passes);

            runner.Run(Work); // Warm caches and let tiered JIT settle into optimized code.
            passes = Calibrate(runner, Work, options.TargetRepetitionTime, passes, p => passes = p);
            var best = BestOf(runner, Work, options.Repetitions);
            GC.KeepAlive(sink);
            var bytes = (double)MemoryKernels.CountedBytes(kernel, elements) * threads * passes;
            return new BytesPerSecond(bytes / best.TotalSeconds);
        }
        finally
        {
            foreach (var p in buffers.Where(p => p != 0))
            {
                NativeMemory.AlignedFree((void*)p);
            }
        }
    }

    /// <summary>The shortest of several timed runs: on a shared machine noise only ever slows a run down.</summary>
    private static TimeSpan BestOf(ParallelRunner runner, Action<int> work, int repetitions) =>
        Enumerable.Range(0, repetitions).Select(_ => runner.Run(work)).Min();

    /// <summary>Grows the amount of work per run until one run lasts the target time (by then the JIT has produced its final code).</summary>
    private static long Calibrate(ParallelRunner runner, Action<int> work, TimeSpan target, long amount, Action<long> set)
    {
        for (var i = 0; i < 40; i++)
        {
            var time = runner.Run(work);
            if (time >= target)
            {
                break;
            }

            amount *= Math.Clamp((long)Math.Ceiling(1.2 * target.TotalSeconds / Math.Max(time.TotalSeconds, 1e-7)), 2, 16);
            set(amount);
        }

        return amount;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double RunPasses(MemoryKernel kernel, KernelPath path, nint[] buffers, int thread, long elements, long passes)
    {
        var a = (double*)buffers[thread * 3];
        var b = (double*)buffers[(thread * 3) + 1];
        var c = (double*)buffers[(thread * 3) + 2];
        var sum = 0.0;
        for (var p = 0L; p < passes; p++)
        {
            sum += MemoryKernels.Run(kernel, path, a, b, c, elements, 3.0);
        }

        return sum;
    }

    public static OpsPerSecond MeasureFma(FmaPath path, int threads, RooflineOptions options) =>
        MeasureCompute(threads, options, ComputeKernels.FlopsPerIteration(path), n => ComputeKernels.FusedMultiplyAdd(path, n));

    public static OpsPerSecond MeasureInt8(Int8Path path, int threads, RooflineOptions options) =>
        MeasureCompute(threads, options, ComputeKernels.OpsPerIteration(path), n => ComputeKernels.Int8Dot(path, n));

    private static OpsPerSecond MeasureCompute(int threads, RooflineOptions options, long opsPerIteration, Func<long, float> kernel)
    {
        using var runner = new ParallelRunner(threads);
        var sink = new float[threads];
        var iterations = 1000L;
        void Work(int t) => sink[t] += kernel(iterations);

        runner.Run(Work);
        iterations = Calibrate(runner, Work, options.TargetRepetitionTime, iterations, n => iterations = n);
        var best = BestOf(runner, Work, options.Repetitions);
        GC.KeepAlive(sink);
        return new OpsPerSecond((double)opsPerIteration * iterations * threads / best.TotalSeconds);
    }

    /// <summary>Dependent loads through a random cyclic permutation of cache lines, one thread, sized to sit inside each level (and DRAM).</summary>
    private static List<LoadLatency> MeasureLatencies(CacheTopology caches, int threads, RooflineOptions options, CancellationToken cancellation)
    {
        var list = new List<LoadLatency>();
        foreach (var cache in caches.Levels)
        {
            cancellation.ThrowIfCancellationRequested();
            var size = (long)(cache.Size.Value / 2);
            list.Add(new LoadLatency(cache.Name, new Bytes(size), MeasureLatency(size, options)));
        }

        var dram = DramWorkingSet(caches, threads, options.DramFloorBytes);
        list.Add(new LoadLatency("DRAM", new Bytes(dram), MeasureLatency(dram, options)));
        return list;
    }

    public static Seconds MeasureLatency(long bytes, RooflineOptions options)
    {
        var chain = PointerChain.Create(bytes, seed: 7);
        var steps = Math.Max(10_000, chain.Lines * 2);
        chain.Walk(steps); // Warm-up: the chain's lines are loaded once.
        var best = double.MaxValue;
        for (var r = 0; r < options.Repetitions; r++)
        {
            var clock = Stopwatch.StartNew();
            chain.Walk(steps);
            best = Math.Min(best, clock.Elapsed.TotalSeconds / steps);
        }

        return new Seconds(best);
    }

    private static string HalfPrecisionNote(string precision, string x86Flag, string armFeature) =>
        CpuFlags.Has(x86Flag) || CpuFlags.Has(armFeature)
            ? $"not measured: this CPU has {precision} arithmetic ({(CpuFlags.Has(x86Flag) ? x86Flag : armFeature)}) but .NET exposes no {precision} vector arithmetic to time it with"
            : $"not available on this CPU (no native {precision} vector arithmetic)";
}

/// <summary>A random single cycle through every cache line of a buffer (Sattolo's algorithm), for load-to-use latency.</summary>
public sealed class PointerChain
{
    private const int IntsPerLine = 16;
    private readonly int[] _next;

    private PointerChain(int[] next, int lines)
    {
        _next = next;
        Lines = lines;
    }

    public int Lines { get; }

    public static PointerChain Create(long bytes, int seed)
    {
        var lines = (int)Math.Max(2, bytes / 64);
        var order = Enumerable.Range(0, lines).ToArray();
        var random = new Random(seed);
        for (var i = lines - 1; i > 0; i--)
        {
            var j = random.Next(i); // j < i: Sattolo's variant, which yields exactly one cycle.
            (order[i], order[j]) = (order[j], order[i]);
        }

        var next = new int[lines * IntsPerLine];
        for (var i = 0; i < lines; i++)
        {
            next[i * IntsPerLine] = order[i] * IntsPerLine;
        }

        return new PointerChain(next, lines);
    }

    /// <summary>Follows the chain; returns where it ended so the loads cannot be skipped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Walk(long steps)
    {
        var p = 0;
        for (long i = 0; i < steps; i++)
        {
            p = _next[p];
        }

        return p;
    }

    /// <summary>Lines visited before returning to the start (equals <see cref="Lines"/> for a single cycle).</summary>
    public int CycleLength()
    {
        var p = _next[0];
        var length = 1;
        while (p != 0)
        {
            p = _next[p];
            length++;
        }

        return length;
    }
}

/// <summary>CPU feature flags as Linux lists them (/proc/cpuinfo "flags" on x86, "Features" on ARM).</summary>
internal static class CpuFlags
{
    private static readonly Lazy<HashSet<string>> Flags = new(() =>
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path))
        {
            return [];
        }

        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal) || l.StartsWith("Features", StringComparison.Ordinal));
        return line is null ? [] : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
    });

    public static bool Has(string flag) => Flags.Value.Contains(flag);
}
