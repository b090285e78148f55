namespace WorkingPoint.Results;

/// <summary>What kind of run produced a record; the store and <c>wpt results</c> group by it.</summary>
public enum MeasurementKind
{
    Roofline,
    Onnx,
    Llm,
    Mix,
    Validate,

    /// <summary><c>wpt bench usecase</c>: every workload of a use case at its rates at once (stored by name, so older records are untouched).</summary>
    UseCase,
}

/// <summary>Whether a record holds a whole run: what <c>wpt results</c> shows, so a partial run is never taken for a finished one.</summary>
public enum RunStatus
{
    /// <summary>The run finished and everything it measured is in the record (or in its run group).</summary>
    Complete,

    /// <summary>One part of a run whose remaining parts have not landed yet: the run is still going, or was killed.</summary>
    Incomplete,

    /// <summary>The run was stopped (Ctrl-C, SIGTERM); the record holds what was measured before that.</summary>
    Interrupted,
}

/// <summary>A series of raw samples (latencies, throughput over time, telemetry readings), kept so any statistic can be recomputed later.</summary>
/// <param name="Name">What was sampled, e.g. "latency" or "power.package".</param>
/// <param name="Unit">The unit of every value, e.g. "ms", "W", "GB/s", "°C", "MHz".</param>
/// <param name="Values">The samples, in the order taken.</param>
/// <param name="SecondsFromStart">When each sample was taken, relative to the run's start; null when only the order matters.</param>
public sealed record SampleSeries(string Name, string Unit, IReadOnlyList<double> Values, IReadOnlyList<double>? SecondsFromStart = null);

/// <summary>One summary figure of a run; the unit travels with the number.</summary>
public sealed record Metric(string Name, double Value, string Unit);

/// <summary>
/// One measurement with its full context: the machine, the model (by content hash), every parameter, the summary figures and the raw samples.
/// Records are immutable once written, except for <see cref="Status"/>, which the run that wrote them updates when its last
/// part lands (or it is stopped).
/// </summary>
public sealed record MeasurementRecord(
    MeasurementKind Kind,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    PlatformFingerprint Platform,
    string? ModelName,
    string? ModelSha256,
    IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyList<Metric> Metrics,
    IReadOnlyList<SampleSeries> Samples,
    string? Notes = null)
{
    public RunStatus Status { get; init; } = RunStatus.Complete;

    /// <summary>Shared by the records of one run saved in parts (<c>bench onnx --scenario all</c>); null for a run saved whole.</summary>
    public string? RunGroup { get; init; }

    /// <summary>VALID/INVALID under the run rules, with warnings and the machine's contention; null for kinds without rules and records saved before wpt judged runs.</summary>
    public RunVerdict? Verdict { get; init; }

    /// <summary>What reproducing the run needs (command line, threads, affinity, governor, kernel, power mode, model hashes); null for records saved before wpt kept it.</summary>
    public RunManifest? Manifest { get; init; }
}

/// <summary>A record as stored, with the id the store gave it.</summary>
public sealed record StoredMeasurement(long Id, MeasurementRecord Record)
{
    /// <summary>The wpt version that saved the record; null for records saved before stores kept it.</summary>
    public string? WptVersion { get; init; }

    /// <summary>The git commit of the wpt build that saved the record; null for records saved before stores kept it.</summary>
    public string? WptCommit { get; init; }

    /// <summary>SHA-256 of the catalog that wpt build carried; null for records saved before stores kept it.</summary>
    public string? CatalogSha256 { get; init; }
}

/// <summary>Where measurements live. Saving is atomic: a record is either fully stored or not at all.</summary>
public interface IResultStore
{
    /// <summary>Stores the record and returns its id; a record that cannot be stored as given (a NaN metric) throws <see cref="ArgumentException"/> and stores nothing.</summary>
    long Save(MeasurementRecord record);

    StoredMeasurement? Find(long id);

    /// <summary>Newest first, optionally only one kind.</summary>
    IReadOnlyList<StoredMeasurement> List(MeasurementKind? kind = null, int limit = 100);

    /// <summary>How many records there are, optionally of one kind.</summary>
    long Count(MeasurementKind? kind = null);

    /// <summary>Sets the status of every record of a run group at once (one transaction); returns how many records it changed.</summary>
    int SetGroupStatus(string runGroup, RunStatus status);
}
