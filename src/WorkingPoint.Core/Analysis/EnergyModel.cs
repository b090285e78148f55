using WorkingPoint.Core.Hardware;

namespace WorkingPoint.Core.Analysis;

/// <summary>
/// Energy coefficients. A platform's own figures win; otherwise energy per op is derived from its power envelope and DRAM
/// energy from the memory standard, and the prediction lists that as an assumption.
/// </summary>
public static class EnergyModel
{
    /// <summary>Horowitz, ISSCC 2014 (45 nm): 64-bit read from a 1 MB SRAM ≈ 100 pJ → 12.5 pJ/byte.</summary>
    public const double DefaultOnChipPicojoulesPerByte = 100.0 / 8;

    /// <summary>Energy per DRAM bit by standard, with the source each comes from.</summary>
    public static IReadOnlyDictionary<DramKind, (double PicojoulesPerBit, string Source)> DramEnergyByKind { get; } =
        new Dictionary<DramKind, (double, string)>
        {
            [DramKind.Lpddr4] = (13.5, "LPDDR4 system simulation ≈13–14 pJ/bit (DramDSE thesis, via Dongyunkam/DRAM_info)"),
            [DramKind.Lpddr4x] = (13.5, "no LPDDR4X figure found; LPDDR4's 13.5 pJ/bit used as an upper bound"),
            [DramKind.Lpddr5] = (13.5, "no LPDDR5 figure found; LPDDR4's 13.5 pJ/bit used as an upper bound"),
            [DramKind.Lpddr5x] = (13.5, "no LPDDR5X figure found; LPDDR4's 13.5 pJ/bit used as an upper bound"),
            [DramKind.Ddr4] = (20, "Horowitz ISSCC 2014: DRAM 64-bit read 1.3–2.6 nJ → 20–40 pJ/bit, lower end"),
            [DramKind.Ddr5] = (20, "Horowitz ISSCC 2014 lower end (no DDR5 figure found)"),
            [DramKind.Gddr6] = (7.5, "Micron ultra-bandwidth solutions: GDDR6 7.5 pJ/bit"),
            [DramKind.Hbm2e] = (6.0, "Micron ultra-bandwidth solutions: HBM2E 6.0 pJ/bit"),
            [DramKind.Hbm3] = (6.0, "no HBM3 figure found; HBM2E's 6.0 pJ/bit used"),
            [DramKind.Unknown] = (20, "Horowitz ISSCC 2014 lower end for an unknown DRAM"),
        };

    public static double DramPicojoulesPerByte(Platform platform) =>
        platform.Power.DramEnergy?.Value
        ?? (platform.Dram is { } dram ? DramEnergyByKind[dram.Kind].PicojoulesPerBit * 8 : 0);

    /// <summary>
    /// The platform's figure for this precision, else its dynamic power range spread over its peak rate
    /// ((max − idle) / dense peak): an upper bound, since that power also feeds memory traffic. Zero when no power is known.
    /// </summary>
    public static double PicojoulesPerOp(Platform platform, Precision precision) => PicojoulesPerOp(platform, platform.PrimaryUnit, precision);

    /// <summary>As <see cref="PicojoulesPerOp(Platform, Precision)"/>, for the unit that runs the work.</summary>
    public static double PicojoulesPerOp(Platform platform, ComputeUnit unit, Precision precision)
    {
        var executed = unit.Compute.ExecutedPrecision(precision);
        if (platform.Power.EnergyPerOp.TryGetValue(executed, out var figure))
        {
            return figure.Value;
        }

        var peak = unit.Compute.DensePeak(precision).Value;
        if (platform.Power.Max is not { } max || peak <= 0)
        {
            return 0;
        }

        var dynamic = max.Value - (platform.Power.Idle?.Value ?? 0);
        return dynamic > 0 ? dynamic / peak * 1e12 : 0;
    }

    /// <summary>Whether energy per op for this precision comes from the platform's own figure.</summary>
    public static bool HasOwnOpEnergy(Platform platform, Precision precision) =>
        platform.Power.EnergyPerOp.ContainsKey(platform.Compute.ExecutedPrecision(precision));

    /// <summary>As <see cref="HasOwnOpEnergy(Platform, Precision)"/>, for the unit that runs the work.</summary>
    public static bool HasOwnOpEnergy(Platform platform, ComputeUnit unit, Precision precision) =>
        platform.Power.EnergyPerOp.ContainsKey(unit.Compute.ExecutedPrecision(precision));
}
