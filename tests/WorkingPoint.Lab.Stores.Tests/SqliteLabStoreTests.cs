using System.Text;
using Microsoft.Data.Sqlite;
using WorkingPoint.Core.Versioning;
using WorkingPoint.Lab.Sqlite;
using WorkingPoint.Results;
using WorkingPoint.Results.Sqlite;

namespace WorkingPoint.Lab.Stores.Tests;

/// <summary>The conformance tests on a fresh SQLite file, and what only the SQLite store does (one file shared with <c>wpt results</c>).</summary>
public sealed class SqliteLabStoreTests : LabStoreConformanceTests
{
    private static readonly WptProvenance Writer = new("1.2.3", "abc123", "cat456");

    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-lab-sqlite-").FullName;

    private string DbPath => Path.Combine(_directory, "lab.db");

    protected override Task<ILabStore> OpenAsync() => Task.FromResult<ILabStore>(SqliteLabStore.Open(DbPath, Writer));

    protected override async Task<bool> DatabaseContainsAsync(string text)
    {
        // Every byte SQLite wrote: the database file and its write-ahead log.
        var needle = Encoding.UTF8.GetBytes(text);
        foreach (var file in Directory.GetFiles(_directory))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            if (bytes.AsSpan().IndexOf(needle) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    protected override Task CloseAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_lab_file_is_a_results_database_that_wpt_results_reads()
    {
        long id;
        await using (var lab = SqliteLabStore.Open(DbPath, Writer))
        {
            id = (await lab.Results.SaveAsync(Record())).Id;
            Assert.Equal(SqliteLabStore.SchemaVersion, lab.OpenSchemaVersion);
        }

        using var results = new SqliteResultStore(DbPath);
        Assert.Equal(SqliteResultStore.SchemaVersion, results.OpenSchemaVersion);
        var stored = results.Find(id)!;
        Assert.Equal("orin-1", stored.Record.Subject.Device);
        Assert.Equal("1.2.3", stored.WptVersion);
    }

    [Fact]
    public async Task An_existing_results_database_gains_the_lab_tables_and_keeps_its_results()
    {
        using (var results = new SqliteResultStore(DbPath))
        {
            results.Save(Record());
        }

        await using var lab = SqliteLabStore.Open(DbPath, Writer);
        Assert.Equal(1, await lab.Results.CountAsync(ResultQuery.All));
        Assert.False((await lab.Results.SaveAsync(Record())).Created);
    }

    [Fact]
    public async Task A_version_1_lab_file_gains_the_latest_per_subject_index_and_keeps_its_results()
    {
        await using (var first = SqliteLabStore.Open(DbPath, Writer))
        {
            // Three subjects, two of them with older results, one whose newest result is interrupted (not complete).
            foreach (var record in new[] { Record(0), Record(5), Record(1, device: "orin-2"), Record(2, model: "yolov8s"), Record(7, model: "yolov8s") with { Status = RunStatus.Interrupted } })
            {
                await first.Results.SaveAsync(record);
            }
        }

        // Take it back to what a version 1 wpt left: no index, version 1 recorded.
        Execute($"DROP INDEX {SqliteResultStore.LatestPerSubjectIndex};");
        Execute("DELETE FROM lab_schema_migrations WHERE version > 1;");
        Assert.Equal(0L, Execute(IndexCount));
        var complete = new ResultQuery(Status: RunStatus.Complete, WithSamples: false);
        List<long> withoutIndex;
        using (var results = new SqliteResultStore(DbPath))
        {
            withoutIndex = [.. results.LatestPerSubject(complete).Select(r => r.Id)];
        }

        await using var store = SqliteLabStore.Open(DbPath, Writer);
        Assert.Equal(2, store.OpenSchemaVersion);
        Assert.Equal(1L, Execute(IndexCount));
        Assert.Equal(2L, Execute("SELECT count(*) FROM lab_schema_migrations;"));
        Assert.Equal(5, await store.Results.CountAsync(ResultQuery.All));
        var latest = await store.Results.LatestPerSubjectAsync(complete);
        // Newest first: yolov8s's complete result (minute 2) behind orin-1's newest (minute 5) and orin-2's (minute 1).
        Assert.Equal([5, 2, 1], latest.Select(r => (int)(r.Record.StartedAt - Now).TotalMinutes));
        Assert.Equal(withoutIndex, latest.Select(r => r.Id));
    }

    [Fact]
    public async Task A_file_with_a_newer_lab_schema_is_refused_with_one_line()
    {
        await using (SqliteLabStore.Open(DbPath, Writer))
        {
        }

        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO lab_schema_migrations (version, description, applied_ticks) VALUES (99, 'future', 0);";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<ResultStoreException>(() => SqliteLabStore.Open(DbPath, Writer));
        Assert.Contains($"lab schema version 99, newer than this wpt understands ({SqliteLabStore.SchemaVersion}); upgrade wpt", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    private const string IndexCount = $"SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '{SqliteResultStore.LatestPerSubjectIndex}';";

    /// <summary>Runs SQL on the file outside the store, as another program (or an older wpt) would; returns the first value.</summary>
    private object? Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    [Fact]
    public async Task Two_stores_on_one_file_never_claim_the_same_job()
    {
        await using var first = SqliteLabStore.Open(DbPath, Writer);
        await using var second = SqliteLabStore.Open(DbPath, Writer);
        await first.RegisterDeviceAsync(new LabDevice("d1", "orin-1", null, [], Record().Platform, new DeviceCapabilities("arm64", 6, 0, [], new Dictionary<string, string>(), []), Now, Now));
        for (var i = 0; i < 10; i++)
        {
            await first.SubmitAsync(new Measurement.Jobs.BenchmarkJob(Measurement.Jobs.BenchmarkJobKind.Roofline, null, null, null, new Dictionary<string, string>()), JobTarget.Device("d1"), "alice", Now);
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => (i % 2 == 0 ? first : second).ClaimAsync("d1", TimeSpan.FromMinutes(2), Now))));

        var ids = claims.Where(c => c is not null).Select(c => c!.Id).ToArray();
        Assert.Equal(10, ids.Length);
        Assert.Equal(10, ids.Distinct().Count());
    }
}
