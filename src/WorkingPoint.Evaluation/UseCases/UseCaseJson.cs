using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Catalog.UseCases;

namespace WorkingPoint.Evaluation.UseCases;

/// <summary>The evaluation as plain data, for <c>wpt evaluate --json</c> and the JSON report (fields in docs/json.md).</summary>
public static class UseCaseJson
{
    public static object Of(UseCaseReport report) => new
    {
        useCase = report.UseCase.Name,
        file = report.UseCase.Source,
        reference = report.UseCase.ReferencePlatform,
        workloads = report.UseCase.Workloads.Select(w => new
        {
            w.Id,
            model = w.Model.Id,
            category = w.Category.ToString().ToLowerInvariant(),
            arrival = w.Arrival.ToString().ToLowerInvariant(),
            unitsPerSecond = w.UnitsPerSecond,
            inputs = w.Inputs.Select(i => new { size = i.ToString(), i.Share }),
            w.Targets,
            w.Weight,
        }),
        constraints = report.UseCase.Constraints,
        priorities = report.UseCase.Priorities.Normalized(),
        platforms = report.Platforms.Select(Platform),
        feasible = report.Feasible.Select(e => e.Platform.Id),
        paretoFront = report.ParetoFront.Select(e => e.Platform.Id),
        ranking = report.Ranking.Select(r => new { r.Rank, platform = r.Evaluation.Platform.Id, r.Score, r.PerformanceAxis, r.PowerAxis, r.CostAxis }),
        sensitivity = report.Sensitivity.Select(s => new { platform = s.PlatformId, s.Change, s.Effect, s.Factor }),
        report.Assumptions,
    };

    private static object Platform(PlatformEvaluation e) => new
    {
        id = e.Platform.Id,
        name = e.Platform.Name,
        verdict = e.Verdict.ToString().ToLowerInvariant(),
        reason = e.Reason,
        violations = e.Violations,
        binding = e.Predicted ? UseCaseEvaluator.Name(e.Binding) : null,
        utilization = e.Utilization.ToDictionary(kv => kv.Key.ToString().ToLowerInvariant(), kv => kv.Value),
        headroom = double.IsFinite(e.Headroom) ? e.Headroom : (double?)null,
        averagePowerW = e.AveragePowerW,
        averagePowerAtLeastW = e.AveragePowerAtLeastW,
        powerUnknownBecause = e.PowerUnknownBecause,
        peakPowerW = e.PeakPowerW,
        energyPerDayWh = e.EnergyPerDayWh,
        batteryDays = e.BatteryDays,
        memoryRequiredBytes = e.MemoryRequiredBytes,
        memoryAvailableBytes = e.MemoryAvailableBytes,
        costUsd = e.CostUsd,
        score = e.Score is { } s ? new
        {
            workingPoint = s.WorkingPoint,
            peak = s.Peak,
            categories = s.Categories.ToDictionary(kv => kv.Key.ToString().ToLowerInvariant(), kv => kv.Value),
            peakCategories = s.PeakCategories.ToDictionary(kv => kv.Key.ToString().ToLowerInvariant(), kv => kv.Value),
        } : null,
        workloads = e.Workloads.Select(o => new
        {
            o.Id,
            model = o.ModelId,
            o.Weights,
            latencyAloneMs = o.LatencyAloneMs,
            latencyMs = o.LatencyMs,
            targetLatencyMs = o.TargetLatencyMs,
            rateAlone = o.RateAlone,
            rate = o.Rate,
            targetRate = o.TargetRate,
            o.RateUnit,
            shareOfBinding = o.Share,
            ownBinding = UseCaseEvaluator.Name(o.OwnBinding),
            o.MemoryBytes,
            averageDynamicW = o.AverageDynamicWatts,
            o.TargetsMet,
            o.Misses,
            o.Marginal,
            rateUncertainty = Band(o.RateUncertainty),
            latencyUncertainty = Band(o.LatencyUncertainty),
        }),
    };

    private static object Band(Uncertainty u) => new { quantity = u.Quantity.ToId(), plusMinusPercent = u.Band?.PlusMinusPercent, rows = u.Band?.Rows, text = u.Text };
}
