using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using WorkingPoint.Core;
using WorkingPoint.Core.Versioning;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;

namespace WorkingPoint.Lab.Postgres;

/// <summary>
/// The lab's store on PostgreSQL, for a team's server: results, devices, the job queue and tokens in one database. Claims use
/// <c>FOR UPDATE SKIP LOCKED</c>, so any number of server processes can share the queue; token secrets are kept only as SHA-256 hashes.
/// Every SQL statement takes its values as parameters.
/// </summary>
public sealed class PostgresLabStore : ILabStore
{
    private const string JobColumns = "id, spec::text, device_id, state, submitted_by, submitted_at, lease_expires_at, attempts, result_ids, message";
    private const string DeviceColumns = "id, name, platform, labels, fingerprint::text, capabilities::text, registered_at, last_seen_at";
    private const string LapsedMessage = "lease lapsed; returned to the queue";

    private readonly PostgresDatabase _database;
    private readonly PostgresResultStore _results;

    private PostgresLabStore(PostgresDatabase database, WptProvenance writer)
    {
        _database = database;
        _results = new PostgresResultStore(database, writer);
    }

    /// <summary>Connects to the database the connection string names and brings its schema up to date (creating it on first use).</summary>
    /// <param name="connectionString">An Npgsql connection string, e.g. <c>Host=db;Database=wpt_lab;Username=wpt;Password=…</c>.</param>
    /// <param name="writer">The wpt build, recorded with every saved result.</param>
    public static async Task<PostgresLabStore> OpenAsync(string connectionString, WptProvenance writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var database = await PostgresDatabase.OpenAsync(connectionString, cancellationToken).ConfigureAwait(false);
        return new PostgresLabStore(database, writer);
    }

    /// <summary>The lab schema version this code writes.</summary>
    public static int SchemaVersion => PostgresDatabase.SchemaVersion;

    public IResultStore Results => _results;

    /// <summary>What errors name: the database, host and user (never the password).</summary>
    public string Description => _database.Description;

    /// <summary>The schema version recorded in the open database.</summary>
    public Task<int> OpenSchemaVersionAsync(CancellationToken cancellationToken = default) => _database.SchemaVersionAsync(cancellationToken);

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    public Task<LabDevice> RegisterDeviceAsync(LabDevice device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        return _database.RunAsync(async connection =>
        {
            await using var upsert = new NpgsqlCommand(
                $"""
                INSERT INTO devices (id, name, platform, labels, fingerprint, capabilities, registered_at, last_seen_at)
                VALUES (@id, @name, @platform, @labels, @fingerprint, @capabilities, @registered_at, @last_seen_at)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, platform = excluded.platform, labels = excluded.labels,
                    fingerprint = excluded.fingerprint, capabilities = excluded.capabilities, last_seen_at = excluded.last_seen_at
                RETURNING {DeviceColumns};
                """,
                connection);
            upsert.Parameters.AddWithValue("id", device.Id);
            upsert.Parameters.AddWithValue("name", device.Name);
            upsert.Parameters.AddWithValue("platform", NpgsqlDbType.Text, (object?)device.Platform ?? DBNull.Value);
            upsert.Parameters.AddWithValue("labels", device.Labels.ToArray());
            upsert.Parameters.AddWithValue("fingerprint", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(device.Fingerprint, ResultJson.Options));
            upsert.Parameters.AddWithValue("capabilities", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(device.Capabilities, ResultJson.Options));
            upsert.Parameters.AddWithValue("registered_at", device.RegisteredAt.ToUniversalTime());
            upsert.Parameters.AddWithValue("last_seen_at", device.LastSeenAt.ToUniversalTime());
            return (await ReadDevicesAsync(upsert, cancellationToken).ConfigureAwait(false)).Single();
        }, cancellationToken);
    }

