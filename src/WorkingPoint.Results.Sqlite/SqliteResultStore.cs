using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using WorkingPoint.Core.Versioning;
using WorkingPoint.Results;

namespace WorkingPoint.Results.Sqlite;

/// <summary>
/// Measurements in a SQLite file. Each save is one transaction, so a crash or Ctrl-C loses nothing saved before and leaves no
/// half-written record; the schema is versioned by <c>PRAGMA user_version</c> and migrated forward on open, one transaction per step.
/// A file that is not SQLite, or that a newer wpt wrote, is refused and never modified.
/// </summary>
/// <remarks>Thread-safe: calls on one store take turns on its one connection. Several processes may share the file (WAL journal, busy timeout).</remarks>
public sealed class SqliteResultStore : IResultStore, IDisposable
{
    /// <summary>The schema version this code writes; <see cref="Migrations"/>[v-1] takes a database from v-1 to v.</summary>
    public const int SchemaVersion = 6;

    /// <summary>How long one attempt waits for another process's lock before giving up (SQLite's busy timeout).</summary>
    public static readonly TimeSpan DefaultLockWait = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per save: with <see cref="DefaultLockWait"/>, a lock held for up to about 30 s delays a save, no more.</summary>
    public const int SaveAttempts = 3;

    private static readonly string[] Migrations =
    [
        // v1: records, their metrics and their raw sample series.
        """
        CREATE TABLE measurements (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            started_at TEXT NOT NULL,
            duration_seconds REAL NOT NULL,
            fingerprint_json TEXT NOT NULL,
            model_name TEXT,
            model_sha256 TEXT,
            parameters_json TEXT NOT NULL,
            notes TEXT);
        CREATE TABLE metrics (
            measurement_id INTEGER NOT NULL REFERENCES measurements(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            name TEXT NOT NULL,
            value REAL NOT NULL,
            unit TEXT NOT NULL,
            PRIMARY KEY (measurement_id, ordinal));
        CREATE TABLE samples (
            measurement_id INTEGER NOT NULL REFERENCES measurements(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            name TEXT NOT NULL,
            unit TEXT NOT NULL,
            count INTEGER NOT NULL,
            values_le_f64 BLOB NOT NULL,
            seconds_le_f64 BLOB,
            PRIMARY KEY (measurement_id, ordinal));
        """,

        // v2: which wpt wrote a record, and an index for listing by kind, newest first.
        """
        ALTER TABLE measurements ADD COLUMN wpt_version TEXT;
        CREATE INDEX measurements_by_kind_and_time ON measurements(kind, started_at DESC);
        """,

        // v3: whether a record holds a whole run (complete), part of one not yet finished (incomplete) or one stopped early
        // (interrupted), and the group that ties the parts of one run together. Records saved before were whole runs.
        """
        ALTER TABLE measurements ADD COLUMN status TEXT NOT NULL DEFAULT 'complete';
        ALTER TABLE measurements ADD COLUMN run_group TEXT;
        CREATE INDEX measurements_by_run_group ON measurements(run_group) WHERE run_group IS NOT NULL;
        """,

        // v4: the commit that wpt was built from and the hash of the catalog it used.
        """
        ALTER TABLE measurements ADD COLUMN wpt_commit TEXT;
        ALTER TABLE measurements ADD COLUMN catalog_sha256 TEXT;
        """,

        // v5: the run-rules verdict (VALID/INVALID, warnings, contention) and the reproducibility manifest, as JSON; null for
        // records saved before (never judged, manifest not kept).
        """
        ALTER TABLE measurements ADD COLUMN verdict_json TEXT;
        ALTER TABLE measurements ADD COLUMN manifest_json TEXT;
        """,

        // v6: what a record is about as typed columns a query filters on (ResultSubject), and its idempotency key, so saving the
        // same run twice stores it once. Old rows get both from their content (BackfillSubjectsAndKeys), then the indexes.
        """
        ALTER TABLE measurements ADD COLUMN device TEXT;
        ALTER TABLE measurements ADD COLUMN platform TEXT;
        ALTER TABLE measurements ADD COLUMN model TEXT;
        ALTER TABLE measurements ADD COLUMN weights TEXT;
        ALTER TABLE measurements ADD COLUMN runtime TEXT;
        ALTER TABLE measurements ADD COLUMN unit TEXT;
        ALTER TABLE measurements ADD COLUMN idempotency_key TEXT;
        """,
    ];

    /// <summary>Runs after a step's SQL, in its transaction, before the version is raised: what SQL alone cannot compute.</summary>
    private static readonly Dictionary<int, Action<SqliteResultStore>> AfterMigration = new()
    {
        [6] = store => store.BackfillSubjectsAndKeys(),
    };

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    private static readonly byte[] SqliteHeader = Encoding.ASCII.GetBytes("SQLite format 3\0");

