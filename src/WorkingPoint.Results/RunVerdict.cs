namespace WorkingPoint.Results;

/// <summary>Whether a run met its rules.</summary>
public enum Validity
{
    Valid,
    Invalid,
}

/// <summary>
/// The judgement of one run under its <c>RunRules</c>: VALID or INVALID with every rule that failed, the warnings that do not
/// invalidate (instability, a busy machine), and the figures they rest on. Saved with the record and printed with the result.
/// </summary>
/// <param name="Rules">The rules, as one line (<c>RunRules.ToString</c>).</param>
/// <param name="FailedRules">Each failed rule as "rule: what happened, what it needs"; empty when valid.</param>
/// <param name="Warnings">What makes the figures less trustworthy without invalidating them.</param>
/// <param name="Quick">Whether the run was asked for as a quick one (<c>--quick</c>), which shortens it below the rules on purpose.</param>
/// <param name="EarlyStoppingPercentile">The percentile estimated, when the rules have one.</param>
/// <param name="EarlyStoppingEstimateMs">LoadGen's early-stopping estimate of that percentile, ms; null when there were too few queries.</param>
/// <param name="VariationPercent">Coefficient of variation across the run's windows or repetitions, %; null when not measurable (too few).</param>
/// <param name="Contention">CPU used by other processes and steal time during the run; null when the run did not sample it.</param>
public sealed record RunVerdict(
    string Rules,
    IReadOnlyList<string> FailedRules,
    IReadOnlyList<string> Warnings,
    bool Quick = false,
    double? EarlyStoppingPercentile = null,
    double? EarlyStoppingEstimateMs = null,
    double? VariationPercent = null,
    CpuContention? Contention = null)
{
    public Validity Validity => FailedRules.Count == 0 ? Validity.Valid : Validity.Invalid;

    /// <summary>Whether other processes (or the hypervisor) took enough CPU during the run to disturb it.</summary>
    public bool Contended => Contention?.Contended == true;

    /// <summary>"VALID", or "INVALID (min duration: …; …)", with QUICK and CONTENDED marks.</summary>
    public string Summary =>
        (Validity == Validity.Valid ? "VALID" : $"INVALID ({string.Join("; ", FailedRules)})")
        + (Quick ? ", quick run" : string.Empty)
        + (Contended ? ", contended" : string.Empty);

    /// <summary>The verdict with a contention reading added: a contended machine adds its warning, and the record is marked contended.</summary>
    public RunVerdict WithContention(CpuContention? contention) =>
        contention is null ? this : this with
        {
            Contention = contention,
            Warnings = contention.Contended ? [.. Warnings, contention.Warning!] : Warnings,
        };
}