    public Task<LabDevice?> FindDeviceAsync(string deviceId, CancellationToken cancellationToken = default) => _database.RunAsync(async connection =>
    {
        await using var select = new NpgsqlCommand($"SELECT {DeviceColumns} FROM devices WHERE id = @id;", connection);
        select.Parameters.AddWithValue("id", deviceId);
        return (await ReadDevicesAsync(select, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }, cancellationToken);

    public Task<IReadOnlyList<LabDevice>> ListDevicesAsync(CancellationToken cancellationToken = default) => _database.RunAsync<IReadOnlyList<LabDevice>>(async connection =>
    {
        await using var select = new NpgsqlCommand($"SELECT {DeviceColumns} FROM devices ORDER BY name COLLATE \"C\", id;", connection);
        return await ReadDevicesAsync(select, cancellationToken).ConfigureAwait(false);
    }, cancellationToken);

    public Task TouchDeviceAsync(string deviceId, DateTimeOffset now, CancellationToken cancellationToken = default) => _database.RunAsync(async connection =>
    {
        await using var update = new NpgsqlCommand("UPDATE devices SET last_seen_at = @now WHERE id = @id;", connection);
        update.Parameters.AddWithValue("id", deviceId);
        update.Parameters.AddWithValue("now", now.ToUniversalTime());
        return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }, cancellationToken);

    public Task<IReadOnlyList<LabJob>> SubmitAsync(BenchmarkJob spec, JobTarget target, string submittedBy, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(target);
        return _database.RunAsync<IReadOnlyList<LabJob>>(async connection =>
        {
            // One statement: a job for each device the target names, in the order the devices registered their names.
            await using var insert = new NpgsqlCommand(
                $"""
                INSERT INTO jobs (spec, device_id, state, submitted_by, submitted_at)
                SELECT @spec, d.id, @state, @submitted_by, @now FROM devices d
                WHERE (@device::text IS NOT NULL AND d.id = @device) OR (@device::text IS NULL AND @label = ANY(d.labels))
                ORDER BY d.name COLLATE "C", d.id
                RETURNING {JobColumns};
                """,
                connection);
            insert.Parameters.AddWithValue("spec", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(spec, ResultJson.Options));
            insert.Parameters.AddWithValue("state", LabTokens.NameOf(JobState.Queued));
            insert.Parameters.AddWithValue("submitted_by", submittedBy);
            insert.Parameters.AddWithValue("now", now.ToUniversalTime());
            insert.Parameters.AddWithValue("device", NpgsqlDbType.Text, (object?)target.DeviceId ?? DBNull.Value);
            insert.Parameters.AddWithValue("label", NpgsqlDbType.Text, (object?)target.Label ?? DBNull.Value);
            return [.. (await ReadJobsAsync(insert, cancellationToken).ConfigureAwait(false)).OrderBy(j => j.Id)];
        }, cancellationToken);
    }

    public Task<LabJob?> FindJobAsync(long jobId, CancellationToken cancellationToken = default) => _database.RunAsync(async connection =>
    {
        await using var select = new NpgsqlCommand($"SELECT {JobColumns} FROM jobs WHERE id = @id;", connection);
        select.Parameters.AddWithValue("id", jobId);
        return (await ReadJobsAsync(select, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }, cancellationToken);

    public Task<IReadOnlyList<LabJob>> ListJobsAsync(string? deviceId = null, JobState? state = null, int limit = 100, CancellationToken cancellationToken = default) =>
        _database.RunAsync<IReadOnlyList<LabJob>>(async connection =>
        {
            await using var select = new NpgsqlCommand(
                $"SELECT {JobColumns} FROM jobs WHERE (@device::text IS NULL OR device_id = @device) AND (@state::text IS NULL OR state = @state) ORDER BY id DESC LIMIT @limit;",
                connection);
            select.Parameters.AddWithValue("device", NpgsqlDbType.Text, (object?)deviceId ?? DBNull.Value);
            select.Parameters.AddWithValue("state", NpgsqlDbType.Text, state is { } s ? LabTokens.NameOf(s) : DBNull.Value);
            select.Parameters.AddWithValue("limit", (long)Math.Max(0, limit));
            return await ReadJobsAsync(select, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<bool> CancelAsync(long jobId, string reason, CancellationToken cancellationToken = default) => _database.RunAsync(async connection =>
    {
        await using var update = new NpgsqlCommand(
            "UPDATE jobs SET state = 'cancelled', lease_expires_at = NULL, message = @reason WHERE id = @id AND state IN ('queued', 'running');",
            connection);
        update.Parameters.AddWithValue("id", jobId);
        update.Parameters.AddWithValue("reason", reason);
        return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }, cancellationToken);

    public Task<LabJob?> ClaimAsync(string deviceId, TimeSpan lease, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        _database.InTransactionAsync(async (connection, transaction) =>
        {
            await RequeueLapsedAsync(connection, transaction, now, deviceId, cancellationToken).ConfigureAwait(false);

            // The oldest queued job no other transaction holds: a racing claimer skips the row this one locked instead of waiting
            // for it, and the re-checked state = 'queued' keeps a job claimed and committed meanwhile from being taken twice.
            await using var claim = new NpgsqlCommand(
                $"""
                UPDATE jobs SET state = 'running', lease_expires_at = @expires, attempts = attempts + 1
                WHERE id = (SELECT id FROM jobs WHERE device_id = @device AND state = 'queued' ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
                  AND state = 'queued'
                RETURNING {JobColumns};
                """,
                connection,
                transaction);
            claim.Parameters.AddWithValue("device", deviceId);
            claim.Parameters.AddWithValue("expires", (now + lease).ToUniversalTime());
            return (await ReadJobsAsync(claim, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
        }, cancellationToken);

    public Task<bool> RenewLeaseAsync(long jobId, string deviceId, TimeSpan lease, DateTimeOffset now, string? progress, CancellationToken cancellationToken = default) =>
        _database.RunAsync(async connection =>
        {
            await using var update = new NpgsqlCommand(
                "UPDATE jobs SET lease_expires_at = @expires, message = @progress WHERE id = @id AND device_id = @device AND state = 'running';",
                connection);
            update.Parameters.AddWithValue("id", jobId);
            update.Parameters.AddWithValue("device", deviceId);
            update.Parameters.AddWithValue("expires", (now + lease).ToUniversalTime());
            update.Parameters.AddWithValue("progress", NpgsqlDbType.Text, (object?)progress ?? DBNull.Value);
            return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    public Task<bool> FinishAsync(long jobId, string deviceId, JobState outcome, IReadOnlyList<long> resultIds, string? message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resultIds);
        RefuseUnfinished(outcome);
        return _database.RunAsync(async connection =>
        {
            await using var update = new NpgsqlCommand(
                "UPDATE jobs SET state = @outcome, lease_expires_at = NULL, result_ids = @results, message = @message WHERE id = @id AND device_id = @device AND state = 'running';",
                connection);
            update.Parameters.AddWithValue("id", jobId);
            update.Parameters.AddWithValue("device", deviceId);
            update.Parameters.AddWithValue("outcome", LabTokens.NameOf(outcome));
            update.Parameters.AddWithValue("results", resultIds.ToArray());
            update.Parameters.AddWithValue("message", NpgsqlDbType.Text, (object?)message ?? DBNull.Value);
            return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);
    }

    public Task<int> RequeueLapsedAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        _database.InTransactionAsync((connection, transaction) => RequeueLapsedAsync(connection, transaction, now, deviceId: null, cancellationToken), cancellationToken);

    public Task<(LabPrincipal Principal, string Secret)> CreateTokenAsync(string name, TokenRole role, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var secret = LabTokens.NewSecret();
        return _database.RunAsync(async connection =>
        {
            await using var insert = new NpgsqlCommand("INSERT INTO tokens (name, role, secret_sha256) VALUES (@name, @role, @hash) RETURNING id;", connection);
            insert.Parameters.AddWithValue("name", name);
            insert.Parameters.AddWithValue("role", LabTokens.NameOf(role));
            insert.Parameters.AddWithValue("hash", LabTokens.HashOf(secret));
            var id = (long)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            return (new LabPrincipal(id, name, role, null), secret);
        }, cancellationToken);
    }

    public Task<LabPrincipal?> VerifyTokenAsync(string secret, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return _database.RunAsync(async connection =>
        {
            await using var select = new NpgsqlCommand("SELECT id, name, role, device_id FROM tokens WHERE secret_sha256 = @hash AND revoked_at IS NULL;", connection);
            select.Parameters.AddWithValue("hash", LabTokens.HashOf(secret));
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new LabPrincipal(reader.GetInt64(0), reader.GetString(1), Enum.Parse<TokenRole>(reader.GetString(2), ignoreCase: true), reader.IsDBNull(3) ? null : reader.GetString(3))
                : null;
        }, cancellationToken);
    }

    public Task BindAgentTokenAsync(long tokenId, string deviceId, CancellationToken cancellationToken = default) => _database.RunAsync(async connection =>
    {
        // Only an unbound agent token binds: once bound, it speaks for that device and no other.
        await using var update = new NpgsqlCommand("UPDATE tokens SET device_id = @device WHERE id = @id AND role = 'agent' AND device_id IS NULL;", connection);
        update.Parameters.AddWithValue("id", tokenId);
        update.Parameters.AddWithValue("device", deviceId);
        return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }, cancellationToken);

    public Task<bool> RevokeTokenAsync(long tokenId, CancellationToken cancellationToken = default) => _database.RunAsync(async connection =>
    {
        await using var update = new NpgsqlCommand("UPDATE tokens SET revoked_at = now() WHERE id = @id AND revoked_at IS NULL;", connection);
        update.Parameters.AddWithValue("id", tokenId);
        return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }, cancellationToken);

    /// <summary>A job ends as Succeeded or Failed; anything else is not an outcome (Cancelled comes from <see cref="CancelAsync"/>).</summary>
    internal static void RefuseUnfinished(JobState outcome)
    {
        if (outcome is not (JobState.Succeeded or JobState.Failed))
        {
            throw new InvalidInputException($"A job finishes as Succeeded or Failed, not {outcome}; send one of those.");
        }
    }

    private static async Task<int> RequeueLapsedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, string? deviceId, CancellationToken cancellationToken)
    {
        await using var requeue = new NpgsqlCommand(
            "UPDATE jobs SET state = 'queued', lease_expires_at = NULL, message = @message WHERE state = 'running' AND lease_expires_at < @now AND (@device::text IS NULL OR device_id = @device);",
            connection,
            transaction);
        requeue.Parameters.AddWithValue("now", now.ToUniversalTime());
        requeue.Parameters.AddWithValue("device", NpgsqlDbType.Text, (object?)deviceId ?? DBNull.Value);
        requeue.Parameters.AddWithValue("message", LapsedMessage);
        return await requeue.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<LabDevice>> ReadDevicesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var devices = new List<LabDevice>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            devices.Add(new LabDevice(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetFieldValue<string[]>(3),
                JsonSerializer.Deserialize<PlatformFingerprint>(reader.GetString(4), ResultJson.Options)!,
                JsonSerializer.Deserialize<DeviceCapabilities>(reader.GetString(5), ResultJson.Options)!,
                reader.GetFieldValue<DateTimeOffset>(6),
                reader.GetFieldValue<DateTimeOffset>(7)));
        }

        return devices;
    }

    private static async Task<List<LabJob>> ReadJobsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var jobs = new List<LabJob>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            jobs.Add(new LabJob(
                reader.GetInt64(0),
                JsonSerializer.Deserialize<BenchmarkJob>(reader.GetString(1), ResultJson.Options)!,
                reader.GetString(2),
                Enum.Parse<JobState>(reader.GetString(3), ignoreCase: true),
                reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                reader.GetInt32(7),
                reader.GetFieldValue<long[]>(8),
                reader.IsDBNull(9) ? null : reader.GetString(9)));
        }

        return jobs;
    }
}
