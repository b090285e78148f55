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

/// <summary>An edge AI processor (or module, or host) as the analytic model sees it.</summary>
public sealed record Platform(
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
    public bool HasDram => Dram is not null;

    public override string ToString() => Id;
}
