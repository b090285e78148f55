using WorkingPoint.Core.Hardware;
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
/// The effective ceilings of a platform (peak × achievable fraction) and its energy coefficients, resolved once so that the
/// inner loop of a sweep is a handful of multiplications.
/// </summary>
public sealed class Ceilings
{
    private readonly double[] _computeOpsPerSecond = new double[PrecisionExtensions.Count];
    private readonly double[] _picojoulesPerOp = new double[PrecisionExtensions.Count];

    public Ceilings(Platform platform, AchievableFractions? fractions = null)
    {
        Platform = platform;
        Fractions = fractions ?? platform.Achievable;
        for (var i = 0; i < PrecisionExtensions.Count; i++)
        {
            var precision = (Precision)i;
            var peak = platform.Compute.DensePeak(precision).Value;
            _computeOpsPerSecond[i] = peak * Fractions.Compute;
            _picojoulesPerOp[i] = EnergyModel.PicojoulesPerOp(platform, precision);
        }

        DramBytesPerSecond = (platform.Dram?.PeakBandwidth?.Value ?? 0) * Fractions.Dram;
        OnChipBytesPerSecond = (platform.OnChip.Bandwidth?.Value ?? 0) * Fractions.OnChip;
        HostLinkBytesPerSecond = (platform.HostLink?.PeakBandwidth.Value ?? 0) * Fractions.HostLink;
        OnChipCapacityBytes = platform.OnChip.Capacity?.Value ?? 0;
        UsableDramBytes = (platform.Dram?.Capacity?.Value ?? 0) * Fractions.UsableMemory;
        DramPicojoulesPerByte = EnergyModel.DramPicojoulesPerByte(platform);
        OnChipPicojoulesPerByte = platform.Power.OnChipEnergy?.Value ?? EnergyModel.DefaultOnChipPicojoulesPerByte;
        HostLinkPicojoulesPerByte = platform.Power.HostLinkEnergy?.Value ?? 0;
        IdleWatts = platform.Power.Idle?.Value ?? 0;
        SustainableWatts = platform.Power.SustainablePower?.Value;
        MaxWatts = platform.Power.Max?.Value;
        EnergyKnown = _picojoulesPerOp.Any(e => e > 0);
    }

    public Platform Platform { get; }

    public AchievableFractions Fractions { get; }

    public double DramBytesPerSecond { get; }

    public double OnChipBytesPerSecond { get; }

    public double HostLinkBytesPerSecond { get; }

    public double OnChipCapacityBytes { get; }

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

    public double PicojoulesPerOp(Precision precision) => _picojoulesPerOp[(int)precision];

    /// <summary>Throws a clear error when the part has no compute figure or its DRAM bandwidth is unknown.</summary>
    public Ceilings RequireComputeAndMemory()
    {
        if (!Platform.Compute.HasAnyPeak)
        {
            throw new MissingFigureException(Platform.Id == "host"
                ? "This machine ('host') has not been measured yet; run 'wpt measure roofline' first."
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
