using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Units;

namespace WorkingPoint.Core.Analysis;

/// <summary>A resource an operation can be bound by.</summary>
public enum Resource
{
    Compute,
    Dram,
    OnChip,
    HostLink,
}

/// <summary>What limits a workload as a whole.</summary>
public enum Bottleneck
{
    Compute,
    DramBandwidth,
    OnChipBandwidth,

    /// <summary>Weights or activations do not fit on chip, so they spill to DRAM or the host link.</summary>
    OnChipCapacity,
    HostLink,

    /// <summary>The model does not fit in memory at all.</summary>
    MemoryCapacity,

    /// <summary>The part would draw more than it can sustain and is throttled.</summary>
    PowerCap,

    /// <summary>The runtime's fixed costs (kernel launches, synchronisation, per-inference handling) outweigh every resource.</summary>
    RuntimeOverhead,
}

public static class BottleneckExtensions
{
    public static string ToId(this Bottleneck b) => b switch
    {
        Bottleneck.Compute => "compute",
        Bottleneck.DramBandwidth => "dram-bandwidth",
        Bottleneck.OnChipBandwidth => "on-chip-bandwidth",
        Bottleneck.OnChipCapacity => "on-chip-capacity",
        Bottleneck.HostLink => "host-link",
        Bottleneck.MemoryCapacity => "memory-capacity",
        Bottleneck.PowerCap => "power-cap",
        Bottleneck.RuntimeOverhead => "runtime-overhead",
        _ => b.ToString(),
    };

    public static string ToId(this Resource r) => r switch
    {
        Resource.Compute => "compute",
        Resource.Dram => "dram",
        Resource.OnChip => "on-chip",
        Resource.HostLink => "host-link",
        _ => r.ToString(),
    };
}

/// <summary>Thrown when a platform lacks a figure a prediction needs; the message names the figure and the fix.</summary>
public sealed class MissingFigureException(string message) : WorkingPointException(message);

/// <summary>
/// The effective ceilings of the unit a workload runs on (peak × achievable fraction), the platform's shared memory, the
/// runtime's fixed costs and the energy coefficients, resolved once so that the inner loop of a sweep is a handful of
/// multiplications.
/// </summary>
public sealed class Ceilings
{
    private readonly double[] _computeOpsPerSecond = new double[PrecisionExtensions.Count];
    private readonly double[] _picojoulesPerOp = new double[PrecisionExtensions.Count];
    private readonly Precision[] _executed = new Precision[PrecisionExtensions.Count];

    /// <summary>The platform's primary unit with its own achievable fractions, or <paramref name="fractions"/>: no runtime.</summary>
    public Ceilings(Platform platform, AchievableFractions? fractions = null)
        : this(platform, platform.PrimaryUnit, null, fractions ?? platform.Achievable)
    {
    }

    /// <summary>A unit of the platform as <paramref name="runtime"/> uses it (null: as the hardware has it), at <paramref name="fractions"/>.</summary>
    public Ceilings(Platform platform, ComputeUnit unit, Runtime? runtime, AchievableFractions fractions)
    {
        Platform = platform;
        Unit = unit;
        Runtime = runtime;
        Fractions = fractions;
        for (var i = 0; i < PrecisionExtensions.Count; i++)
        {
            var requested = runtime?.ComputePrecision((Precision)i) ?? (Precision)i;
            _executed[i] = unit.Compute.ExecutedPrecision(requested);
            _computeOpsPerSecond[i] = unit.Compute.DensePeak(requested).Value * Fractions.Compute;
            _picojoulesPerOp[i] = EnergyModel.PicojoulesPerOp(platform, unit, requested);
        }

        var onChip = platform.OnChipOf(unit);
        DramBytesPerSecond = (platform.Dram?.PeakBandwidth?.Value ?? 0) * Fractions.Dram;
        OnChipBytesPerSecond = (onChip.Bandwidth?.Value ?? 0) * Fractions.OnChip;
        HostLinkBytesPerSecond = (unit.HostLink?.PeakBandwidth.Value ?? 0) * Fractions.HostLink;
        OnChipCapacityBytes = onChip.Capacity?.Value ?? 0;
        OnChipCapacityKnown = onChip.Capacity is not null;
        UsableDramBytes = (platform.Dram?.Capacity?.Value ?? 0) * Fractions.UsableMemory;
        DramPicojoulesPerByte = EnergyModel.DramPicojoulesPerByte(platform);
        OnChipPicojoulesPerByte = platform.Power.OnChipEnergy?.Value ?? EnergyModel.DefaultOnChipPicojoulesPerByte;
        HostLinkPicojoulesPerByte = platform.Power.HostLinkEnergy?.Value ?? 0;
        IdleWatts = platform.Power.Idle?.Value ?? 0;
        SustainableWatts = platform.Power.SustainablePower?.Value;
        MaxWatts = platform.Power.Max?.Value;
        EnergyKnown = _picojoulesPerOp.Any(e => e > 0);
        // A harness that launches the kernels as one CUDA graph pays no per-kernel launch; one called from Python pays its
        // own per-inference cost on top of the runtime's (docs/model.md, Harnesses).
        LayerOverheadSeconds = runtime?.Harness?.CudaGraphs == true ? 0 : runtime?.Profile.LayerOverhead.Value ?? 0;
        InferenceOverheadSeconds = (runtime?.Profile.InferenceOverhead.Value ?? 0)
            + (runtime?.Harness?.PaysHarnessOverhead == true ? runtime.Profile.HarnessOverhead.Value : 0);
        ChannelAlignment = runtime?.Profile.ChannelAlignment ?? 1;
        FusesLayers = runtime?.FusesLayers ?? false;
        PartialWeightCaching = runtime?.PartialWeightCaching ?? false;
        MultiContext = runtime?.MultiContext ?? false;
        WinogradSpeedup = runtime?.Profile.WinogradSpeedup ?? 1;
    }

