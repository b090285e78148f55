using System.Runtime.InteropServices;
using WorkingPoint.Core;
using WorkingPoint.Core.Units;

namespace WorkingPoint.Measurement.Roofline;

/// <summary>The DRAM figures, measured the way C STREAM does, which the host's calibration rests on.</summary>
/// <param name="BytesPerArray">Each of the three arrays (all threads' slices together).</param>
/// <param name="Repetitions">Timed passes of each kernel; the best is kept, as STREAM does.</param>
/// <param name="HugePages">Whether the arrays sit on transparent huge pages (asked with Linux madvise; at least half of them granted).</param>
/// <param name="Best">The best pass of each kernel.</param>
/// <param name="Median">The median pass of each kernel: how far the best stands above a typical pass on a busy machine.</param>
/// <param name="ScaledDownFrom">The size per array asked for, when memory was short and a smaller one was measured.</param>
public sealed record DramBandwidth(
    Bytes BytesPerArray,
    int Repetitions,
    bool HugePages,
    IReadOnlyDictionary<MemoryKernel, BytesPerSecond> Best,
    IReadOnlyDictionary<MemoryKernel, BytesPerSecond> Median,
    Bytes? ScaledDownFrom = null)
{
    public BytesPerSecond Triad => Best[MemoryKernel.Triad];
}

/// <summary>
/// The DRAM measurement: three arrays of <see cref="RooflineOptions.DefaultDramBytesPerArray"/> each (C STREAM's reference size
/// here), every kernel once per repetition in STREAM's order, the best of <see cref="RooflineOptions.DefaultDramRepetitions"/>.
/// One pass per sample: the arrays are far larger than any cache, so a pass lasts tens of milliseconds on its own.
/// </summary>
public static unsafe class DramStream
{
    /// <summary>Below this per array, a large last-level cache could still hold part of the working set.</summary>
    public const long SmallestBytesPerArray = 64L * 1024 * 1024;

    /// <summary>The arrays may take at most this share of the memory the OS says is available.</summary>
    public const double MostOfAvailableMemory = 0.5;

    private const long HugePageBytes = 2L * 1024 * 1024;
    private const int MadviseHugePage = 14; // MADV_HUGEPAGE, the same value on every Linux architecture.

    /// <summary>
    /// The size per array to measure: the one asked for when three of them fit in half the available memory; otherwise, when
    /// <paramref name="scaleDown"/>, the largest that fits (refused below <see cref="SmallestBytesPerArray"/>, where the caches
    /// could hold the arrays), else refused with the largest size that would fit.
    /// </summary>
    public static (long BytesPerArray, long? ScaledDownFrom) ChooseSize(long requestedBytesPerArray, long? availableBytes, bool scaleDown)
    {
        if (availableBytes is not { } available || 3 * requestedBytesPerArray <= available * MostOfAvailableMemory)
        {
            return (requestedBytesPerArray, null);
        }

        var fitting = (long)(available * MostOfAvailableMemory / 3) / HugePageBytes * HugePageBytes;
        const double mib = 1024.0 * 1024;
        if (!scaleDown)
        {
            throw new InvalidInputException($"--dram-mib {requestedBytesPerArray / mib:0} needs 3 × {requestedBytesPerArray / mib:0} MiB, more than half of the {available / mib:0} MiB of memory available now; use --dram-mib {Math.Max(fitting, SmallestBytesPerArray) / mib:0} or less, or free memory.");
        }

        if (fitting < Math.Min(SmallestBytesPerArray, requestedBytesPerArray))
        {
            throw new MeasurementException($"Only {available / mib:0} MiB of memory is available: too little to measure DRAM bandwidth (three arrays of at least {SmallestBytesPerArray / mib:0} MiB in half of it); free memory and rerun.");
        }

        return (fitting, requestedBytesPerArray);
    }

