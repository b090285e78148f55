using WorkingPoint.Core.Hardware;

namespace WorkingPoint.Core.Analysis;

/// <summary>A horizontal compute ceiling (ops/s) at one precision.</summary>
public sealed record ComputeCeiling(string Label, double OpsPerSecond);

/// <summary>A sloped bandwidth ceiling (bytes/s) of one memory level or link.</summary>
public sealed record BandwidthCeiling(string Label, double BytesPerSecond);

/// <summary>A workload (or layer) placed on the roofline: ops per off-chip byte against achieved ops/s.</summary>
/// <param name="Precision">The precision its arithmetic is requested at, so the plot can draw that precision's achievable ceiling.</param>
public sealed record RooflinePoint(string Label, double OpsPerByte, double AchievedOpsPerSecond, string Binding, Precision? Precision = null);

/// <summary>Everything a roofline plot shows for one platform: peak and achievable ceilings, and the workloads on them.</summary>
public sealed record RooflineChart(string Title, IReadOnlyList<ComputeCeiling> ComputeCeilings, IReadOnlyList<BandwidthCeiling> BandwidthCeilings, IReadOnlyList<RooflinePoint> Points)
{
    /// <summary>
    /// The ceilings of a platform: every compute precision it has, the achievable ceiling of each precision that
    /// <paramref name="running"/> executes at (of the best precision when none is given), and the bandwidth of each memory level
    /// and link. Labels name the ceiling only; the plot adds the figure.
    /// </summary>
    public static (IReadOnlyList<ComputeCeiling> Compute, IReadOnlyList<BandwidthCeiling> Bandwidth) CeilingsOf(Ceilings c, IEnumerable<Precision?>? running = null)
    {
        var peaks = c.Unit.Compute.Peaks;
        var executed = (running ?? []).OfType<Precision>().Select(c.ExecutedPrecision).Distinct().ToList();
        if (executed.Count == 0 && peaks.Count > 0)
        {
            executed.Add(peaks.MaxBy(p => p.Dense.Value)!.Precision);
        }

        var compute = peaks
            .Select(p => new ComputeCeiling($"{p.Precision.ToId()} peak{(p.QuotedAs == Sparsity.Structured2To4 ? " (dense)" : string.Empty)}", p.Dense.Value))
            .Concat(executed.Order().Select(p => new ComputeCeiling($"{p.ToId()} achievable ({c.Fractions.Compute:P0})", c.ComputeOpsPerSecond(p))))
            .Where(x => x.OpsPerSecond > 0)
            .ToList();
        var bandwidth = new List<BandwidthCeiling>();
        if (c.Platform.Dram?.PeakBandwidth is { } dram)
        {
            bandwidth.Add(new BandwidthCeiling("DRAM peak", dram.Value));
            bandwidth.Add(new BandwidthCeiling($"DRAM achievable ({c.Fractions.Dram:P0})", c.DramBytesPerSecond));
        }

        if (c.Platform.OnChipOf(c.Unit).Bandwidth is { } chip)
        {
            bandwidth.Add(new BandwidthCeiling("on-chip", chip.Value));
        }

        if (c.Unit.HostLink is { } link)
        {
            bandwidth.Add(new BandwidthCeiling($"{link}", link.PeakBandwidth.Value));
        }

        return (compute, bandwidth);
    }
}