    /// <summary>
    /// The ceilings for <paramref name="kind"/> work run by <paramref name="runtime"/> on <paramref name="platform"/>: the unit the
    /// runtime uses (refused with the reason when the platform has none) at the runtime's shares for the weight format, unless
    /// <paramref name="fractions"/> overrides them.
    /// </summary>
    public static Ceilings For(Platform platform, Runtime runtime, WorkloadKind kind, string? weightFormatId = null, AchievableFractions? fractions = null) =>
        new(platform, runtime.UnitOn(platform, kind), runtime, fractions ?? runtime.Profile.FractionsFor(kind, weightFormatId, platform.Achievable));

    public Platform Platform { get; }

    /// <summary>The compute unit the work runs on.</summary>
    public ComputeUnit Unit { get; }

    /// <summary>The runtime assumed; null when the hardware is taken as it is (no runtime profile).</summary>
    public Runtime? Runtime { get; }

    public AchievableFractions Fractions { get; }

    /// <summary>Fixed cost per layer (a kernel launch and synchronisation) the runtime pays on top of the roofline time.</summary>
    public double LayerOverheadSeconds { get; }

    /// <summary>Fixed cost per inference or request (submission, input and output handling) the runtime pays.</summary>
    public double InferenceOverheadSeconds { get; }

    /// <summary>Channels a dense matrix layer is padded to a multiple of on the runtime's matrix engine (1: none).</summary>
    public double ChannelAlignment { get; }

    /// <summary>How much faster the runtime runs a dense 3×3 stride-1 convolution (Winograd kernels); 1: no faster.</summary>
    public double WinogradSpeedup { get; }

    /// <summary>Whether the runtime caches the weights that fit on chip and streams only the rest (not all of them) when they do not fit.</summary>
    public bool PartialWeightCaching { get; }

    /// <summary>Whether weights that do not fit are loaded context by context, in series with the compute (HailoRT).</summary>
    public bool MultiContext { get; }

    /// <summary>Whether the runtime fuses element-wise layers into the kernel before them and elides concatenations.</summary>
    public bool FusesLayers { get; }

    public double DramBytesPerSecond { get; }

    public double OnChipBytesPerSecond { get; }

    public double HostLinkBytesPerSecond { get; }

    public double OnChipCapacityBytes { get; }

    /// <summary>Whether the unit's on-chip capacity is a known figure (false: unpublished, and <see cref="OnChipCapacityBytes"/> is 0).</summary>
    public bool OnChipCapacityKnown { get; }

    public double UsableDramBytes { get; }

    public double DramPicojoulesPerByte { get; }

    public double OnChipPicojoulesPerByte { get; }

    public double HostLinkPicojoulesPerByte { get; }

    public double IdleWatts { get; }

    public double? SustainableWatts { get; }

    public double? MaxWatts { get; }

    /// <summary>False when no power figure exists to derive energy from; energies are then reported as unknown.</summary>
    public bool EnergyKnown { get; }

    public bool HasDram => DramBytesPerSecond > 0;

    /// <summary>Effective compute rate for a requested precision (executed at the nearest precision the part has).</summary>
    public double ComputeOpsPerSecond(Precision precision) => _computeOpsPerSecond[(int)precision];

    /// <summary>The precision a request for <paramref name="precision"/> really computes at: the runtime's choice, then the unit's nearest.</summary>
    public Precision ExecutedPrecision(Precision precision) => _executed[(int)precision];

    public double PicojoulesPerOp(Precision precision) => _picojoulesPerOp[(int)precision];

    /// <summary>Throws a clear error when the part has no compute figure or its DRAM bandwidth is unknown.</summary>
    public Ceilings RequireComputeAndMemory()
    {
        if (!Unit.Compute.HasAnyPeak)
        {
            throw new MissingFigureException(Platform.Id == "host"
                ? "This machine ('host') has not been measured yet; run 'wpt measure roofline' first."
                : Platform.Units.Count > 1
                    ? $"Platform '{Platform.Id}' has no peak compute figure for its {Unit.Id} unit{(Runtime is null ? string.Empty : $" (which {Runtime.Id} runs on)")}; add one under units.{Unit.Id}.compute in its YAML, or choose a runtime for another unit with --runtime."
                    : $"Platform '{Platform.Id}' has no peak compute figure; add one under compute: in its YAML.");
        }

        if (Platform.Dram is not null && DramBytesPerSecond <= 0)
        {
            throw new MissingFigureException(
                $"Platform '{Platform.Id}' has DRAM but no known bandwidth (data rate or bus width unsourced); set memory.dram.busWidthBits (or an 'assumed' value with a note) in its YAML.");
        }

        return this;
    }
}
