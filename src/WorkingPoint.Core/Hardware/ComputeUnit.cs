namespace WorkingPoint.Core.Hardware;

/// <summary>The kinds of compute unit a platform can have; a runtime runs on one kind.</summary>
public enum ComputeUnitKind
{
    Cpu,
    Gpu,
    Npu,

    /// <summary>A fixed-function deep-learning accelerator beside a GPU (NVIDIA's DLA).</summary>
    Dla,
}

public static class ComputeUnitKindExtensions
{
    public static string ToId(this ComputeUnitKind kind) => kind switch
    {
        ComputeUnitKind.Cpu => "cpu",
        ComputeUnitKind.Gpu => "gpu",
        ComputeUnitKind.Npu => "npu",
        ComputeUnitKind.Dla => "dla",
        _ => kind.ToString().ToLowerInvariant(),
    };

    public static bool TryParse(string? text, out ComputeUnitKind kind)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "cpu": kind = ComputeUnitKind.Cpu; return true;
            case "gpu": kind = ComputeUnitKind.Gpu; return true;
            case "npu": kind = ComputeUnitKind.Npu; return true;
            case "dla": kind = ComputeUnitKind.Dla; return true;
            default: kind = default; return false;
        }
    }
}

/// <summary>
/// One compute unit of a platform (a CPU cluster, a GPU, an NPU, a DLA): its own peaks per precision, its own on-chip memory
/// where it has one, and its own link where it sits behind one. The units of a platform share its DRAM.
/// </summary>
/// <param name="Id">The unit's id within its platform (cpu, gpu, npu, dla, or a name such as ane).</param>
/// <param name="OnChip">The unit's own on-chip memory; null: the platform's (a shared system cache, or unknown).</param>
/// <param name="HostLink">The link between the unit and its host, for an accelerator card or module; null on the memory bus.</param>
public sealed record ComputeUnit(string Id, ComputeUnitKind Kind, string Name, ExecutionStyle Execution, ComputeSpec Compute, OnChipMemory? OnChip, HostLink? HostLink)
{
    /// <summary>Whether a thread on this unit holds it while it waits on memory: true of CPU cores, not of accelerators.</summary>
    public bool HeldWhileStalled => Kind == ComputeUnitKind.Cpu;

    /// <summary>The highest dense peak at any precision: what the unit is sold on.</summary>
    public double HeadlineOpsPerSecond => Compute.Peaks.Select(p => p.Dense.Value).DefaultIfEmpty(0).Max();

    public override string ToString() => Id;

    /// <summary>
    /// The one unit of a platform described as a whole: a CPU for platform kind "cpu", a GPU for a kind that starts with "gpu",
    /// an NPU otherwise; its on-chip memory is the platform's.
    /// </summary>
    public static ComputeUnit Whole(string platformKind, ExecutionStyle execution, ComputeSpec compute, HostLink? hostLink)
    {
        var kind = platformKind == "cpu" ? ComputeUnitKind.Cpu : platformKind.StartsWith("gpu", StringComparison.Ordinal) ? ComputeUnitKind.Gpu : ComputeUnitKind.Npu;
        return new ComputeUnit(kind.ToId(), kind, "the whole platform", execution, compute, null, hostLink);
    }
}
