namespace WorkingPoint.Core.Hardware;

/// <summary>Where one figure of a description comes from.</summary>
/// <param name="Field">The figure, as a path in the description (e.g. "memory.dram.busWidthBits").</param>
/// <param name="Source">Key or URL of the source; null when unsourced.</param>
/// <param name="Note">Why the figure is what it is, or why it is missing.</param>
/// <param name="IsAssumption">True when the figure is a stated assumption rather than a published number.</param>
public sealed record FigureSource(string Field, string? Source, string? Note, bool IsAssumption);

/// <summary>The sources behind a description: named references and, per figure, which reference and note apply.</summary>
public sealed record Provenance(IReadOnlyDictionary<string, string> References, IReadOnlyList<FigureSource> Figures)
{
    public static readonly Provenance None = new(new Dictionary<string, string>(), []);

    public IEnumerable<FigureSource> Assumptions => Figures.Where(f => f.IsAssumption);

    public IEnumerable<FigureSource> Unknowns => Figures.Where(f => f.Source is null && !f.IsAssumption);
}

/// <summary>
/// An edge AI processor (or module, or host) as the analytic model sees it: one memory system (DRAM and a platform-level
/// on-chip memory such as a system cache) shared by one or more compute units. A runtime chooses the unit a workload runs on.
/// </summary>
/// <param name="Kind">The platform's category (soc, gpu, npu, accelerator, cpu), for grouping in reports.</param>
/// <param name="Units">The compute units, at least one.</param>
/// <param name="OnChip">The platform-level on-chip memory, used by a unit that has none of its own.</param>
public sealed record Platform(
    string Id,
    string Name,
    string Vendor,
    string Kind,
    IReadOnlyList<ComputeUnit> Units,
    OnChipMemory OnChip,
    DramSpec? Dram,
    PowerSpec Power,
    AchievableFractions Achievable,
    Price? Price,
    string FormFactor,
    Provenance Provenance,
    string? Notes)
{
    /// <summary>The usual runtime per workload kind, as the platform file names it (runtime ids).</summary>
    public IReadOnlyDictionary<Runtimes.WorkloadKind, string> DefaultRuntimeIds { get; init; } = new Dictionary<Runtimes.WorkloadKind, string>();

    /// <summary>The usual runtime per workload kind, resolved by the catalog; a prediction without --runtime uses it.</summary>
    public IReadOnlyDictionary<Runtimes.WorkloadKind, Runtimes.Runtime> DefaultRuntimes { get; init; } = new Dictionary<Runtimes.WorkloadKind, Runtimes.Runtime>();

    /// <summary>Runtimes as measured on this platform itself (by id): their profiles replace the catalog's here.</summary>
    public IReadOnlyDictionary<string, Runtimes.Runtime> MeasuredRuntimes { get; init; } = new Dictionary<string, Runtimes.Runtime>();

    /// <summary>The runtime as it runs here: its profile measured on this platform where there is one, else as given.</summary>
    public Runtimes.Runtime AsRunHere(Runtimes.Runtime runtime) => MeasuredRuntimes.GetValueOrDefault(runtime.Id) ?? runtime;

    /// <summary>The runtime a prediction of <paramref name="kind"/> work assumes when none is asked for; null: none resolved (the hardware as it is).</summary>
    public Runtimes.Runtime? DefaultRuntime(Runtimes.WorkloadKind kind) => DefaultRuntimes.GetValueOrDefault(kind);

    public bool HasDram => Dram is not null;

    /// <summary>The unit with the highest headline peak (the one a platform is sold on); the first one on a tie.</summary>
    public ComputeUnit PrimaryUnit => Units.Count == 1 ? Units[0] : Units.MaxBy(u => u.HeadlineOpsPerSecond) ?? Units[0];

    /// <summary>The primary unit's peaks.</summary>
    public ComputeSpec Compute => PrimaryUnit.Compute;

    /// <summary>The primary unit's execution style.</summary>
    public ExecutionStyle Execution => PrimaryUnit.Execution;

    /// <summary>The primary unit's link.</summary>
    public HostLink? HostLink => PrimaryUnit.HostLink;

    /// <summary>Whether any unit has a compute figure, so that something can be predicted.</summary>
    public bool HasAnyPeak => Units.Any(u => u.Compute.HasAnyPeak);

    /// <summary>The unit of that kind, or null when the platform has none.</summary>
    public ComputeUnit? UnitOfKind(ComputeUnitKind kind) => Units.FirstOrDefault(u => u.Kind == kind);

    /// <summary>The on-chip memory a unit sees: its own, else the platform's.</summary>
    public OnChipMemory OnChipOf(ComputeUnit unit) => unit.OnChip ?? OnChip;

    public override string ToString() => Id;

    /// <summary>
    /// A platform that is one compute unit (the older single-unit description): a CPU for kind "cpu", a GPU for a kind that
    /// starts with "gpu", an NPU otherwise. The unit's on-chip memory is the platform's.
    /// </summary>
    public static Platform WithOneUnit(
        string Id,
        string Name,
        string Vendor,
        string Kind,
        ExecutionStyle Execution,
        ComputeSpec Compute,
        OnChipMemory OnChip,
        DramSpec? Dram,
        HostLink? HostLink,
        PowerSpec Power,
        AchievableFractions Achievable,
        Price? Price,
        string FormFactor,
        Provenance Provenance,
        string? Notes)
    {
        return new Platform(Id, Name, Vendor, Kind, [ComputeUnit.Whole(Kind, Execution, Compute, HostLink)], OnChip, Dram, Power, Achievable, Price, FormFactor, Provenance, Notes);
    }
}