    /// <summary>Each thread allocates and first touches its own slice of each array, then every kernel runs once per repetition.</summary>
    public static DramBandwidth Measure(long bytesPerArray, int threads, KernelPath path, int repetitions, bool hugePages, long? scaledDownFrom = null, CancellationToken cancellation = default)
    {
        // Slices are whole huge pages where huge pages are asked for (and a slice holds one), so no page straddles two threads.
        var granule = hugePages && bytesPerArray / threads >= HugePageBytes ? HugePageBytes : 64;
        var sliceBytes = Math.Max(64, bytesPerArray / threads / granule * granule);
        var elements = sliceBytes / sizeof(double);
        var hugePagesAsked = hugePages && TransparentHugePagesAllowed();
        var hugeBefore = AnonymousHugePageBytes();
        var hugePagesUsed = false;
        var buffers = new nint[threads * 3];
        var kernels = Enum.GetValues<MemoryKernel>();
        var times = kernels.ToDictionary(k => k, _ => new List<TimeSpan>());
        try
        {
            using var runner = new ParallelRunner(threads, t =>
            {
                for (var a = 0; a < 3; a++)
                {
                    var p = (double*)Allocate(sliceBytes, hugePagesAsked);
                    buffers[(t * 3) + a] = (nint)p;

                    // First touch by the thread that runs the kernels: its pages land on its NUMA node, and no page fault is timed.
                    for (var i = 0L; i < elements; i++)
                    {
                        p[i] = 1.0 + a;
                    }
                }
            });
            // Advice can be ignored (memory too fragmented, THP off): the report says what the arrays really got.
            hugePagesUsed = hugePagesAsked && AnonymousHugePageBytes() is { } after && hugeBefore is { } before
                ? after - before >= 3L * sliceBytes * threads / 2
                : hugePagesAsked;
            var sink = new double[threads];
            var kernel = MemoryKernel.Triad;
            void Work(int t) => sink[t] += MemoryKernels.Run(kernel, path, (double*)buffers[t * 3], (double*)buffers[(t * 3) + 1], (double*)buffers[(t * 3) + 2], elements, 3.0);

            runner.Run(Work); // One untimed pass: the kernel compiled and every page mapped.
            for (var r = 0; r < repetitions; r++)
            {
                foreach (var k in kernels)
                {
                    cancellation.ThrowIfCancellationRequested();
                    kernel = k;
                    times[k].Add(runner.Run(Work));
                }
            }

            GC.KeepAlive(sink);
        }
        finally
        {
            foreach (var p in buffers.Where(p => p != 0))
            {
                NativeMemory.AlignedFree((void*)p);
            }
        }

        BytesPerSecond Rate(MemoryKernel k, TimeSpan time) => new((double)MemoryKernels.CountedBytes(k, elements) * threads / time.TotalSeconds);
        return new DramBandwidth(
            new Bytes(sliceBytes * threads),
            repetitions,
            hugePagesUsed,
            kernels.ToDictionary(k => k, k => Rate(k, times[k].Min())),
            kernels.ToDictionary(k => k, k => Rate(k, times[k].Order().ElementAt(times[k].Count / 2))),
            scaledDownFrom is { } from ? new Bytes(from) : null);
    }

    /// <summary>Whether Linux would back a madvised region with huge pages: THP compiled in and not set to "never".</summary>
    public static bool TransparentHugePagesAllowed()
    {
        const string setting = "/sys/kernel/mm/transparent_hugepage/enabled";
        try
        {
            return OperatingSystem.IsLinux() && File.Exists(setting) && !File.ReadAllText(setting).Contains("[never]", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>This process's anonymous memory on transparent huge pages (Linux /proc/self/smaps_rollup); null where the OS does not say.</summary>
    private static long? AnonymousHugePageBytes()
    {
        const string rollup = "/proc/self/smaps_rollup";
        try
        {
            var line = File.Exists(rollup) ? File.ReadLines(rollup).FirstOrDefault(l => l.StartsWith("AnonHugePages:", StringComparison.Ordinal)) : null;
            return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Memory aligned to a huge page and advised to use them where asked (the kernel's default "madvise" mode needs the advice).</summary>
    private static void* Allocate(long bytes, bool hugePages)
    {
        void* p;
        try
        {
            p = NativeMemory.AlignedAlloc((nuint)bytes, hugePages ? (nuint)HugePageBytes : 64);
        }
        catch (OutOfMemoryException)
        {
            throw new MeasurementException($"Cannot allocate {bytes / (1024 * 1024)} MiB for the DRAM measurement; free memory or pass a smaller --dram-mib.");
        }

        if (hugePages)
        {
            try
            {
                _ = Madvise((nint)p, (nuint)bytes, MadviseHugePage); // Advice only: where refused, the run uses small pages.
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                // Not glibc/musl: small pages.
            }
        }

        return p;
    }

    [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static extern int Madvise(nint address, nuint length, int advice);
}
