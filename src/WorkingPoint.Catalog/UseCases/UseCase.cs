using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Catalog.UseCases;

/// <summary>One input size and the share of the frames that arrive at it.</summary>
public sealed record InputShare(int Width, int Height, double Share)
{
    public override string ToString() => $"{Width}x{Height}";
}

/// <summary>What a workload must achieve; null where the use case sets no target.</summary>
/// <param name="Fps">Frames per second that must be processed (defaults to the frame rate asked for).</param>
/// <param name="LatencyMs">Per-frame latency bound while everything else runs.</param>
/// <param name="TokensPerSecond">Decode rate while everything else runs.</param>
/// <param name="TimeToFirstTokenMs">Time to first token (vision encoding and prefill) while everything else runs.</param>
public sealed record WorkloadTargets(double? Fps = null, double? LatencyMs = null, double? TokensPerSecond = null, double? TimeToFirstTokenMs = null);

/// <summary>How a workload arrives: frames at a rate (a camera), or requests at a rate (questions to an assistant).</summary>
public enum ArrivalKind
{
    Frames,
    Requests,
}

/// <summary>
/// One workload of a product: a catalog (or file) model in a weight format, how often it runs, at which input sizes, and its
/// targets. <see cref="Weight"/> is its importance in the composite score and ranking.
/// </summary>
public sealed record UseCaseWorkload(
    string Id,
    CatalogModel Model,
    WeightFormat? Weights,
    ArrivalKind Arrival,
    double FramesPerSecond,
    double Duty,
    IReadOnlyList<InputShare> Inputs,
    double RequestsPerHour,
    LlmScenario Request,
    WorkloadTargets Targets,
    double Weight,
    string? Runtime = null)
{
    /// <summary>Units (frames or requests) per second on average.</summary>
    public double UnitsPerSecond => Arrival == ArrivalKind.Frames ? FramesPerSecond * Duty : RequestsPerHour / 3600;

    public WorkloadCategory Category => Model.Category;

    /// <summary>The model as the use case names it (a catalog id or a file path), so a bench can load the same file; null when built in code.</summary>
    public string? ModelSource { get; init; }
}

/// <summary>The product's limits; null where it sets none.</summary>
/// <param name="SustainedPowerW">Average power the product can dissipate (the cooling) or supply.</param>
/// <param name="Passive">Whether cooling is passive: the budget is what a heatsink sheds without a fan.</param>
public sealed record UseCaseConstraints(double? SustainedPowerW = null, bool Passive = false, double? UnitCostUsd = null, double? MemoryGiB = null, double? EnergyPerDayWh = null);

/// <summary>How the stated priorities weigh the three axes of the ranking (normalized to sum 1).</summary>
public sealed record Priorities(double Performance = 1, double Power = 1, double Cost = 1)
{
    public Priorities Normalized()
    {
        var sum = Performance + Power + Cost;
        return sum > 0 ? new Priorities(Performance / sum, Power / sum, Cost / sum) : new Priorities(1 / 3.0, 1 / 3.0, 1 / 3.0);
    }
}

/// <summary>A product's use case: its workloads, constraints and priorities, as a team states it once.</summary>
public sealed record UseCase(
    string Name,
    string? Description,
    string Source,
    IReadOnlyList<UseCaseWorkload> Workloads,
    UseCaseConstraints Constraints,
    Priorities Priorities,
    double ActiveHoursPerDay,
    double? BatteryWh,
    string ReferencePlatform);
