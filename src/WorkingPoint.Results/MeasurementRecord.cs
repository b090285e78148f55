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

    /// <summary>What was measured on what, as typed fields a store can filter on; derived from the record unless set (a lab agent sets its device id).</summary>
    public ResultSubject Subject
    {
        get => field ?? ResultSubject.Of(this);
        init;
    }

    /// <summary>
    /// The record's identity across stores and retries: stores keep one record per key, so an upload repeated after a lost reply, or a
    /// result pushed twice, is stored once. Derived from the record's content unless set.
    /// </summary>
    public string IdempotencyKey
    {
        get => field ?? Results.IdempotencyKey.Of(this);
        init;
    }
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

/// <summary>Where measurements live: a local SQLite file, a lab's PostgreSQL database. Saving is atomic and idempotent: a record is either fully stored or not at all, and saving a record whose <see cref="MeasurementRecord.IdempotencyKey"/> is stored already returns the stored id and adds nothing (an agent's retried upload).</summary>
public interface IResultStore
{
    /// <summary>Stores the record (or finds it stored under its idempotency key); a record that cannot be stored as given (a NaN metric) throws <see cref="ResultStoreException"/> and stores nothing.</summary>
    Task<SaveOutcome> SaveAsync(MeasurementRecord record, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a batch (an upload): one outcome per record, in the order given. A record whose key is stored already, or that occurs
    /// earlier in the batch, gets that record's id with Created false. A record that cannot be stored as given refuses the whole batch
    /// (<see cref="ResultStoreException"/>, the same message <see cref="SaveAsync"/> gives) before anything is written. A store
    /// writes the batch in one transaction with few round trips; this default saves one record after another (each atomic).
    /// </summary>
    async Task<IReadOnlyList<SaveOutcome>> SaveManyAsync(IReadOnlyList<MeasurementRecord> records, CancellationToken cancellationToken = default)
    {
        ResultStorage.ThrowIfAnyCannotBeStored(records);
        var outcomes = new List<SaveOutcome>(records.Count);
        foreach (var record in records)
        {
            outcomes.Add(await SaveAsync(record, cancellationToken).ConfigureAwait(false));
        }

        return outcomes;
    }

    Task<StoredMeasurement?> FindAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>The records matching the query, newest first.</summary>
    Task<IReadOnlyList<StoredMeasurement>> QueryAsync(ResultQuery query, CancellationToken cancellationToken = default);

    /// <summary>How many records match the query (its limit and cursor ignored).</summary>
    Task<long> CountAsync(ResultQuery query, CancellationToken cancellationToken = default);

    /// <summary>Sets the status of every record of a run group at once (one transaction); returns how many records it changed.</summary>
    Task<int> SetGroupStatusAsync(string runGroup, RunStatus status, CancellationToken cancellationToken = default);

    /// <summary>
    /// The newest record of each kind and subject (device, platform, model, weights, runtime, unit) among those matching the query
    /// (its limit and cursor ignored), newest first: what a lab's platforms × models matrix shows, without reading every record.
    /// A store answers with one grouped query (PostgreSQL: DISTINCT ON over an index on the subject and start time); this default
    /// reads every matching record and is only fit for small stores.
    /// </summary>
    async Task<IReadOnlyList<StoredMeasurement>> LatestPerSubjectAsync(ResultQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var all = await QueryAsync(query with { Limit = int.MaxValue, BeforeId = null }, cancellationToken).ConfigureAwait(false);
        return LatestPerSubject(all);
    }

    /// <summary>The newest of <paramref name="records"/> for each kind and subject, newest first (what <see cref="LatestPerSubjectAsync"/> answers).</summary>
    static IReadOnlyList<StoredMeasurement> LatestPerSubject(IEnumerable<StoredMeasurement> records) =>
        [.. records.GroupBy(r => (r.Record.Kind, r.Record.Subject))
            .Select(g => g.OrderByDescending(r => r.Record.StartedAt).ThenByDescending(r => r.Id).First())
            .OrderByDescending(r => r.Record.StartedAt).ThenByDescending(r => r.Id)];
}

/// <summary>What a save did: the record's id, and whether this call stored it (false: it was stored already under its idempotency key).</summary>
public readonly record struct SaveOutcome(long Id, bool Created);

/// <summary>
/// A filter over stored results; every field that is set must match (subject fields exactly, case-sensitive). Results come newest
/// first (by start time, then id); <see cref="BeforeId"/> pages on from the last id of the previous page: the records after it in that
/// order, so results stored late (an import, a push of old runs) are neither skipped nor repeated. <see cref="WithSamples"/> false
/// leaves the raw samples out of what is read (a list or a matrix shows metrics only; samples are most of a record's bytes).
/// </summary>
public sealed record ResultQuery(
    MeasurementKind? Kind = null,
    string? Device = null,
    string? Platform = null,
    string? Model = null,
    string? Weights = null,
    string? Runtime = null,
    string? Unit = null,
    DateTimeOffset? Since = null,
    RunStatus? Status = null,
    int Limit = 100,
    long? BeforeId = null,
    bool WithSamples = true)
{
    public static readonly ResultQuery All = new(Limit: int.MaxValue);

    /// <summary>
    /// The set equality filters as (column, value), in the column names every SQL store uses (kind and status as stored: the kind's
    /// name, the status in lower case), so a filter added here reaches every store.
    /// </summary>
    public IEnumerable<(string Column, object Value)> EqualityFilters()
    {
        (string Column, object? Value)[] filters =
        [
            ("kind", Kind?.ToString()),
            ("device", Device),
            ("platform", Platform),
            ("model", Model),
            ("weights", Weights),
            ("runtime", Runtime),
            ("unit", Unit),
            ("status", Status?.ToString().ToLowerInvariant()),
        ];
        return filters.Where(f => f.Value is not null).Select(f => (f.Column, f.Value!));
    }
}
