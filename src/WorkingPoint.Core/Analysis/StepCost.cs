using WorkingPoint.Core.Hardware;

namespace WorkingPoint.Core.Analysis;

/// <summary>Where weights are read from during a run.</summary>
public enum WeightResidence
{
    OnChip,
    Dram,

    /// <summary>No DRAM and too big for the chip: streamed from host memory over the link every pass.</summary>
    HostLink,
}

/// <summary>
/// The roofline cost of one step: the time each resource needs, the runtime's fixed cost that overlaps with none of them
/// (kernel launches, synchronisation), and the time the step takes: the largest resource time (resources overlap) plus the
/// fixed cost. A value type so that sweeps allocate nothing.
/// </summary>
public readonly record struct StepCost(double ComputeSeconds, double DramSeconds, double OnChipSeconds, double HostLinkSeconds, double Ops, double DramBytes, double OnChipBytes, double HostLinkBytes, double FixedSeconds = 0)
{
    /// <summary>The longest resource time, without the fixed cost.</summary>
    public double RooflineSeconds => Math.Max(Math.Max(ComputeSeconds, DramSeconds), Math.Max(OnChipSeconds, HostLinkSeconds));

    public double Seconds => RooflineSeconds + FixedSeconds;

    /// <summary>Whether the runtime's fixed cost takes longer than any resource: the step is bound by overhead, not hardware.</summary>
    public bool OverheadBound => FixedSeconds > RooflineSeconds;

    public Resource Binding =>
        RooflineSeconds == ComputeSeconds ? Resource.Compute
        : RooflineSeconds == DramSeconds ? Resource.Dram
        : RooflineSeconds == HostLinkSeconds ? Resource.HostLink
        : Resource.OnChip;

    /// <summary>Energy of the step's operations and data movement, without idle power; null where the part's power is unknown.</summary>
    public double DynamicJoules(Ceilings c, Precision precision) =>
        ((Ops * c.PicojoulesPerOp(precision)) + (DramBytes * c.DramPicojoulesPerByte) + (OnChipBytes * c.OnChipPicojoulesPerByte) + (HostLinkBytes * c.HostLinkPicojoulesPerByte)) * 1e-12;

    /// <param name="computeFactor">Arithmetic the engine really performs per counted op (≥ 1: channels padded to its tile); the time, not the ops counted, scales.</param>
    public static StepCost Of(Ceilings c, Precision precision, double ops, double dramBytes, double onChipBytes, double hostLinkBytes, double fixedSeconds = 0, double computeFactor = 1)
    {
        var compute = c.ComputeOpsPerSecond(precision);
        return new StepCost(
            compute > 0 ? ops * computeFactor / compute : double.PositiveInfinity,
            dramBytes > 0 ? dramBytes / c.DramBytesPerSecond : 0,
            onChipBytes > 0 && c.OnChipBytesPerSecond > 0 ? onChipBytes / c.OnChipBytesPerSecond : 0,
            hostLinkBytes > 0 ? hostLinkBytes / c.HostLinkBytesPerSecond : 0,
            ops,
            dramBytes,
            onChipBytes,
            hostLinkBytes,
            fixedSeconds);
    }

    public static StepCost operator +(StepCost a, StepCost b) => new(
        a.ComputeSeconds + b.ComputeSeconds,
        a.DramSeconds + b.DramSeconds,
        a.OnChipSeconds + b.OnChipSeconds,
        a.HostLinkSeconds + b.HostLinkSeconds,
        a.Ops + b.Ops,
        a.DramBytes + b.DramBytes,
        a.OnChipBytes + b.OnChipBytes,
        a.HostLinkBytes + b.HostLinkBytes,
        a.FixedSeconds + b.FixedSeconds);
}

/// <summary>Power use of a run at its steady rate, and the slow-down if that exceeds what the part can sustain.</summary>
public readonly record struct PowerOutcome(double? AverageWatts, double? JoulesPerPass, bool Throttled, double SlowdownFactor)
{
    /// <summary>
    /// Average power while passes of <paramref name="dynamicJoules"/> run back to back every <paramref name="periodSeconds"/>;
    /// above the cap the period stretches until dynamic power fits under it. A steady state is held to the sustainable power
    /// (the cooling or power-mode cap); a short burst such as a prefill only to the maximum.
    /// </summary>
    public static PowerOutcome For(Ceilings c, double dynamicJoules, double periodSeconds, bool burst = false)
    {
        if (!c.EnergyKnown)
        {
            return new PowerOutcome(null, null, false, 1);
        }

        var watts = c.IdleWatts + (dynamicJoules / periodSeconds);
        var limit = burst ? c.MaxWatts : c.SustainableWatts;
        if (limit is { } cap && watts > cap && cap > c.IdleWatts)
        {
            var period = dynamicJoules / (cap - c.IdleWatts);
            return new PowerOutcome(cap, dynamicJoules + (c.IdleWatts * period), true, period / periodSeconds);
        }

        return new PowerOutcome(watts, dynamicJoules + (c.IdleWatts * periodSeconds), false, 1);
    }
}
