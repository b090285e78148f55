using System.Globalization;
using System.Net.Sockets;
using Npgsql;
using WorkingPoint.Results;

namespace WorkingPoint.Lab.Postgres;

/// <summary>
/// One PostgreSQL database: a pooled data source, its schema migrations, and the translation of what a user can fix (the server is not
/// running, the password is wrong, the database is missing or newer than this wpt) into one-line <see cref="ResultStoreException"/>s.
/// </summary>
internal sealed class PostgresDatabase : IAsyncDisposable
{
    /// <summary>The schema version this code writes; <see cref="Migrations"/>[v-1] takes a database from v-1 to v.</summary>
    public const int SchemaVersion = 2;

    // Any constant works as long as every wpt uses the same one: it serialises migrations of one database across servers.
    private const long MigrationLockKey = 0x7770745F6C6162; // "wpt_lab"

    private static readonly (string Description, string Sql)[] Migrations =
    [
        ("results, devices, jobs and tokens",
        """
        CREATE TABLE results (
            id bigserial PRIMARY KEY,
            idempotency_key text NOT NULL UNIQUE,
            kind text NOT NULL,
            started_at timestamptz NOT NULL,
            started_ticks bigint NOT NULL,
            duration_ticks bigint NOT NULL,
            status text NOT NULL,
            run_group text,
            device text NOT NULL,
            platform text,
            model text,
            weights text,
            runtime text,
            unit text,
            model_name text,
            model_sha256 text,
            notes text,
            parameters jsonb NOT NULL,
            fingerprint jsonb NOT NULL,
            verdict jsonb,
            manifest jsonb,
            wpt_version text NOT NULL,
            wpt_commit text NOT NULL,
            catalog_sha256 text NOT NULL,
            stored_at timestamptz NOT NULL DEFAULT now());
        COMMENT ON COLUMN results.started_ticks IS 'StartedAt in .NET ticks (100 ns) since 0001-01-01 UTC: exact, where started_at keeps microseconds';
        CREATE INDEX results_by_time ON results (started_ticks DESC, id DESC);
        CREATE INDEX results_by_device ON results (device, started_ticks DESC);
        CREATE INDEX results_by_platform ON results (platform, started_ticks DESC) WHERE platform IS NOT NULL;
        CREATE INDEX results_by_model ON results (model, started_ticks DESC) WHERE model IS NOT NULL;
        CREATE INDEX results_by_kind ON results (kind, started_ticks DESC);
        CREATE INDEX results_by_run_group ON results (run_group) WHERE run_group IS NOT NULL;
        CREATE TABLE result_metrics (
            result_id bigint NOT NULL REFERENCES results(id) ON DELETE CASCADE,
            ordinal integer NOT NULL,
            name text NOT NULL,
            value double precision NOT NULL,
            unit text NOT NULL,
            PRIMARY KEY (result_id, ordinal));
        CREATE TABLE result_samples (
            result_id bigint NOT NULL REFERENCES results(id) ON DELETE CASCADE,
            ordinal integer NOT NULL,
            name text NOT NULL,
            unit text NOT NULL,
            count integer NOT NULL,
            values_le_f64 bytea NOT NULL,
            seconds_le_f64 bytea,
            PRIMARY KEY (result_id, ordinal));
        CREATE TABLE devices (
            id text PRIMARY KEY,
            name text NOT NULL,
            platform text,
            labels text[] NOT NULL,
            fingerprint jsonb NOT NULL,
            capabilities jsonb NOT NULL,
            registered_at timestamptz NOT NULL,
            last_seen_at timestamptz NOT NULL);
        CREATE INDEX devices_by_label ON devices USING gin (labels);
        CREATE TABLE jobs (
            id bigserial PRIMARY KEY,
            spec jsonb NOT NULL,
            device_id text NOT NULL REFERENCES devices(id),
            state text NOT NULL,
            submitted_by text NOT NULL,
            submitted_at timestamptz NOT NULL,
            lease_expires_at timestamptz,
            attempts integer NOT NULL DEFAULT 0,
            result_ids bigint[] NOT NULL DEFAULT '{}',
            message text);
        CREATE INDEX jobs_queued ON jobs (device_id, id) WHERE state = 'queued';
        CREATE INDEX jobs_running ON jobs (lease_expires_at) WHERE state = 'running';
        CREATE INDEX jobs_by_device ON jobs (device_id, id DESC);
        CREATE TABLE tokens (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            role text NOT NULL,
            secret_sha256 bytea NOT NULL UNIQUE,
            device_id text,
            created_at timestamptz NOT NULL DEFAULT now(),
            revoked_at timestamptz);
        """),

        // The newest result per kind and subject (the dashboard's matrix), read by skipping from subject to subject (PostgresResultStore.
        // LatestPerSubjectAsync): nullable subject fields as 'v' || value, or 'n' for null, so a row comparison orders every subject.
        ("an index for the newest result per subject",
        """
        CREATE INDEX results_latest_per_subject ON results (kind, device, (coalesce('v' || platform, 'n')), (coalesce('v' || model, 'n')),
            (coalesce('v' || weights, 'n')), (coalesce('v' || runtime, 'n')), (coalesce('v' || unit, 'n')), started_ticks DESC, id DESC) INCLUDE (status);
        """),
    ];

