using Microsoft.Data.Sqlite;
using WorkingPoint.Results;
using WorkingPoint.Results.Sqlite;

namespace WorkingPoint.Results.Sqlite.Tests;

/// <summary>Schema v6: subject columns and idempotency keys, migrated from a v5 file, and the queries and idempotent saves they carry.</summary>
public sealed class SubjectAndKeyMigrationTests : IDisposable
{
    /// <summary>SQL that takes a current database back to what a v5 wpt left: no subject or key columns, no v6 indexes.</summary>
    internal const string BackToVersion5 =
        """
        DROP INDEX measurements_by_idempotency_key; DROP INDEX measurements_by_time; DROP INDEX measurements_by_device;
        DROP INDEX measurements_by_platform; DROP INDEX measurements_by_model;
        ALTER TABLE measurements DROP COLUMN device; ALTER TABLE measurements DROP COLUMN platform; ALTER TABLE measurements DROP COLUMN model;
        ALTER TABLE measurements DROP COLUMN weights; ALTER TABLE measurements DROP COLUMN runtime; ALTER TABLE measurements DROP COLUMN unit;
        ALTER TABLE measurements DROP COLUMN idempotency_key;
        PRAGMA user_version = 5;
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-store-v6-").FullName;

    private string DbPath => Path.Combine(_directory, "results.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void A_version_5_database_gets_subjects_and_keys_from_its_rows_content()
    {
        var record = SqliteResultStoreTests.Record() with { Parameters = new Dictionary<string, string> { ["provider"] = "cpu", ["weights"] = "fp32" } };
        using (var v5 = new SqliteResultStore(DbPath, "old"))
        {
            v5.Save(record);
        }

        Execute(BackToVersion5);
        Assert.Equal(5L, Scalar("PRAGMA user_version;"));

        using var store = new SqliteResultStore(DbPath, "test");
        Assert.Equal(6, store.OpenSchemaVersion);
        var stored = Assert.Single(store.List());
        Assert.Equal(new ResultSubject("bench-1", null, "yolov8n", "fp32", "onnxruntime", "cpu"), stored.Record.Subject);
        Assert.Equal(IdempotencyKey.Of(record), stored.Record.IdempotencyKey);
        Assert.Equal(IdempotencyKey.Of(record), Scalar("SELECT idempotency_key FROM measurements;"));
        Assert.Equal("bench-1", Scalar("SELECT device FROM measurements;"));

        // The old row is found by its key: saving the same run again adds nothing.
        Assert.Equal(stored.Id, store.Save(record));
        Assert.Equal(1, store.Count());
        Assert.Single(store.Query(new ResultQuery(Device: "bench-1", Weights: "fp32", Unit: "cpu")));
    }

    [Fact]
    public void A_run_stored_twice_before_keys_existed_keeps_both_rows_with_distinct_keys()
    {
        using (var v5 = new SqliteResultStore(DbPath, "old"))
        {
            v5.Save(SqliteResultStoreTests.Record());
        }

        Execute(BackToVersion5 + """
            INSERT INTO measurements (kind, started_at, duration_seconds, fingerprint_json, model_name, model_sha256, parameters_json, notes, wpt_version, status, run_group, wpt_commit, catalog_sha256, verdict_json, manifest_json)
                SELECT kind, started_at, duration_seconds, fingerprint_json, model_name, model_sha256, parameters_json, notes, wpt_version, status, run_group, wpt_commit, catalog_sha256, verdict_json, manifest_json FROM measurements WHERE id = 1;
            INSERT INTO metrics SELECT 2, ordinal, name, value, unit FROM metrics WHERE measurement_id = 1;
            """);

        using var store = new SqliteResultStore(DbPath, "test");
        var keys = store.List().OrderBy(s => s.Id).Select(s => s.Record.IdempotencyKey).ToArray();
        Assert.Equal(2, keys.Length);
        Assert.Equal(IdempotencyKey.Of(SqliteResultStoreTests.Record()), keys[0]);
        Assert.Equal(keys[0] + "#2", keys[1]);
        Assert.Equal(1, store.Save(SqliteResultStoreTests.Record()));
        Assert.Equal(2, store.Count());
    }

    [Fact]
    public async Task A_second_save_of_the_same_run_returns_the_stored_id_and_changes_nothing()
    {
        using var store = new SqliteResultStore(DbPath, "test");
        IResultStore results = store;
        var first = await results.SaveAsync(SqliteResultStoreTests.Record());
        var again = await results.SaveAsync(SqliteResultStoreTests.Record() with { Notes = "edited", Status = RunStatus.Interrupted });

        Assert.Equal(new SaveOutcome(first.Id, Created: false), again);
        Assert.True(first.Created);
        var stored = store.Find(first.Id)!.Record;
        Assert.Equal("note ✓", stored.Notes);
        Assert.Equal(RunStatus.Complete, stored.Status);
        Assert.Equal(1, store.Count());
        Assert.Equal(first.Id, store.Save(SqliteResultStoreTests.Record()));
    }

    [Fact]
    public async Task A_nan_metric_through_the_store_interface_is_a_store_error_and_nothing_is_saved()
    {
        using var store = new SqliteResultStore(DbPath, "test");
        IResultStore results = store;
        var error = await Assert.ThrowsAsync<ResultStoreException>(() => results.SaveAsync(SqliteResultStoreTests.Record() with { Metrics = [new Metric("power.mean", double.NaN, "W")] }));
        Assert.Contains("'power.mean' is NaN", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.Count());
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
