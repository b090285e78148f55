using WorkingPoint.Core.Units;

namespace WorkingPoint.Core.Hardware;

/// <summary>Power and energy figures. Anything unknown is null; the model then says so rather than guess.</summary>
/// <param name="Idle">Power drawn while idle.</param>
/// <param name="Max">Maximum (TDP or the highest power mode).</param>
/// <param name="SustainedCap">The power the part can sustain (its cooling or power mode); null means <paramref name="Max"/>.</param>
/// <param name="PassivelyCooled">Whether the part is meant to run without a fan.</param>
/// <param name="EnergyPerOp">Energy per operation at each precision, where a figure exists.</param>
/// <param name="DramEnergy">Energy per DRAM byte moved.</param>
/// <param name="OnChipEnergy">Energy per on-chip (SRAM) byte moved.</param>
/// <param name="HostLinkEnergy">Energy per byte over the host link.</param>
public sealed record PowerSpec(
    Watts? Idle,
    Watts? Max,
    Watts? SustainedCap,
    bool PassivelyCooled,
    IReadOnlyDictionary<Precision, PicojoulesPerOp> EnergyPerOp,
    PicojoulesPerByte? DramEnergy,
    PicojoulesPerByte? OnChipEnergy,
    PicojoulesPerByte? HostLinkEnergy)
{
    /// <summary>The power the part can hold indefinitely.</summary>
    public Watts? SustainablePower => SustainedCap ?? Max;
}

/// <summary>A price with the date it was observed and what it buys.</summary>
public sealed record Price(UsDollars Amount, string Date, string What);

/// <summary>
/// The fraction of each peak that real kernels reach. These are parameters (defaults in <see cref="Defaults"/>, overridable per
/// platform and per run, calibrated later from measurements), never constants inside the model.
/// </summary>
public sealed record AchievableFractions(double Compute, double Dram, double OnChip, double HostLink, double UsableMemory)
{
    /// <summary>
    /// Defaults fitted to published measurements: LLM decode on Jetson (MLC), Apple (llama.cpp) and RK3588 (RKLLM) reaches
    /// 75–85 % of peak DRAM bandwidth; detector inference on dataflow parts about half the peak int8 rate.
    /// See docs/model.md for the calibration table.
    /// </summary>
    public static readonly AchievableFractions Defaults = new(Compute: 0.5, Dram: 0.75, OnChip: 0.8, HostLink: 0.8, UsableMemory: 0.85);

    public AchievableFractions Validate(string owner)
    {
        Check(Compute, nameof(Compute));
        Check(Dram, nameof(Dram));
        Check(OnChip, nameof(OnChip));
        Check(HostLink, nameof(HostLink));
        Check(UsableMemory, nameof(UsableMemory));
        return this;

        void Check(double value, string name)
        {
            if (!(value > 0 && value <= 1))
            {
                throw new InvalidInputException($"{owner}: achievable fraction '{name}' must be in (0, 1], got {value}.");
            }
        }
    }
}
