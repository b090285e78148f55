using Microsoft.Data.Sqlite;
using WorkingPoint.Results.Sqlite;
using WorkingPoint.Results;

namespace WorkingPoint.Results.Sqlite.Tests;

/// <summary>Statuses and run groups (schema v3), the up-front writability check, and the bounded wait for another process's lock.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RunStatusAndLockingTests : IDisposable
{
    private static readonly TimeSpan ShortWait = TimeSpan.FromMilliseconds(200);

    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-store-status-").FullName;

    private string DbPath => Path.Combine(_directory, "results.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var file in Directory.GetFiles(_directory))
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void A_record_keeps_its_status_and_run_group()
    {
        using var store = new SqliteResultStore(DbPath, "test");
        var id = store.Save(SqliteResultStoreTests.Record() with { Status = RunStatus.Interrupted, RunGroup = "g1" });
        var found = store.Find(id)!.Record;
        Assert.Equal(RunStatus.Interrupted, found.Status);
        Assert.Equal("g1", found.RunGroup);
        Assert.Equal(RunStatus.Complete, store.Find(store.Save(SqliteResultStoreTests.Record(minute: 5)))!.Record.Status);
    }

    [Fact]
    public void Setting_a_group_status_changes_every_part_of_that_run_and_no_other_record()
    {
        using var store = new SqliteResultStore(DbPath, "test");
        var a = store.Save(SqliteResultStoreTests.Record(minute: 1) with { Status = RunStatus.Incomplete, RunGroup = "run-a" });
        var b = store.Save(SqliteResultStoreTests.Record(minute: 2) with { Status = RunStatus.Incomplete, RunGroup = "run-a" });
        var other = store.Save(SqliteResultStoreTests.Record(minute: 3) with { Status = RunStatus.Incomplete, RunGroup = "run-b" });

        Assert.Equal(2, store.SetGroupStatus("run-a", RunStatus.Complete));
        Assert.Equal(RunStatus.Complete, store.Find(a)!.Record.Status);
        Assert.Equal(RunStatus.Complete, store.Find(b)!.Record.Status);
        Assert.Equal(RunStatus.Incomplete, store.Find(other)!.Record.Status);
    }

    [Fact]
    public void A_version_4_database_gains_the_verdict_and_manifest_columns_and_its_records_read_without_them()
    {
        using (var v4 = new SqliteResultStore(DbPath, "old"))
        {
            v4.Save(SqliteResultStoreTests.Record());
        }

        // Take it back to what a v4 wpt left: no verdict or manifest columns, user_version 4.
        Execute(SubjectAndKeyMigrationTests.BackToVersion5 + "ALTER TABLE measurements DROP COLUMN verdict_json; ALTER TABLE measurements DROP COLUMN manifest_json; PRAGMA user_version = 4;");

        using var store = new SqliteResultStore(DbPath, "test");
        Assert.Equal(SqliteResultStore.SchemaVersion, store.OpenSchemaVersion);
        var old = Assert.Single(store.List()).Record;
        Assert.Null(old.Verdict);
        Assert.Null(old.Manifest);
        var id = store.Save(SqliteResultStoreTests.Judged() with { StartedAt = SqliteResultStoreTests.Record(minute: 1).StartedAt });
        Assert.Equal("INVALID (min duration: ran 5 s, the rules need ≥ 10 s), quick run, contended", store.Find(id)!.Record.Verdict!.Summary);
    }

    [Fact]
    public void A_version_2_database_is_upgraded_and_its_records_read_as_complete()
    {
        using (var v2 = new SqliteResultStore(DbPath, "old"))
        {
            v2.Save(SqliteResultStoreTests.Record());
        }

        // Take it back to what a v2 wpt left: no status or run group columns, user_version 2.
        Execute(SubjectAndKeyMigrationTests.BackToVersion5 + "ALTER TABLE measurements DROP COLUMN status; DROP INDEX measurements_by_run_group; ALTER TABLE measurements DROP COLUMN run_group; ALTER TABLE measurements DROP COLUMN wpt_commit; ALTER TABLE measurements DROP COLUMN catalog_sha256; ALTER TABLE measurements DROP COLUMN verdict_json; ALTER TABLE measurements DROP COLUMN manifest_json; PRAGMA user_version = 2;");

        using var store = new SqliteResultStore(DbPath, "test");
        Assert.Equal(SqliteResultStore.SchemaVersion, store.OpenSchemaVersion);
        Assert.Equal(RunStatus.Complete, Assert.Single(store.List()).Record.Status);
    }

    [Fact]
    public void A_negative_schema_version_is_refused_with_one_line_not_a_crash()
    {
        using (new SqliteResultStore(DbPath))
        {
        }

        Execute("PRAGMA user_version = -1;");
        var error = Assert.Throws<ResultStoreException>(() => new SqliteResultStore(DbPath));
        Assert.Contains("schema version -1", error.Message, StringComparison.Ordinal);
        Assert.Contains("--db PATH", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void The_writability_check_passes_on_a_usable_database_and_changes_nothing()
    {
        using var store = new SqliteResultStore(DbPath);
        store.Save(SqliteResultStoreTests.Record());
        store.CheckWritable();
        Assert.Equal(SqliteResultStore.SchemaVersion, store.OpenSchemaVersion);
        Assert.Equal(1, store.Count());
    }

    [Fact]
    public void A_database_locked_by_another_process_is_refused_by_the_check_after_the_bounded_wait()
    {
        using (new SqliteResultStore(DbPath))
        {
        }

        using var holder = Lock();
        using var store = new SqliteResultStore(DbPath, lockWait: ShortWait);
        var error = Assert.Throws<ResultStoreException>(store.CheckWritable);
        Assert.Contains("locked by another program", error.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was measured", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_save_waits_for_a_lock_that_is_released_within_the_bound()
    {
        using var store = new SqliteResultStore(DbPath, lockWait: TimeSpan.FromSeconds(10));
        var holder = Lock();
        var released = false;
        var release = Task.Run(async () =>
        {
            await Task.Delay(300);
            released = true;
            holder.Dispose();
        });

        var id = store.Save(SqliteResultStoreTests.Record());
        await release;
        Assert.True(released);
        Assert.NotNull(store.Find(id));
    }

    [Fact]
    public void A_save_still_locked_after_every_attempt_fails_with_one_line_and_stores_nothing()
    {
        using var store = new SqliteResultStore(DbPath, lockWait: ShortWait);
        using (Lock())
        {
            var error = Assert.Throws<ResultStoreException>(() => store.Save(SqliteResultStoreTests.Record()));
            Assert.Contains("locked by another program", error.Message, StringComparison.Ordinal);
            Assert.Contains("nothing was saved", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(0, store.Count());
    }

    [Fact]
    public void A_read_only_database_file_is_refused_by_the_check_and_left_as_it_was()
    {
        using (var create = new SqliteResultStore(DbPath))
        {
            create.Save(SqliteResultStoreTests.Record());
        }

        SqliteConnection.ClearAllPools();
        var before = File.ReadAllBytes(DbPath);
        File.SetUnixFileMode(DbPath, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using var store = new SqliteResultStore(DbPath);
        var error = Assert.Throws<ResultStoreException>(store.CheckWritable);
        Assert.Contains("read-only", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, store.Count());
        Assert.Equal(before, File.ReadAllBytes(DbPath));
    }

    [Fact]
    public void Contains_finds_a_saved_record_by_kind_start_and_machine()
    {
        using var store = new SqliteResultStore(DbPath);
        var record = SqliteResultStoreTests.Record();
        Assert.False(store.Contains(record));
        store.Save(record);
        Assert.True(store.Contains(record));
        Assert.False(store.Contains(SqliteResultStoreTests.Record(minute: 9)));
    }

    /// <summary>Another process's write transaction, as a second wpt or sqlite3 holding the database would have.</summary>
    private SqliteConnection Lock()
    {
        var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN EXCLUSIVE; INSERT INTO measurements (kind, started_at, duration_seconds, fingerprint_json, parameters_json) VALUES ('Onnx', 'x', 0, '{}', '{}');";
        begin.ExecuteNonQuery();
        return connection;
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
