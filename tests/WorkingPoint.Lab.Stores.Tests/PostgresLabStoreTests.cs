using Npgsql;
using WorkingPoint.Core.Versioning;
using WorkingPoint.Lab.Postgres;
using WorkingPoint.Results;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Lab.Stores.Tests;

/// <summary>
/// The conformance tests on a fresh PostgreSQL database (WPT_TEST_POSTGRES; skipped with the reason without it, failed without it in
/// CI), and what only the PostgreSQL store does: migrations under a lock, refusing a newer schema, one-line connection errors.
/// </summary>
public sealed class PostgresLabStoreTests : LabStoreConformanceTests
{
    private static readonly WptProvenance Writer = new("1.2.3", "abc123", "cat456");

    private TestPostgres? _database;

    protected override async Task<ILabStore> OpenAsync()
    {
        _database = await TestPostgres.CreateAsync();
        return await PostgresLabStore.OpenAsync(_database.ConnectionString, Writer);
    }

    protected override async Task<bool> DatabaseContainsAsync(string text)
    {
        // Every row of every table, as text (bytea as hex, so a hash is never mistaken for the secret's hex).
        await using var connection = new NpgsqlConnection(_database!.ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT quote_ident(table_name) FROM information_schema.tables WHERE table_schema = 'public';", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Contains("tokens", tables);
        foreach (var table in tables)
        {
            await using var search = new NpgsqlCommand($"SELECT count(*) FROM {table} t WHERE strpos(t::text, @text) > 0;", connection);
            search.Parameters.AddWithValue("text", text);
            if ((long)(await search.ExecuteScalarAsync())! > 0)
            {
                return true;
            }
        }

        return false;
    }

    protected override async Task CloseAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task Two_servers_starting_at_once_on_a_new_database_migrate_it_once()
    {
        _database = await TestPostgres.CreateAsync();
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => PostgresLabStore.OpenAsync(_database.ConnectionString, Writer))));
        try
        {
            Assert.All(await Task.WhenAll(stores.Select(s => s.OpenSchemaVersionAsync())), v => Assert.Equal(PostgresLabStore.SchemaVersion, v));
            await using var connection = new NpgsqlConnection(_database.ConnectionString);
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM wpt_schema_migrations;", connection);
            Assert.Equal((long)PostgresLabStore.SchemaVersion, await count.ExecuteScalarAsync());
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [SkippableFact]
    public async Task A_version_1_database_gains_the_latest_per_subject_index_and_keeps_its_results()
    {
        _database = await TestPostgres.CreateAsync();
        await using (var first = await PostgresLabStore.OpenAsync(_database.ConnectionString, Writer))
        {
            await first.Results.SaveAsync(Record(0));
        }

        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();

        // Take it back to what a version 1 wpt left: no index, version 1 recorded.
        await using (var back = new NpgsqlCommand("DROP INDEX results_latest_per_subject; DELETE FROM wpt_schema_migrations WHERE version > 1;", connection))
        {
            await back.ExecuteNonQueryAsync();
        }

        await using var store = await PostgresLabStore.OpenAsync(_database.ConnectionString, Writer);
        Assert.Equal(2, await store.OpenSchemaVersionAsync());
        Assert.Single(await store.Results.LatestPerSubjectAsync(ResultQuery.All));
        await using var index = new NpgsqlCommand("SELECT count(*) FROM pg_indexes WHERE indexname = 'results_latest_per_subject';", connection);
        Assert.Equal(1L, await index.ExecuteScalarAsync());
    }

    [SkippableFact]
    public async Task A_database_with_a_newer_schema_is_refused_with_one_line()
    {
        _database = await TestPostgres.CreateAsync();
        await (await PostgresLabStore.OpenAsync(_database.ConnectionString, Writer)).DisposeAsync();
        await using (var connection = new NpgsqlConnection(_database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand("INSERT INTO wpt_schema_migrations (version, description) VALUES (99, 'future');", connection);
            await insert.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<ResultStoreException>(() => PostgresLabStore.OpenAsync(_database.ConnectionString, Writer));
        Assert.Contains($"lab schema version 99, newer than this wpt understands ({PostgresLabStore.SchemaVersion}); upgrade wpt", error.Message, StringComparison.Ordinal);
        Assert.Contains(_database.Name, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [SkippableFact]
    public async Task A_wrong_password_or_a_missing_database_is_one_line_naming_the_fix()
    {
        var server = new NpgsqlConnectionStringBuilder(TestPostgres.ServerConnectionString());
        var wrongPassword = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Username = "wpt_nobody", Password = "not-the-password" };
        var auth = await Assert.ThrowsAsync<ResultStoreException>(() => PostgresLabStore.OpenAsync(wrongPassword.ConnectionString, Writer));
        Assert.Matches("authentication failed|does not exist", auth.Message);
        Assert.DoesNotContain("not-the-password", auth.Message, StringComparison.Ordinal);

        var missing = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "wpt_no_such_database" };
        var error = await Assert.ThrowsAsync<ResultStoreException>(() => PostgresLabStore.OpenAsync(missing.ConnectionString, Writer));
        Assert.Contains("the database does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("createdb", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_is_not_running_is_one_line_naming_the_fix()
    {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        var error = await Assert.ThrowsAsync<ResultStoreException>(() => PostgresLabStore.OpenAsync("Host=127.0.0.1;Port=1;Database=lab;Username=wpt;Password=secret-value;Timeout=3", Writer));
        Assert.StartsWith("Cannot connect to PostgreSQL database 'lab' on 127.0.0.1:1 as 'wpt'", error.Message, StringComparison.Ordinal);
        Assert.Contains("start the PostgreSQL server", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task A_malformed_connection_string_is_one_line_with_an_example()
    {
        var error = await Assert.ThrowsAsync<ResultStoreException>(() => PostgresLabStore.OpenAsync("Hots=db;Nonsense", Writer));
        Assert.Contains("Host=HOST;Port=5432;Database=NAME", error.Message, StringComparison.Ordinal);
    }
}
