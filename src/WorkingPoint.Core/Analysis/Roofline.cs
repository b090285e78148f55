using WorkingPoint.Core.Hardware;

namespace WorkingPoint.Core.Analysis;

/// <summary>A horizontal compute ceiling (ops/s) at one precision.</summary>
public sealed record ComputeCeiling(string Label, double OpsPerSecond);

/// <summary>A sloped bandwidth ceiling (bytes/s) of one memory level or link.</summary>
public sealed record BandwidthCeiling(string Label, double BytesPerSecond);

/// <summary>A workload (or layer) placed on the roofline: ops per off-chip byte against achieved ops/s.</summary>
public sealed record RooflinePoint(string Label, double OpsPerByte, double AchievedOpsPerSecond, string Binding);

/// <summary>Everything a roofline plot shows for one platform: peak and achievable ceilings, and the workloads on them.</summary>
public sealed record RooflineChart(string Title, IReadOnlyList<ComputeCeiling> ComputeCeilings, IReadOnlyList<BandwidthCeiling> BandwidthCeilings, IReadOnlyList<RooflinePoint> Points)
{
    /// <summary>The ceilings of a platform: every compute precision it has, and the bandwidth of each memory level and link.</summary>
    public static (IReadOnlyList<ComputeCeiling> Compute, IReadOnlyList<BandwidthCeiling> Bandwidth) CeilingsOf(Ceilings c)
    {
        var compute = c.Platform.Compute.Peaks
            .Select(p => new ComputeCeiling($"{p.Precision.ToId()} peak{(p.QuotedAs == Sparsity.Structured2To4 ? " (dense)" : string.Empty)}", p.Dense.Value))
            .Append(new ComputeCeiling($"achievable ({c.Fractions.Compute:P0} of best)", c.Platform.Compute.Peaks.Count == 0 ? 0 : c.Platform.Compute.Peaks.Max(p => p.Dense.Value) * c.Fractions.Compute))
            .Where(x => x.OpsPerSecond > 0)
            .ToList();
        var bandwidth = new List<BandwidthCeiling>();
        if (c.Platform.Dram?.PeakBandwidth is { } dram)
        {
            bandwidth.Add(new BandwidthCeiling($"DRAM {dram}", dram.Value));
            bandwidth.Add(new BandwidthCeiling($"DRAM achievable ({c.Fractions.Dram:P0})", c.DramBytesPerSecond));
        }

        if (c.Platform.OnChip.Bandwidth is { } chip)
        {
            bandwidth.Add(new BandwidthCeiling($"on-chip {chip}", chip.Value));
        }

        if (c.Platform.HostLink is { } link)
        {
            bandwidth.Add(new BandwidthCeiling($"{link} {link.PeakBandwidth}", link.PeakBandwidth.Value));
        }

        return (compute, bandwidth);
    }
}
