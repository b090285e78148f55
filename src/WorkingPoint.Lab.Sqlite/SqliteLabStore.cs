using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using WorkingPoint.Core;
using WorkingPoint.Core.Versioning;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;
using WorkingPoint.Results.Sqlite;

namespace WorkingPoint.Lab.Sqlite;

/// <summary>
/// The lab's store in one SQLite file, for a lab on one machine (<c>wpt serve</c> without a PostgreSQL connection string): the results
/// through <see cref="SqliteResultStore"/> (the same file <c>wpt results</c> reads), plus devices, jobs and tokens in lab_* tables with
/// their own numbered migrations. Every write that reads first (a claim) runs under BEGIN IMMEDIATE, so two processes on the file
/// never claim the same job; within a process, calls take turns on the one connection.
/// </summary>
public sealed class SqliteLabStore : ILabStore
{
    /// <summary>The lab tables' schema version this code writes; <see cref="Migrations"/>[v-1] takes them from v-1 to v.</summary>
    public const int SchemaVersion = 2;

    private const string JobColumns = "id, spec_json, device_id, state, submitted_by, submitted_ticks, lease_expires_ticks, attempts, result_ids_json, message";
    private const string DeviceColumns = "id, name, platform, labels_json, fingerprint_json, capabilities_json, registered_ticks, last_seen_ticks";
    private const string LapsedMessage = "lease lapsed; returned to the queue";

    private static readonly (string Description, string Sql)[] Migrations =
    [
        ("devices, jobs and tokens",
        """
        CREATE TABLE lab_devices (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            platform TEXT,
            labels_json TEXT NOT NULL,
            fingerprint_json TEXT NOT NULL,
            capabilities_json TEXT NOT NULL,
            registered_ticks INTEGER NOT NULL,
            last_seen_ticks INTEGER NOT NULL);
        CREATE TABLE lab_jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            spec_json TEXT NOT NULL,
            device_id TEXT NOT NULL REFERENCES lab_devices(id),
            state TEXT NOT NULL,
            submitted_by TEXT NOT NULL,
            submitted_ticks INTEGER NOT NULL,
            lease_expires_ticks INTEGER,
            attempts INTEGER NOT NULL DEFAULT 0,
            result_ids_json TEXT NOT NULL DEFAULT '[]',
            message TEXT);
        CREATE INDEX lab_jobs_queued ON lab_jobs(device_id, id) WHERE state = 'queued';
        CREATE INDEX lab_jobs_running ON lab_jobs(lease_expires_ticks) WHERE state = 'running';
        CREATE INDEX lab_jobs_by_device ON lab_jobs(device_id, id DESC);
        CREATE TABLE lab_tokens (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            secret_sha256 BLOB NOT NULL UNIQUE,
            device_id TEXT,
            created_ticks INTEGER NOT NULL,
            revoked_ticks INTEGER);
        """),

        // The newest result per kind and subject (the dashboard's matrix and use cases: SqliteResultStore.LatestPerSubject): with it the
        // subjects are found by skipping through the index and each one's newest result by one probe, status included, reading no row
        // it does not return; without it every visit sorted all results (seconds at 100,000). The index is the lab's: a plain results
        // database (wpt results) never asks for the newest per subject. IF NOT EXISTS: a results schema that gains it later.
        ("an index for the newest result per subject",
        $"""
        CREATE INDEX IF NOT EXISTS {SqliteResultStore.LatestPerSubjectIndex}
            ON measurements (kind, device, platform, model, weights, runtime, unit, started_at DESC, id DESC, status);
        """),
    ];

    private readonly SqliteResultStore _results;
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    private SqliteLabStore(string path, SqliteResultStore results, SqliteConnection connection)
    {
        Path = path;
        _results = results;
        _connection = connection;
    }

    public string Path { get; }

    public IResultStore Results => _results;

