using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Catalog;
using WorkingPoint.Catalog.UseCases;

namespace WorkingPoint.Evaluation.UseCases;

/// <summary>
/// Whether a platform meets the use case: yes; no; marginal (a target lies within a prediction's error band, so the prediction
/// alone cannot say); or cannot be told because a figure it needs is unpublished.
/// </summary>
public enum Verdict
{
    Meets,
    Marginal,
    Fails,
    Unknown,
}

/// <summary>One workload on one platform with everything else running: what it achieves against its targets.</summary>
/// <param name="LatencyMs">Frames: the worst size's latency together with the others; requests: time to first token together.</param>
/// <param name="Rate">Frames: frames per second achieved; requests: decode tokens per second together with the others.</param>
/// <param name="Share">The share of the binding resource this workload takes.</param>
/// <param name="Roofline">Where one unit (a frame; a decode step) sits on the platform's roofline, alone.</param>
public sealed record WorkloadOutcome(
    string Id,
    string ModelId,
    WorkloadCategory Category,
    ArrivalKind Arrival,
    string Weights,
    double LatencyAloneMs,
    double LatencyMs,
    double? TargetLatencyMs,
    double RateAlone,
    double Rate,
    double? TargetRate,
    string RateUnit,
    double Share,
    Resource OwnBinding,
    double MemoryBytes,
    double? AverageDynamicWatts,
    IReadOnlyList<string> Misses,
    RooflinePoint? Roofline = null)
{
    public bool TargetsMet => Misses.Count == 0;

    /// <summary>Targets within the prediction's error band: neither met nor missed for sure.</summary>
    public IReadOnlyList<string> Marginal { get; init; } = [];

    /// <summary>The band on <see cref="LatencyMs"/> (frames: the network's; requests: prefill's).</summary>
    public Uncertainty LatencyUncertainty { get; init; } = Uncertainty.Of(null, PredictedQuantity.Network);

    /// <summary>The band on <see cref="Rate"/> (frames: the network's; requests: decode's).</summary>
    public Uncertainty RateUncertainty { get; init; } = Uncertainty.Of(null, PredictedQuantity.Network);
}

/// <summary>A use case on one platform: the schedule's load on each resource, the workloads' outcomes, power, energy, cost and the verdict.</summary>
/// <param name="AveragePowerW">Null when a figure it rests on is unpublished (<paramref name="PowerUnknownBecause"/> says which); never a guess.</param>
/// <param name="AveragePowerAtLeastW">When the average is unknown only for want of an idle figure: the part above idle, a lower bound.</param>
/// <param name="PowerUnknownBecause">Which figure is missing, e.g. "idle power unpublished"; null when the power figures are known.</param>
public sealed record PlatformEvaluation(
    Platform Platform,
    Verdict Verdict,
    string Reason,
    IReadOnlyList<string> Violations,
    IReadOnlyList<WorkloadOutcome> Workloads,
    IReadOnlyDictionary<Resource, double> Utilization,
    Resource Binding,
    double Headroom,
    double? AveragePowerW,
    double? PeakPowerW,
    double? EnergyPerDayWh,
    double? BatteryDays,
    double MemoryRequiredBytes,
    double? MemoryAvailableBytes,
    double? CostUsd,
    CompositeScore? Score,
    double? AveragePowerAtLeastW = null,
    string? PowerUnknownBecause = null)
{
    public static PlatformEvaluation NotPredicted(Platform platform, string why) =>
        new(platform, Verdict.Unknown, why, [why], [], new Dictionary<Resource, double>(), Resource.Compute, 0, null, null, null, null, 0, null, platform.Price?.Amount.Value, null);

    public bool Predicted => Workloads.Count > 0;
}

/// <summary>The whole answer for a use case: every platform evaluated, the feasible set, the Pareto front, the ranking, sensitivity.</summary>
public sealed record UseCaseReport(
    UseCase UseCase,
    IReadOnlyList<PlatformEvaluation> Platforms,
    IReadOnlyList<PlatformEvaluation> Feasible,
    IReadOnlyList<PlatformEvaluation> ParetoFront,
    IReadOnlyList<RankedPlatform> Ranking,
    IReadOnlyList<SensitivityFinding> Sensitivity,
    IReadOnlyList<string> Assumptions);

/// <summary>A feasible platform's place by the stated priorities, with the normalized axes it was ranked on (1 = best of the set).</summary>
public sealed record RankedPlatform(int Rank, PlatformEvaluation Evaluation, double Score, double PerformanceAxis, double PowerAxis, double CostAxis);

/// <summary>One change that would make an infeasible platform feasible, and by how much.</summary>
public sealed record SensitivityFinding(string PlatformId, string Change, string Effect, double? Factor);
