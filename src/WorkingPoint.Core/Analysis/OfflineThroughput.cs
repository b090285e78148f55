using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Graphs;

namespace WorkingPoint.Core.Analysis;

/// <summary>One unit's part of an offline run: the precision it computes at and the frames per second it delivers at the batch.</summary>
public sealed record OfflineUnitRate(string UnitId, ComputeUnitKind Kind, Precision ExecutedPrecision, double FramesPerSecond, double DramBytesPerFrame);

/// <summary>
/// Throughput when every input is available at once (MLPerf Offline): the units the runtime drives together, each at its
/// batched rate, summed, and scaled down where together they would ask the shared DRAM for more than it gives.
/// </summary>
/// <param name="DramScale">1 when the units' DRAM traffic fits the shared bandwidth; below 1, the factor every unit slows by.</param>
public sealed record OfflinePrediction(IReadOnlyList<OfflineUnitRate> Units, int Batch, double DramScale)
{
    /// <summary>
    /// The units' rates summed and held to the shared DRAM; never below the runtime's own unit alone (where a helper unit
    /// would cost the DRAM more frames than it adds, a scheduler leaves it idle).
    /// </summary>
    public double FramesPerSecond => Math.Max(Units[0].FramesPerSecond, Units.Sum(u => u.FramesPerSecond) * DramScale);

    /// <summary>"gpu + dla": the units that contribute.</summary>
    public string UnitList => string.Join(" + ", Units.Select(u => u.UnitId));
}

public static class OfflineThroughput
{
    /// <summary>
    /// The offline rate of <paramref name="graph"/> at <paramref name="batch"/>: on <paramref name="primary"/>'s unit, plus each
    /// other unit its runtime lists in <c>offlineUnits</c> that the platform has and that has a peak at the precision the
    /// runtime executes there (a DLA without a sourced fp16 rate does not count for fp16). Each unit is predicted on its own
    /// ceilings at the primary's achievable fractions, with the per-inference cost paid once per batch; the units share the
    /// platform's DRAM, so their summed traffic is held to the DRAM ceiling.
    /// </summary>
    public static OfflinePrediction Predict(Graph graph, Ceilings primary, WeightFormat weights, int batch)
    {
        var rates = new List<OfflineUnitRate> { Rate(primary) };
        if (primary.Runtime is { } runtime)
        {
            foreach (var kind in runtime.OfflineUnits)
            {
                if (kind == primary.Unit.Kind || primary.Platform.UnitOfKind(kind) is not { } unit)
                {
                    continue;
                }

                var ceilings = new Ceilings(primary.Platform, unit, runtime, primary.Fractions);
                var executes = runtime.ComputePrecision(weights.ComputePrecision);
                if (unit.Compute.HasAnyPeak && unit.Compute.ExecutedPrecision(executes) == executes)
                {
                    rates.Add(Rate(ceilings));
                }
            }
        }

        var demand = rates.Sum(r => r.FramesPerSecond * r.DramBytesPerFrame);
        var scale = primary.HasDram && rates.Count > 1 && demand > primary.DramBytesPerSecond ? primary.DramBytesPerSecond / demand : 1;
        return new OfflinePrediction(rates, batch, scale);

        OfflineUnitRate Rate(Ceilings c)
        {
            var p = GraphPredictor.Predict(graph, c, weights, batch);
            return new OfflineUnitRate(c.Unit.Id, c.Unit.Kind, p.ExecutedPrecision, p.FramesPerSecond, p.DramBytesPerInference.Value);
        }
    }
}