    private PostgresDatabase(NpgsqlDataSource dataSource, string description)
    {
        DataSource = dataSource;
        Description = description;
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>"PostgreSQL database 'lab' on db.local:5432 as 'wpt'": what error messages name (never the password).</summary>
    public string Description { get; }

    /// <summary>Connects, and brings the schema up to date under an advisory lock; refuses a database a newer wpt migrated.</summary>
    public static async Task<PostgresDatabase> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ResultStoreException($"The PostgreSQL connection string is not valid ({ex.Message.TrimEnd('.')}); write it as Host=HOST;Port=5432;Database=NAME;Username=USER;Password=SECRET.", ex);
        }

        var description = string.Create(CultureInfo.InvariantCulture, $"PostgreSQL database '{builder.Database ?? builder.Username}' on {builder.Host ?? "localhost"}:{builder.Port} as '{builder.Username}'");
        var database = new PostgresDatabase(NpgsqlDataSource.Create(builder), description);
        try
        {
            await database.RunAsync(async connection =>
            {
                await database.MigrateAsync(connection, cancellationToken).ConfigureAwait(false);
                return 0;
            }, cancellationToken).ConfigureAwait(false);
            return database;
        }
        catch
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs an action on a pooled connection; what the user can fix comes out as a <see cref="ResultStoreException"/>.</summary>
    public async Task<T> RunAsync<T>(Func<NpgsqlConnection, Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                return await action(connection).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException && Explain(ex) is { } message)
        {
            throw new ResultStoreException(message, ex);
        }
    }

    /// <summary>Runs an action in one transaction (read committed), committed when it returns.</summary>
    public Task<T> InTransactionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> action, CancellationToken cancellationToken) =>
        RunAsync(async connection =>
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var result = await action(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result;
            }
        }, cancellationToken);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    /// <summary>The schema version recorded in the database (the highest migration applied).</summary>
    public Task<int> SchemaVersionAsync(CancellationToken cancellationToken) => RunAsync(async connection =>
    {
        await using var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM wpt_schema_migrations;", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }, cancellationToken);

    /// <summary>
    /// All missing steps in one transaction under a transaction-scoped advisory lock: a second server starting at the same moment waits
    /// for the lock, then finds the steps recorded and applies none. Each step is recorded in wpt_schema_migrations with its description.
    /// </summary>
    private async Task MigrateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key);", connection, transaction))
            {
                lockCommand.Parameters.AddWithValue("key", MigrationLockKey);
                await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var create = new NpgsqlCommand(
                "CREATE TABLE IF NOT EXISTS wpt_schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());",
                connection,
                transaction))
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            int version;
            await using (var select = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM wpt_schema_migrations;", connection, transaction))
            {
                version = Convert.ToInt32(await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            }

            if (version > SchemaVersion)
            {
                throw new ResultStoreException($"{Description} has lab schema version {version}, newer than this wpt understands ({SchemaVersion}); upgrade wpt, or point it at another database.");
            }

            for (var next = version + 1; next <= SchemaVersion; next++)
            {
                var (description, sql) = Migrations[next - 1];
                try
                {
                    await using var step = new NpgsqlCommand(sql, connection, transaction);
                    await step.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateTable)
                {
                    throw new ResultStoreException($"{Description} already has a table wpt did not create ({ex.MessageText}); give the lab a database of its own (CREATE DATABASE wpt_lab).", ex);
                }

                await using var record = new NpgsqlCommand("INSERT INTO wpt_schema_migrations (version, description) VALUES (@version, @description);", connection, transaction);
                record.Parameters.AddWithValue("version", next);
                record.Parameters.AddWithValue("description", description);
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One line for what the user can fix; null for anything else (a bug, which stays an ordinary exception).</summary>
    private string? Explain(Exception ex)
    {
        if (ex is PostgresException postgres)
        {
            return postgres.SqlState switch
            {
                PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification =>
                    $"{Description}: authentication failed ({postgres.MessageText}); check Username and Password in the connection string.",
                PostgresErrorCodes.InvalidCatalogName =>
                    $"{Description}: the database does not exist ({postgres.MessageText}); create it (createdb NAME) or name another in the connection string.",
                PostgresErrorCodes.InsufficientPrivilege =>
                    $"{Description}: permission denied ({postgres.MessageText}); grant the user rights on the database (it creates its tables on first start), or connect as its owner.",
                PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown =>
                    $"{Description}: the server refused the connection ({postgres.MessageText}); wait for it to start or lower the number of clients, then retry.",
                PostgresErrorCodes.DiskFull or PostgresErrorCodes.OutOfMemory =>
                    $"{Description}: the server is out of space ({postgres.MessageText}); free disk space on the database server, then retry. Nothing was saved by this operation.",
                _ => null,
            };
        }

        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException or TimeoutException or IOException || (inner is NpgsqlException { IsTransient: true } && inner.InnerException is null))
            {
                return $"Cannot connect to {Description} ({ex.Message.TrimEnd('.')}); start the PostgreSQL server, or check Host and Port in the connection string.";
            }
        }

        return null;
    }
}