    /// <summary>Opens (or creates) the lab file: the results schema first (migrated by <see cref="SqliteResultStore"/>), then the lab tables.</summary>
    /// <param name="path">The database file; a wpt results database is taken as it is and gains the lab tables.</param>
    /// <param name="writer">The wpt build, recorded with every saved result.</param>
    /// <param name="lockWait">How long a call waits for another process's lock on the file.</param>
    public static SqliteLabStore Open(string path, WptProvenance writer, TimeSpan? lockWait = null)
    {
        var wait = lockWait ?? SqliteResultStore.DefaultLockWait;
        var results = new SqliteResultStore(path, writer, wait);
        SqliteConnection? connection = null;
        try
        {
            connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) }.ToString());
            connection.Open();
            var store = new SqliteLabStore(path, results, connection);
            store.Guard(() =>
            {
                connection.Execute($"PRAGMA busy_timeout = {(long)wait.TotalMilliseconds}; PRAGMA foreign_keys = ON;");
                store.Migrate();
                return 0;
            });
            return store;
        }
        catch
        {
            connection?.Dispose();
            results.Dispose();
            throw;
        }
    }

    /// <summary>The lab tables' schema version in the open file.</summary>
    public int OpenSchemaVersion => Guard(() => Convert.ToInt32(_connection.Scalar("SELECT coalesce(max(version), 0) FROM lab_schema_migrations;"), CultureInfo.InvariantCulture));

    public ValueTask DisposeAsync()
    {
        _connection.Dispose();
        _results.Dispose();
        return ValueTask.CompletedTask;
    }

    public Task<LabDevice> RegisterDeviceAsync(LabDevice device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        return Task.FromResult(Guard(() =>
        {
            using var upsert = _connection.Command(
                $"""
                INSERT INTO lab_devices (id, name, platform, labels_json, fingerprint_json, capabilities_json, registered_ticks, last_seen_ticks)
                VALUES ($id, $name, $platform, $labels, $fingerprint, $capabilities, $registered, $seen)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, platform = excluded.platform, labels_json = excluded.labels_json,
                    fingerprint_json = excluded.fingerprint_json, capabilities_json = excluded.capabilities_json, last_seen_ticks = excluded.last_seen_ticks
                RETURNING {DeviceColumns};
                """);
            upsert.Parameters.AddWithValue("$id", device.Id);
            upsert.Parameters.AddWithValue("$name", device.Name);
            upsert.Parameters.AddWithValue("$platform", (object?)device.Platform ?? DBNull.Value);
            upsert.Parameters.AddWithValue("$labels", JsonSerializer.Serialize(device.Labels, ResultJson.Options));
            upsert.Parameters.AddWithValue("$fingerprint", JsonSerializer.Serialize(device.Fingerprint, ResultJson.Options));
            upsert.Parameters.AddWithValue("$capabilities", JsonSerializer.Serialize(device.Capabilities, ResultJson.Options));
            upsert.Parameters.AddWithValue("$registered", device.RegisteredAt.UtcTicks);
            upsert.Parameters.AddWithValue("$seen", device.LastSeenAt.UtcTicks);
            return ReadDevices(upsert).Single();
        }));
    }

    public Task<LabDevice?> FindDeviceAsync(string deviceId, CancellationToken cancellationToken = default) => Task.FromResult(Guard(() =>
    {
        using var select = _connection.Command($"SELECT {DeviceColumns} FROM lab_devices WHERE id = $id;");
        select.Parameters.AddWithValue("$id", deviceId);
        return ReadDevices(select).SingleOrDefault();
    }));

    public Task<IReadOnlyList<LabDevice>> ListDevicesAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<LabDevice>>(Guard(() =>
    {
        using var select = _connection.Command($"SELECT {DeviceColumns} FROM lab_devices ORDER BY name, id;");
        return ReadDevices(select);
    }));

    public Task TouchDeviceAsync(string deviceId, DateTimeOffset now, CancellationToken cancellationToken = default) => Task.FromResult(Guard(() =>
    {
        using var update = _connection.Command("UPDATE lab_devices SET last_seen_ticks = $now WHERE id = $id;");
        update.Parameters.AddWithValue("$id", deviceId);
        update.Parameters.AddWithValue("$now", now.UtcTicks);
        return update.ExecuteNonQuery();
    }));

    public Task<IReadOnlyList<LabJob>> SubmitAsync(BenchmarkJob spec, JobTarget target, string submittedBy, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(target);
        return Task.FromResult<IReadOnlyList<LabJob>>(Guard(() =>
        {
            using var insert = _connection.Command(
                $"""
                INSERT INTO lab_jobs (spec_json, device_id, state, submitted_by, submitted_ticks)
                SELECT $spec, d.id, 'queued', $by, $now FROM lab_devices d
                WHERE ($device IS NOT NULL AND d.id = $device)
                   OR ($device IS NULL AND EXISTS (SELECT 1 FROM json_each(d.labels_json) WHERE json_each.value = $label))
                ORDER BY d.name, d.id
                RETURNING {JobColumns};
                """);
            insert.Parameters.AddWithValue("$spec", JsonSerializer.Serialize(spec, ResultJson.Options));
            insert.Parameters.AddWithValue("$by", submittedBy);
            insert.Parameters.AddWithValue("$now", now.UtcTicks);
            insert.Parameters.AddWithValue("$device", (object?)target.DeviceId ?? DBNull.Value);
            insert.Parameters.AddWithValue("$label", (object?)target.Label ?? DBNull.Value);
            return ReadJobs(insert).OrderBy(j => j.Id).ToList();
        }));
    }

    public Task<LabJob?> FindJobAsync(long jobId, CancellationToken cancellationToken = default) => Task.FromResult(Guard(() =>
    {
        using var select = _connection.Command($"SELECT {JobColumns} FROM lab_jobs WHERE id = $id;");
        select.Parameters.AddWithValue("$id", jobId);
        return ReadJobs(select).SingleOrDefault();
    }));

    public Task<IReadOnlyList<LabJob>> ListJobsAsync(string? deviceId = null, JobState? state = null, int limit = 100, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<LabJob>>(Guard(() =>
        {
            using var select = _connection.Command($"SELECT {JobColumns} FROM lab_jobs WHERE ($device IS NULL OR device_id = $device) AND ($state IS NULL OR state = $state) ORDER BY id DESC LIMIT $limit;");
            select.Parameters.AddWithValue("$device", (object?)deviceId ?? DBNull.Value);
            select.Parameters.AddWithValue("$state", state is { } s ? LabTokens.NameOf(s) : DBNull.Value);
            select.Parameters.AddWithValue("$limit", Math.Max(0, limit));
            return ReadJobs(select);
        }));

    public Task<bool> CancelAsync(long jobId, string reason, CancellationToken cancellationToken = default) => Task.FromResult(Guard(() =>
    {
        using var update = _connection.Command("UPDATE lab_jobs SET state = 'cancelled', lease_expires_ticks = NULL, message = $reason WHERE id = $id AND state IN ('queued', 'running');");
        update.Parameters.AddWithValue("$id", jobId);
        update.Parameters.AddWithValue("$reason", reason);
        return update.ExecuteNonQuery() == 1;
    }));

    public Task<LabJob?> ClaimAsync(string deviceId, TimeSpan lease, DateTimeOffset now, CancellationToken cancellationToken = default) => Task.FromResult(Guard(() =>
    {
        // BEGIN IMMEDIATE takes the file's write lock before reading, so another process's claim waits for this one to commit.
        using var transaction = _connection.BeginTransaction(deferred: false);
        RequeueLapsed(now, deviceId);
        using var claim = _connection.Command(
            $"""
            UPDATE lab_jobs SET state = 'running', lease_expires_ticks = $expires, attempts = attempts + 1
            WHERE id = (SELECT id FROM lab_jobs WHERE device_id = $device AND state = 'queued' ORDER BY id LIMIT 1)
            RETURNING {JobColumns};
            """);
        claim.Parameters.AddWithValue("$device", deviceId);
        claim.Parameters.AddWithValue("$expires", (now + lease).UtcTicks);
        var job = ReadJobs(claim).SingleOrDefault();
        transaction.Commit();
        return job;
    }));

    public Task<bool> RenewLeaseAsync(long jobId, string deviceId, TimeSpan lease, DateTimeOffset now, string? progress, CancellationToken cancellationToken = default) =>
        Task.FromResult(Guard(() =>
        {
            using var update = _connection.Command("UPDATE lab_jobs SET lease_expires_ticks = $expires, message = $progress WHERE id = $id AND device_id = $device AND state = 'running';");
            update.Parameters.AddWithValue("$id", jobId);
            update.Parameters.AddWithValue("$device", deviceId);
            update.Parameters.AddWithValue("$expires", (now + lease).UtcTicks);
            update.Parameters.AddWithValue("$progress", (object?)progress ?? DBNull.Value);
            return update.ExecuteNonQuery() == 1;
        }));

    public Task<bool> FinishAsync(long jobId, string deviceId, JobState outcome, IReadOnlyList<long> resultIds, string? message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resultIds);
        if (outcome is not (JobState.Succeeded or JobState.Failed))
        {
            throw new InvalidInputException($"A job finishes as Succeeded or Failed, not {outcome}; send one of those.");
        }

        return Task.FromResult(Guard(() =>
        {
            using var update = _connection.Command("UPDATE lab_jobs SET state = $outcome, lease_expires_ticks = NULL, result_ids_json = $results, message = $message WHERE id = $id AND device_id = $device AND state = 'running';");
            update.Parameters.AddWithValue("$id", jobId);
            update.Parameters.AddWithValue("$device", deviceId);
            update.Parameters.AddWithValue("$outcome", LabTokens.NameOf(outcome));
            update.Parameters.AddWithValue("$results", JsonSerializer.Serialize(resultIds, ResultJson.Options));
            update.Parameters.AddWithValue("$message", (object?)message ?? DBNull.Value);
            return update.ExecuteNonQuery() == 1;
        }));
    }

    public Task<int> RequeueLapsedAsync(DateTimeOffset now, CancellationToken cancellationToken = default) => Task.FromResult(Guard(() => RequeueLapsed(now, deviceId: null)));

    public Task<(LabPrincipal Principal, string Secret)> CreateTokenAsync(string name, TokenRole role, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var secret = LabTokens.NewSecret();
        return Task.FromResult(Guard(() =>
        {
            using var insert = _connection.Command("INSERT INTO lab_tokens (name, role, secret_sha256, created_ticks) VALUES ($name, $role, $hash, $now) RETURNING id;");
            insert.Parameters.AddWithValue("$name", name);
            insert.Parameters.AddWithValue("$role", LabTokens.NameOf(role));
            insert.Parameters.AddWithValue("$hash", LabTokens.HashOf(secret));
            insert.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.UtcTicks);
            var id = (long)insert.ExecuteScalar()!;
            return (new LabPrincipal(id, name, role, null), secret);
        }));
    }

    public Task<LabPrincipal?> VerifyTokenAsync(string secret, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Task.FromResult(Guard(() =>
        {
            using var select = _connection.Command("SELECT id, name, role, device_id FROM lab_tokens WHERE secret_sha256 = $hash AND revoked_ticks IS NULL;");
            select.Parameters.AddWithValue("$hash", LabTokens.HashOf(secret));
            using var reader = select.ExecuteReader();
            return reader.Read()
                ? new LabPrincipal(reader.GetInt64(0), reader.GetString(1), Enum.Parse<TokenRole>(reader.GetString(2), ignoreCase: true), reader.IsDBNull(3) ? null : reader.GetString(3))
                : null;
        }));
    }

    public Task BindAgentTokenAsync(long tokenId, string deviceId, CancellationToken cancellationToken = default) => Task.FromResult(Guard(() =>
    {
        // Only an unbound agent token binds: once bound, it speaks for that device and no other.
        using var update = _connection.Command("UPDATE lab_tokens SET device_id = $device WHERE id = $id AND role = 'agent' AND device_id IS NULL;");
        update.Parameters.AddWithValue("$id", tokenId);
        update.Parameters.AddWithValue("$device", deviceId);
        return update.ExecuteNonQuery();
    }));

    public Task<bool> RevokeTokenAsync(long tokenId, CancellationToken cancellationToken = default) => Task.FromResult(Guard(() =>
    {
        using var update = _connection.Command("UPDATE lab_tokens SET revoked_ticks = $now WHERE id = $id AND revoked_ticks IS NULL;");
        update.Parameters.AddWithValue("$id", tokenId);
        update.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.UtcTicks);
        return update.ExecuteNonQuery() == 1;
    }));

    private int RequeueLapsed(DateTimeOffset now, string? deviceId)
    {
        using var requeue = _connection.Command("UPDATE lab_jobs SET state = 'queued', lease_expires_ticks = NULL, message = $message WHERE state = 'running' AND lease_expires_ticks < $now AND ($device IS NULL OR device_id = $device);");
        requeue.Parameters.AddWithValue("$now", now.UtcTicks);
        requeue.Parameters.AddWithValue("$device", (object?)deviceId ?? DBNull.Value);
        requeue.Parameters.AddWithValue("$message", LapsedMessage);
        return requeue.ExecuteNonQuery();
    }

    /// <summary>The lab tables' steps, each in its own BEGIN IMMEDIATE transaction that re-reads the version: two servers opening the file at once apply each step once.</summary>
    private void Migrate()
    {
        _connection.Execute("CREATE TABLE IF NOT EXISTS lab_schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_ticks INTEGER NOT NULL);");
        while (true)
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            var version = Convert.ToInt32(_connection.Scalar("SELECT coalesce(max(version), 0) FROM lab_schema_migrations;"), CultureInfo.InvariantCulture);
            if (version > SchemaVersion)
            {
                throw new ResultStoreException($"{Path}: lab database has lab schema version {version}, newer than this wpt understands ({SchemaVersion}); upgrade wpt, or serve another database file.");
            }

            if (version == SchemaVersion)
            {
                return;
            }

            var (description, sql) = Migrations[version];
            _connection.Execute(sql);
            using var record = _connection.Command("INSERT INTO lab_schema_migrations (version, description, applied_ticks) VALUES ($version, $description, $now);");
            record.Parameters.AddWithValue("$version", version + 1);
            record.Parameters.AddWithValue("$description", description);
            record.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.UtcTicks);
            record.ExecuteNonQuery();
            transaction.Commit();
        }
    }

    /// <summary>One call at a time on the connection; SQLite failures become one line naming the file and the fix.</summary>
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
            var what = ex.SqliteErrorCode switch
            {
                5 or 6 => "is locked by another program",
                8 => "is read-only",
                13 => "cannot grow, the disk is full",
                11 or 26 => "is damaged",
                _ => "failed",
            };
            throw new ResultStoreException($"{Path}: lab database {what} ({ex.Message.TrimEnd('.')}); nothing was changed by this operation; fix the file or its disk, or serve another database file.", ex);
        }
    }

    private static List<LabDevice> ReadDevices(SqliteCommand command)
    {
        var devices = new List<LabDevice>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            devices.Add(new LabDevice(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                JsonSerializer.Deserialize<string[]>(reader.GetString(3), ResultJson.Options)!,
                JsonSerializer.Deserialize<PlatformFingerprint>(reader.GetString(4), ResultJson.Options)!,
                JsonSerializer.Deserialize<DeviceCapabilities>(reader.GetString(5), ResultJson.Options)!,
                new DateTimeOffset(reader.GetInt64(6), TimeSpan.Zero),
                new DateTimeOffset(reader.GetInt64(7), TimeSpan.Zero)));
        }

        return devices;
    }

    private static List<LabJob> ReadJobs(SqliteCommand command)
    {
        var jobs = new List<LabJob>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            jobs.Add(new LabJob(
                reader.GetInt64(0),
                JsonSerializer.Deserialize<BenchmarkJob>(reader.GetString(1), ResultJson.Options)!,
                reader.GetString(2),
                Enum.Parse<JobState>(reader.GetString(3), ignoreCase: true),
                reader.GetString(4),
                new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero),
                reader.IsDBNull(6) ? null : new DateTimeOffset(reader.GetInt64(6), TimeSpan.Zero),
                reader.GetInt32(7),
                JsonSerializer.Deserialize<long[]>(reader.GetString(8), ResultJson.Options)!,
                reader.IsDBNull(9) ? null : reader.GetString(9)));
        }

        return jobs;
    }
}