    private readonly SqliteConnection _connection;
    private readonly WptProvenance _writer;
    private readonly TimeSpan _lockWait;

    // One connection, used by one call at a time: the lab server's requests share one store.
    private readonly Lock _gate = new();

    /// <param name="path">The database file; created (with its directory) when missing.</param>
    /// <param name="writerVersion">Recorded with every saved measurement (commit and catalog hash unknown).</param>
    /// <param name="lockWait">How long one attempt waits for another process's lock; <see cref="DefaultLockWait"/> unless given.</param>
    public SqliteResultStore(string path, string writerVersion = WptProvenance.Unknown, TimeSpan? lockWait = null)
        : this(path, new WptProvenance(writerVersion, WptProvenance.Unknown, WptProvenance.Unknown), lockWait)
    {
    }

    /// <param name="path">The database file; created (with its directory) when missing.</param>
    /// <param name="writer">The wpt build and catalog, recorded with every saved measurement.</param>
    /// <param name="lockWait">How long one attempt waits for another process's lock; <see cref="DefaultLockWait"/> unless given.</param>
    public SqliteResultStore(string path, WptProvenance writer, TimeSpan? lockWait = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Path = path;
        _writer = writer;
        _lockWait = lockWait ?? DefaultLockWait;
        RefuseNonSqlite(path);
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false, DefaultTimeout = Math.Max(1, (int)Math.Ceiling(_lockWait.TotalSeconds)) }.ToString());
        try
        {
            _connection.Open();
            _connection.Execute($"PRAGMA busy_timeout = {(long)_lockWait.TotalMilliseconds};");

            // Both refusals come before anything that writes (journal mode, migrations): a file we do not own is left as it was.
            var version = UserVersion();
            if (version < 0)
            {
                throw new ResultStoreException($"{path}: results database has schema version {version}, which no wpt writes (the file is damaged or another program's); move it aside, or pass --db PATH to use another database.");
            }

            if (version > SchemaVersion)
            {
                throw new ResultStoreException($"{path}: results database has schema version {version}, newer than this wpt understands ({SchemaVersion}); upgrade wpt, or pass --db PATH to use another database.");
            }

            if (version == 0 && Convert.ToInt64(_connection.Scalar("SELECT COUNT(*) FROM sqlite_master;"), CultureInfo.InvariantCulture) > 0)
            {
                throw new ResultStoreException($"{path}: is a SQLite database but not a wpt results database (it has tables and no wpt schema version); pass --db PATH to a results database or to a new file.");
            }

            if (version < SchemaVersion || !string.Equals(JournalMode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                // Only a database that needs it is written on open, so reading a current one needs neither write access nor the write lock.
                _connection.Execute("PRAGMA journal_mode = WAL;");
            }

            _connection.Execute("PRAGMA foreign_keys = ON;");
            if (version < SchemaVersion)
            {
                Migrate();
            }
        }
        catch (SqliteException ex)
        {
            _connection.Dispose();
            throw new ResultStoreException(Explain(path, ex, string.Empty, _lockWait), ex);
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    public string Path { get; }

    /// <summary>
    /// Saves the record in one transaction, or returns the id it is stored under already (same <see cref="MeasurementRecord.IdempotencyKey"/>).
    /// Another process holding the lock is waited for, up to <see cref="SaveAttempts"/> times the lock wait; after that, and on any
    /// other failure, a <see cref="ResultStoreException"/> says why and nothing is saved.
    /// </summary>
    public long Save(MeasurementRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (ResultStorage.ProblemOf(record) is { } problem)
        {
            throw new ArgumentException(problem, nameof(record));
        }

        return WithRetries(() => SaveInTransaction(record)).Id;
    }

    public int SetGroupStatus(string runGroup, RunStatus status)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runGroup);
        return WithRetries(() =>
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            using var update = _connection.Command("UPDATE measurements SET status = $status WHERE run_group = $group;");
            update.Parameters.AddWithValue("$status", StatusText(status));
            update.Parameters.AddWithValue("$group", runGroup);
            var changed = update.ExecuteNonQuery();
            transaction.Commit();
            return changed;
        });
    }

    /// <summary>
    /// Whether the record is stored already, under its idempotency key or as a record of this kind, start time and machine: importing a
    /// side file twice adds nothing, also when a figure's last digit changed on the way through JSON.
    /// </summary>
    public bool Contains(MeasurementRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return Guard(() =>
        {
            using var select = _connection.Command("SELECT COUNT(*) FROM measurements WHERE idempotency_key = $key OR (kind = $kind AND started_at = $startedAt AND fingerprint_json = $fingerprint);");
            select.Parameters.AddWithValue("$key", record.IdempotencyKey);
            select.Parameters.AddWithValue("$kind", record.Kind.ToString());
            select.Parameters.AddWithValue("$startedAt", record.StartedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            select.Parameters.AddWithValue("$fingerprint", JsonSerializer.Serialize(record.Platform, Json));
            return (long)select.ExecuteScalar()! > 0;
        });
    }

    /// <summary>
    /// Proves, before a measurement starts, that a save will be possible: the file is not marked read-only, and a write
    /// transaction can be taken (waiting for another process's lock up to the lock wait) and a header write succeeds; the
    /// write is rolled back, so the file is unchanged.
    /// </summary>
    public void CheckWritable()
    {
        if (File.Exists(Path) && !OperatingSystem.IsWindows()
            && (File.GetUnixFileMode(Path) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0)
        {
            // Checked by mode rather than by trying: root may write anyway, but a file made read-only is meant to stay as it is.
            throw new ResultStoreException($"{Path}: results database is read-only (mode {Convert.ToString((int)File.GetUnixFileMode(Path), 8)}); make it writable (chmod u+w), or pass --db PATH to use another database. Nothing was measured.");
        }

        try
        {
            lock (_gate)
            {
                using var transaction = _connection.BeginTransaction(deferred: false);
                _connection.Execute($"PRAGMA user_version = {UserVersion()};");
                transaction.Rollback();
            }
        }
        catch (SqliteException ex)
        {
            throw new ResultStoreException(Explain(Path, ex, "; nothing was measured", _lockWait), ex);
        }
    }

    private T WithRetries<T>(Func<T> action)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                lock (_gate)
                {
                    return action();
                }
            }
            catch (SqliteException ex) when (IsBusy(ex) && attempt < SaveAttempts)
            {
                // The busy timeout has already waited; the next attempt waits again. Bounded: SaveAttempts × lock wait in all.
            }
            catch (SqliteException ex)
            {
                throw new ResultStoreException(Explain(Path, ex, "; nothing was saved by this operation", _lockWait * (IsBusy(ex) ? SaveAttempts : 1)), ex);
            }
        }
    }

    private static bool IsBusy(SqliteException ex) => ex.SqliteErrorCode is 5 or 6; // SQLITE_BUSY, SQLITE_LOCKED

    internal static string StatusText(RunStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>Test hook: called with the number of rows written so far in a save, before it commits; throwing from it stands in for a crash mid-save.</summary>
    internal Action<int>? AfterRowWritten { get; set; }

    private SaveOutcome SaveInTransaction(MeasurementRecord record) => SaveAllInTransaction([record])[0];

    /// <summary>
    /// Every record in one transaction (committed once, so a batch costs one fsync): each inserted unless its key is stored already
    /// (or came earlier in the batch), its metrics and samples with it. The statements are prepared once per transaction and reused.
    /// </summary>
    private SaveOutcome[] SaveAllInTransaction(IReadOnlyList<MeasurementRecord> records)
    {
        using var transaction = _connection.BeginTransaction();
        using var insert = _connection.Command(
            """
            INSERT INTO measurements (kind, started_at, duration_seconds, fingerprint_json, model_name, model_sha256, parameters_json, notes, wpt_version, status, run_group, wpt_commit, catalog_sha256, verdict_json, manifest_json,
                device, platform, model, weights, runtime, unit, idempotency_key)
            VALUES ($kind, $startedAt, $duration, $fingerprint, $model, $sha, $parameters, $notes, $version, $status, $group, $commit, $catalog, $verdict, $manifest,
                $subjectDevice, $subjectPlatform, $subjectModel, $subjectWeights, $subjectRuntime, $subjectUnit, $key)
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING id;
            """);
        using var existing = _connection.Command("SELECT id FROM measurements WHERE idempotency_key = $key;");
        using var insertMetric = _connection.Command("INSERT INTO metrics (measurement_id, ordinal, name, value, unit) VALUES ($id, $ordinal, $name, $value, $unit);");
        using var insertSeries = _connection.Command("INSERT INTO samples (measurement_id, ordinal, name, unit, count, values_le_f64, seconds_le_f64) VALUES ($id, $ordinal, $name, $unit, $count, $values, $seconds);");
        var rows = 0;
        var outcomes = new SaveOutcome[records.Count];
        for (var r = 0; r < records.Count; r++)
        {
            var record = records[r];
            var key = record.IdempotencyKey;
            var subject = record.Subject;
            var p = insert.Parameters;
            p.Clear();
            p.AddWithValue("$subjectDevice", subject.Device);
            p.AddWithValue("$subjectPlatform", (object?)subject.Platform ?? DBNull.Value);
            p.AddWithValue("$subjectModel", (object?)subject.Model ?? DBNull.Value);
            p.AddWithValue("$subjectWeights", (object?)subject.Weights ?? DBNull.Value);
            p.AddWithValue("$subjectRuntime", (object?)subject.Runtime ?? DBNull.Value);
            p.AddWithValue("$subjectUnit", (object?)subject.Unit ?? DBNull.Value);
            p.AddWithValue("$key", key);
            p.AddWithValue("$kind", record.Kind.ToString());
            p.AddWithValue("$startedAt", record.StartedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            p.AddWithValue("$duration", record.Duration.TotalSeconds);
            p.AddWithValue("$fingerprint", JsonSerializer.Serialize(record.Platform, Json));
            p.AddWithValue("$model", (object?)record.ModelName ?? DBNull.Value);
            p.AddWithValue("$sha", (object?)record.ModelSha256 ?? DBNull.Value);
            p.AddWithValue("$parameters", JsonSerializer.Serialize(new SortedDictionary<string, string>(record.Parameters.ToDictionary(), StringComparer.Ordinal), Json));
            p.AddWithValue("$notes", (object?)record.Notes ?? DBNull.Value);
            p.AddWithValue("$version", _writer.Version);
            p.AddWithValue("$status", StatusText(record.Status));
            p.AddWithValue("$group", (object?)record.RunGroup ?? DBNull.Value);
            p.AddWithValue("$commit", _writer.Commit);
            p.AddWithValue("$catalog", _writer.CatalogSha256);
            p.AddWithValue("$verdict", record.Verdict is { } verdict ? JsonSerializer.Serialize(verdict, Json) : DBNull.Value);
            p.AddWithValue("$manifest", record.Manifest is { } manifest ? JsonSerializer.Serialize(manifest, Json) : DBNull.Value);
            if (insert.ExecuteScalar() is not long id)
            {
                // Stored already (a retried upload, an import run twice, or earlier in this batch): the stored record stands, unchanged.
                existing.Parameters.Clear();
                existing.Parameters.AddWithValue("$key", key);
                outcomes[r] = new SaveOutcome((long)existing.ExecuteScalar()!, Created: false);
                continue;
            }

            AfterRowWritten?.Invoke(++rows);
            for (var i = 0; i < record.Metrics.Count; i++)
            {
                var metric = record.Metrics[i];
                insertMetric.Parameters.Clear();
                insertMetric.Parameters.AddWithValue("$id", id);
                insertMetric.Parameters.AddWithValue("$ordinal", i);
                insertMetric.Parameters.AddWithValue("$name", metric.Name);
                insertMetric.Parameters.AddWithValue("$value", metric.Value);
                insertMetric.Parameters.AddWithValue("$unit", metric.Unit);
                insertMetric.ExecuteNonQuery();
                AfterRowWritten?.Invoke(++rows);
            }

            for (var i = 0; i < record.Samples.Count; i++)
            {
                var series = record.Samples[i];
                insertSeries.Parameters.Clear();
                insertSeries.Parameters.AddWithValue("$id", id);
                insertSeries.Parameters.AddWithValue("$ordinal", i);
                insertSeries.Parameters.AddWithValue("$name", series.Name);
                insertSeries.Parameters.AddWithValue("$unit", series.Unit);
                insertSeries.Parameters.AddWithValue("$count", series.Values.Count);
                insertSeries.Parameters.AddWithValue("$values", ResultStorage.Pack(series.Values));
                insertSeries.Parameters.AddWithValue("$seconds", series.SecondsFromStart is { } t ? ResultStorage.Pack(t) : DBNull.Value);
                insertSeries.ExecuteNonQuery();
                AfterRowWritten?.Invoke(++rows);
            }

            outcomes[r] = new SaveOutcome(id, Created: true);
        }

        transaction.Commit();
        return outcomes;
    }

    public StoredMeasurement? Find(long id) => Guard(() => Query("WHERE id = $id", [("$id", id)], int.MaxValue).SingleOrDefault());

    public IReadOnlyList<StoredMeasurement> List(MeasurementKind? kind = null, int limit = 100) =>
        Guard(() => kind is { } k ? Query("WHERE kind = $kind", [("$kind", k.ToString())], limit) : Query(string.Empty, [], limit));

    /// <summary>The records matching every filter the query sets, newest first, from before its cursor.</summary>
    public IReadOnlyList<StoredMeasurement> Query(ResultQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (where, parameters) = Filter(query, withCursor: true);
        return Guard(() => Query(where, parameters, Math.Max(0, query.Limit), query.WithSamples));
    }

    /// <summary>
    /// The newest record of each kind and subject among those matching the query (its limit and cursor ignored), newest first, as
    /// <see cref="IResultStore.LatestPerSubjectAsync"/>'s default implementation picks them (start time, then id). On a file with
    /// <see cref="LatestPerSubjectIndex"/> (the lab store adds it): the subjects by a DISTINCT that skips through the index from one
    /// subject to the next, then one index probe per subject for its newest matching record — 240 subjects of 100,000 records cost
    /// about 240 probes, not 100,000 rows. Without the index: one window numbering each subject's records newest first (it sorts the
    /// subject columns and ids of every matching record). The chosen rows are read after.
    /// </summary>
    public IReadOnlyList<StoredMeasurement> LatestPerSubject(ResultQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (where, parameters) = Filter(query, withCursor: false);
        return Guard(() =>
        {
            var indexed = Convert.ToInt64(_connection.Scalar($"SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '{LatestPerSubjectIndex}';"), CultureInfo.InvariantCulture) > 0;
            // Inside the probe the filter's bare column names are the probed row's (m): the innermost table that has them.
            var newest = indexed
                ? $"""
                  SELECT (SELECT m.id FROM measurements AS m
                          WHERE m.kind IS s.kind AND m.device IS s.device AND m.platform IS s.platform AND m.model IS s.model
                              AND m.weights IS s.weights AND m.runtime IS s.runtime AND m.unit IS s.unit{(where.Length == 0 ? string.Empty : " AND " + where["WHERE ".Length..])}
                          ORDER BY m.started_at DESC, m.id DESC LIMIT 1)
                  FROM (SELECT DISTINCT kind, device, platform, model, weights, runtime, unit FROM measurements) AS s
                  """
                : $"""
                  SELECT id FROM (
                      SELECT id, row_number() OVER (PARTITION BY kind, device, platform, model, weights, runtime, unit ORDER BY started_at DESC, id DESC) AS newest_first
                      FROM measurements {where})
                  WHERE newest_first = 1
                  """;
            return Read($"SELECT {RowColumns} FROM measurements WHERE id IN ({newest}) ORDER BY started_at DESC, id DESC;", parameters, query.WithSamples);
        });
    }

    /// <summary>
    /// The index that makes <see cref="LatestPerSubject"/> one probe per subject: each subject's records newest first, with their status.
    /// The lab store creates it (a plain results database never asks for the newest per subject).
    /// </summary>
    public const string LatestPerSubjectIndex = "measurements_latest_per_subject";

    /// <summary>How many records match the query's filters (its limit and cursor ignored).</summary>
    public long Count(ResultQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (where, parameters) = Filter(query, withCursor: false);
        return Guard(() =>
        {
            using var count = _connection.Command($"SELECT COUNT(*) FROM measurements {where};");
            foreach (var (name, value) in parameters)
            {
                count.Parameters.AddWithValue(name, value);
            }

            return (long)count.ExecuteScalar()!;
        });
    }

    private static (string Where, List<(string Name, object Value)> Parameters) Filter(ResultQuery query, bool withCursor)
    {
        var conditions = new List<string>();
        var parameters = new List<(string Name, object Value)>();
        foreach (var (column, value) in query.EqualityFilters())
        {
            conditions.Add($"{column} = ${column}");
            parameters.Add(("$" + column, value));
        }

        if (query.Since is { } since)
        {
            // started_at is round-trip UTC text of fixed width, so text order is time order.
            conditions.Add("started_at >= $since");
            parameters.Add(("$since", since.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)));
        }

        if (withCursor && query.BeforeId is { } before)
        {
            // After the cursor in the listing's own order (start time, then id): a result stored late with an early start is not skipped.
            conditions.Add("(started_at, id) < (SELECT started_at, $before FROM measurements WHERE id = $before)");
            parameters.Add(("$before", before));
        }

        return (conditions.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", conditions), parameters);
    }

    public long Count(MeasurementKind? kind = null) => Guard(() =>
    {
        using var count = _connection.Command($"SELECT COUNT(*) FROM measurements{(kind is null ? string.Empty : " WHERE kind = $kind")};");
        if (kind is { } k)
        {
            count.Parameters.AddWithValue("$kind", k.ToString());
        }

        return (long)count.ExecuteScalar()!;
    });

    // The async store interface over the synchronous SQLite calls: one local file, one connection, nothing to overlap.
    public Task<SaveOutcome> SaveAsync(MeasurementRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        cancellationToken.ThrowIfCancellationRequested();
        if (ResultStorage.ProblemOf(record) is { } problem)
        {
            // Through the store interface a bad record is the caller's input (an upload), so it is a store error naming the figure.
            throw new ResultStoreException(problem);
        }

        return Task.FromResult(WithRetries(() => SaveInTransaction(record)));
    }

    /// <summary>The batch in one transaction (one commit): every record checked first, so a bad one refuses the batch and nothing is written.</summary>
    public Task<IReadOnlyList<SaveOutcome>> SaveManyAsync(IReadOnlyList<MeasurementRecord> records, CancellationToken cancellationToken = default)
    {
        ResultStorage.ThrowIfAnyCannotBeStored(records);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<SaveOutcome>>(records.Count == 0 ? [] : WithRetries(() => SaveAllInTransaction(records)));
    }

    Task<StoredMeasurement?> IResultStore.FindAsync(long id, CancellationToken cancellationToken) => Task.FromResult(Find(id));

    Task<IReadOnlyList<StoredMeasurement>> IResultStore.QueryAsync(ResultQuery query, CancellationToken cancellationToken) =>
        Task.FromResult(Query(query));

    Task<IReadOnlyList<StoredMeasurement>> IResultStore.LatestPerSubjectAsync(ResultQuery query, CancellationToken cancellationToken) =>
        Task.FromResult(LatestPerSubject(query));

    Task<long> IResultStore.CountAsync(ResultQuery query, CancellationToken cancellationToken) => Task.FromResult(Count(query));

    Task<int> IResultStore.SetGroupStatusAsync(string runGroup, RunStatus status, CancellationToken cancellationToken) =>
        Task.FromResult(SetGroupStatus(runGroup, status));

    /// <summary>The schema version of the open database (always <see cref="SchemaVersion"/> once opened).</summary>
    public int OpenSchemaVersion => UserVersion();

    public string JournalMode => (string)_connection.Scalar("PRAGMA journal_mode;")!;

    public void Dispose() => _connection.Dispose();

    /// <summary>SQLite failures after opening (a file damaged under us, a full disk) become one clear error naming the file.</summary>
    private T Guard<T>(Func<T> action)
    {
        try
        {
            lock (_gate)
            {
                return action();
            }
        }
        catch (SqliteException ex)
        {
            throw new ResultStoreException(Explain(Path, ex, "; nothing was changed by this operation", _lockWait), ex);
        }
        catch (JsonException ex)
        {
            // Only a hand-edited or foreign row gets here: wpt writes these columns from its own records.
            throw new ResultStoreException($"{Path}: results database holds a record this wpt cannot read ({ex.Message.TrimEnd('.')}); upgrade wpt, or pass --db PATH to use another database.", ex);
        }
    }

    /// <summary>One line: the file, what went wrong in the user's terms (SQLite's own words in brackets, for a bug report), and the fix.</summary>
    private static string Explain(string path, SqliteException ex, string afterwards, TimeSpan waited)
    {
        var sqlite = ex.Message.TrimEnd('.');
        const string elsewhere = "pass --db PATH to use another database";
        return ex.SqliteErrorCode switch
        {
            26 => $"{path}: results database is not a SQLite database ({sqlite}){afterwards}; move it aside, or {elsewhere}.", // SQLITE_NOTADB
            11 => $"{path}: results database is damaged ({sqlite}){afterwards}; move it aside, or {elsewhere}.", // SQLITE_CORRUPT
            5 or 6 => $"{path}: results database is locked by another program, still after waiting {waited.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s ({sqlite}){afterwards}; wait for the other wpt (or sqlite3) to finish, or {elsewhere}.", // SQLITE_BUSY, SQLITE_LOCKED
            8 => $"{path}: results database is read-only ({sqlite}){afterwards}; make it and its directory writable, or {elsewhere}.", // SQLITE_READONLY
            13 => $"{path}: results database cannot grow, the disk is full ({sqlite}){afterwards}; free some space, or {elsewhere}.", // SQLITE_FULL
            14 => $"{path}: results database cannot be opened ({sqlite}){afterwards}; check that its directory exists and is writable, or {elsewhere}.", // SQLITE_CANTOPEN
            _ => $"{path}: results database failed ({sqlite}){afterwards}; if the file is damaged, move it aside, or {elsewhere}.",
        };
    }

    private static void RefuseNonSqlite(string path)
    {
        if (Directory.Exists(path))
        {
            throw new ResultStoreException($"{path}: is a directory, not a results database; pass --db {System.IO.Path.Combine(path, "results.db")} (a file) instead.");
        }

        if (!File.Exists(path) || new FileInfo(path).Length == 0)
        {
            return;
        }

        var header = new byte[SqliteHeader.Length];
        using (var stream = File.OpenRead(path))
        {
            if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length && header.AsSpan().SequenceEqual(SqliteHeader))
            {
                return;
            }
        }

        throw new ResultStoreException($"{path}: results database is not a SQLite database (damaged, or another file); move it aside, or pass --db PATH to use another database.");
    }

    /// <summary>
    /// Each step in its own write transaction (BEGIN IMMEDIATE), re-reading the version inside it: a second wpt opening the
    /// same file at the same moment waits, then finds the step done instead of applying it twice.
    /// </summary>
    private void Migrate()
    {
        while (true)
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            var version = UserVersion();
            if (version >= SchemaVersion)
            {
                return;
            }

            _connection.Execute(Migrations[version]);
            if (AfterMigration.TryGetValue(version + 1, out var after))
            {
                after(this);
            }

            _connection.Execute($"PRAGMA user_version = {version + 1};");
            transaction.Commit();
        }
    }

    /// <summary>
    /// v6: each old row's subject and idempotency key from its content, as a record saved now would get them. Two rows with the same
    /// content (the same run saved twice before wpt kept keys) both stay; the later one's key gets its id appended, so the key stays unique.
    /// </summary>
    private void BackfillSubjectsAndKeys()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stored in Query("ORDER BY id", [], int.MaxValue, withSamples: false, ordered: false))
        {
            var subject = stored.Record.Subject;
            var key = stored.Record.IdempotencyKey;
            if (!seen.Add(key))
            {
                key = string.Create(CultureInfo.InvariantCulture, $"{key}#{stored.Id}");
            }

            using var update = _connection.Command("UPDATE measurements SET device = $device, platform = $platform, model = $model, weights = $weights, runtime = $runtime, unit = $unit, idempotency_key = $key WHERE id = $id;");
            update.Parameters.AddWithValue("$device", subject.Device);
            update.Parameters.AddWithValue("$platform", (object?)subject.Platform ?? DBNull.Value);
            update.Parameters.AddWithValue("$model", (object?)subject.Model ?? DBNull.Value);
            update.Parameters.AddWithValue("$weights", (object?)subject.Weights ?? DBNull.Value);
            update.Parameters.AddWithValue("$runtime", (object?)subject.Runtime ?? DBNull.Value);
            update.Parameters.AddWithValue("$unit", (object?)subject.Unit ?? DBNull.Value);
            update.Parameters.AddWithValue("$key", key);
            update.Parameters.AddWithValue("$id", stored.Id);
            update.ExecuteNonQuery();
        }

        _connection.Execute(
            """
            CREATE UNIQUE INDEX measurements_by_idempotency_key ON measurements(idempotency_key);
            CREATE INDEX measurements_by_time ON measurements(started_at DESC, id DESC);
            CREATE INDEX measurements_by_device ON measurements(device, started_at DESC);
            CREATE INDEX measurements_by_platform ON measurements(platform, started_at DESC) WHERE platform IS NOT NULL;
            CREATE INDEX measurements_by_model ON measurements(model, started_at DESC) WHERE model IS NOT NULL;
            """);
    }

    private int UserVersion() => Convert.ToInt32(_connection.Scalar("PRAGMA user_version;"), CultureInfo.InvariantCulture);

    private const string RowColumns = "id, kind, started_at, duration_seconds, fingerprint_json, model_name, model_sha256, parameters_json, notes, wpt_version, status, run_group, wpt_commit, catalog_sha256, verdict_json, manifest_json, device, platform, model, weights, runtime, unit, idempotency_key";

    private List<StoredMeasurement> Query(string where, IReadOnlyList<(string Name, object Value)> parameters, int limit, bool withSamples = true, bool ordered = true) =>
        Read($"SELECT {RowColumns} FROM measurements {where}{(ordered ? " ORDER BY started_at DESC, id DESC" : string.Empty)} LIMIT $limit;", [.. parameters, ("$limit", limit)], withSamples);

    /// <summary>The rows <paramref name="sql"/> selects (<see cref="RowColumns"/>, in its order) with their metrics and, when asked, their samples: three queries however many rows.</summary>
    private List<StoredMeasurement> Read(string sql, IReadOnlyList<(string Name, object Value)> parameters, bool withSamples)
    {
        var rows = new List<(long Id, MeasurementRecord Record, string? WptVersion, string? WptCommit, string? CatalogSha256)>();
        using (var select = _connection.Command(sql))
        {
            foreach (var (name, value) in parameters)
            {
                select.Parameters.AddWithValue(name, value);
            }

            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var id = reader.GetInt64(0);
                var record = new MeasurementRecord(
                    KindOf(id, reader.GetString(1)),
                    DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                    TimeSpan.FromSeconds(reader.GetDouble(3)),
                    JsonSerializer.Deserialize<PlatformFingerprint>(reader.GetString(4), Json)!,
                    reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6),
                    JsonSerializer.Deserialize<SortedDictionary<string, string>>(reader.GetString(7), Json)!,
                    [],
                    [],
                    reader.IsDBNull(8) ? null : reader.GetString(8))
                {
                    Status = StatusOf(id, reader.GetString(10)),
                    RunGroup = reader.IsDBNull(11) ? null : reader.GetString(11),
                    Verdict = reader.IsDBNull(14) ? null : JsonSerializer.Deserialize<RunVerdict>(reader.GetString(14), Json),
                    Manifest = reader.IsDBNull(15) ? null : JsonSerializer.Deserialize<RunManifest>(reader.GetString(15), Json),
                };
                string? Text(int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

                // Rows not yet backfilled (only while migrating to v6) derive both from their content.
                if (Text(16) is { } device)
                {
                    record = record with { Subject = new ResultSubject(device, Text(17), Text(18), Text(19), Text(20), Text(21)) };
                }

                if (Text(22) is { } key)
                {
                    record = record with { IdempotencyKey = key };
                }
                rows.Add((id, record, reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(12) ? null : reader.GetString(12), reader.IsDBNull(13) ? null : reader.GetString(13)));
            }
        }

        if (rows.Count == 0)
        {
            return [];
        }

        var ids = JsonSerializer.Serialize(rows.Select(r => r.Id), Json);
        var metrics = MetricsOf(ids);
        var samples = withSamples ? SamplesOf(ids) : [];
        return rows.Select(r => new StoredMeasurement(r.Id, r.Record with { Metrics = metrics.GetValueOrDefault(r.Id) ?? [], Samples = samples.GetValueOrDefault(r.Id) ?? [] }) { WptVersion = r.WptVersion, WptCommit = r.WptCommit, CatalogSha256 = r.CatalogSha256 }).ToList();
    }

    private RunStatus StatusOf(long id, string text) =>
        Enum.TryParse<RunStatus>(text, ignoreCase: true, out var status) && Enum.IsDefined(status) && !char.IsDigit(text[0])
            ? status
            : throw new ResultStoreException($"{Path}: result {id} has status '{text}', which this wpt does not know; upgrade wpt, or pass --db PATH to use another database.");

    private MeasurementKind KindOf(long id, string text) =>
        Enum.TryParse<MeasurementKind>(text, out var kind) && Enum.IsDefined(kind)
            ? kind
            : throw new ResultStoreException($"{Path}: result {id} is of kind '{text}', which this wpt does not know; upgrade wpt, or pass --db PATH to use another database.");

    // The ids as one JSON array parameter (json_each): one query for any number of records, never one per record.
    private Dictionary<long, List<Metric>> MetricsOf(string idsJson)
    {
        using var select = _connection.Command("SELECT measurement_id, name, value, unit FROM metrics WHERE measurement_id IN (SELECT value FROM json_each($ids)) ORDER BY measurement_id, ordinal;");
        select.Parameters.AddWithValue("$ids", idsJson);
        using var reader = select.ExecuteReader();
        var metrics = new Dictionary<long, List<Metric>>();
        while (reader.Read())
        {
            ListOf(metrics, reader.GetInt64(0)).Add(new Metric(reader.GetString(1), reader.GetDouble(2), reader.GetString(3)));
        }

        return metrics;
    }

    private Dictionary<long, List<SampleSeries>> SamplesOf(string idsJson)
    {
        using var select = _connection.Command("SELECT measurement_id, name, unit, values_le_f64, seconds_le_f64 FROM samples WHERE measurement_id IN (SELECT value FROM json_each($ids)) ORDER BY measurement_id, ordinal;");
        select.Parameters.AddWithValue("$ids", idsJson);
        using var reader = select.ExecuteReader();
        var series = new Dictionary<long, List<SampleSeries>>();
        while (reader.Read())
        {
            ListOf(series, reader.GetInt64(0)).Add(new SampleSeries(reader.GetString(1), reader.GetString(2), ResultStorage.Unpack((byte[])reader[3]), reader.IsDBNull(4) ? null : ResultStorage.Unpack((byte[])reader[4])));
        }

        return series;
    }

    private static List<T> ListOf<T>(Dictionary<long, List<T>> lists, long id)
    {
        if (!lists.TryGetValue(id, out var list))
        {
            list = [];
            lists[id] = list;
        }

        return list;
    }
}
