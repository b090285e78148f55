using Microsoft.Data.Sqlite;
using WorkingPoint.Results.Sqlite;
using WorkingPoint.Results;

namespace WorkingPoint.Results.Sqlite.Tests;

public sealed class SqliteResultStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-store-").FullName;

    private string DbPath => Path.Combine(_directory, "results.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    internal static MeasurementRecord Record(MeasurementKind kind = MeasurementKind.Onnx, int minute = 0, string model = "yolov8n") => new(
        kind,
        new DateTimeOffset(2026, 11, 25, 12, minute, 0, TimeSpan.Zero),
        TimeSpan.FromSeconds(12.5),
        new PlatformFingerprint("AMD EPYC", "x64", 2, 24L << 30, "Linux 6.1", "bench-1", new SortedDictionary<string, string> { [".NET"] = "10.0.0", ["ONNX Runtime"] = "1.31.1" }),
        model,
        "ab12",
        new Dictionary<string, string> { ["scenario"] = "single-stream", ["input"] = "1x3x640x640 — µ", ["prompt"] = "日本語 😀 \"quoted\", comma" },
        [new Metric("latency.p90", 12.25, "ms"), new Metric("throughput", 81.6, "samples/s")],
        [new SampleSeries("latency", "ms", [12.0, 12.5, 11.9], [0.0, 0.012, 0.025]), new SampleSeries("telemetry.thermal.cpu", "°C", [45.5])],
        "note ✓");

    /// <summary>A record judged INVALID on a contended machine, with a manifest.</summary>
    internal static MeasurementRecord Judged() => Record() with
    {
        Verdict = new RunVerdict("≥ 10 s, ≥ 64 queries, p90 early stopping at 99 %, variation ≤ 5 %", ["min duration: ran 5 s, the rules need ≥ 10 s"], ["unstable: service time varies by 7.5 %"], Quick: true, EarlyStoppingPercentile: 90, EarlyStoppingEstimateMs: 12.75, VariationPercent: 7.5, Contention: new CpuContention(0.1, 0.6, 1.5, 0.9)),
        Manifest = new RunManifest("wpt bench onnx 'a b.onnx' --quick", "4", "0-3", "performance", "1800–2400 MHz", "2400 MHz", "Linux 6.1.0", RunManifest.NotReadable, new SortedDictionary<string, string> { ["yolov8n"] = "ab12" }),
    };

    [Fact]
    public void A_verdict_and_manifest_read_back_as_saved()
    {
        using var store = new SqliteResultStore(DbPath, "test");
        var record = Judged();
        var found = store.Find(store.Save(record))!.Record;

        var verdict = found.Verdict!;
        Assert.Equal(Validity.Invalid, verdict.Validity);
        Assert.Equal(record.Verdict!.Rules, verdict.Rules);
        Assert.Equal(record.Verdict.FailedRules, verdict.FailedRules);
        Assert.Equal(record.Verdict.Warnings, verdict.Warnings);
        Assert.True(verdict.Quick);
        Assert.Equal(12.75, verdict.EarlyStoppingEstimateMs);
        Assert.Equal(7.5, verdict.VariationPercent);
        Assert.Equal(record.Verdict.Contention, verdict.Contention);
        Assert.True(verdict.Contended);
        Assert.Equal(record.Manifest!.Entries(), found.Manifest!.Entries());
        Assert.Null(store.Find(store.Save(Record(minute: 1)))!.Record.Verdict);
    }

    [Fact]
    public void A_saved_record_reads_back_identically_with_its_samples()
    {
        using var store = new SqliteResultStore(DbPath, "test");
        var record = Record();
        var id = store.Save(record);

        var found = store.Find(id)!;
        Assert.Equal(id, found.Id);
        Assert.Equal(record.StartedAt, found.Record.StartedAt);
        Assert.Equal(record.Duration, found.Record.Duration);
        Assert.Equal(record.Platform.CpuModel, found.Record.Platform.CpuModel);
        Assert.Equal(record.Platform.RuntimeVersions, found.Record.Platform.RuntimeVersions);
        Assert.Equal(record.Parameters.OrderBy(p => p.Key), found.Record.Parameters.OrderBy(p => p.Key));
        Assert.Equal(record.Metrics, found.Record.Metrics);
        Assert.Equal(record.Samples[0].Values, found.Record.Samples[0].Values);
        Assert.Equal(record.Samples[0].SecondsFromStart, found.Record.Samples[0].SecondsFromStart);
        Assert.Null(found.Record.Samples[1].SecondsFromStart);
        Assert.Equal("note ✓", found.Record.Notes);
    }

    [Fact]
    public void Records_list_newest_first_and_filter_by_kind()
    {
        using var store = new SqliteResultStore(DbPath);
        store.Save(Record(MeasurementKind.Onnx, minute: 1));
        store.Save(Record(MeasurementKind.Roofline, minute: 3));
        store.Save(Record(MeasurementKind.Onnx, minute: 2));

        Assert.Equal([3, 2, 1], store.List().Select(s => s.Record.StartedAt.Minute));
        Assert.Equal([2, 1], store.List(MeasurementKind.Onnx).Select(s => s.Record.StartedAt.Minute));
        Assert.Single(store.List(limit: 1));
    }

    [Fact]
    public void A_usecase_record_is_stored_by_its_kind_beside_records_of_the_older_kinds_which_read_back_unchanged()
    {
        long older;
        using (var store = new SqliteResultStore(DbPath))
        {
            older = store.Save(Record(MeasurementKind.Mix, minute: 1));
            store.Save(Record(MeasurementKind.UseCase, minute: 2, model: "Smart camera"));
        }

        using var reopened = new SqliteResultStore(DbPath);
        Assert.Equal(SqliteResultStore.SchemaVersion, reopened.OpenSchemaVersion);
        Assert.Equal("Smart camera", Assert.Single(reopened.List(MeasurementKind.UseCase)).Record.ModelName);
        Assert.Equal(MeasurementKind.Mix, reopened.Find(older)!.Record.Kind);
        Assert.Equal(1, reopened.Count(MeasurementKind.UseCase));
    }

    [Fact]
    public void Results_survive_reopening_the_file()
    {
        long id;
        using (var store = new SqliteResultStore(DbPath))
        {
            id = store.Save(Record());
        }

        using var reopened = new SqliteResultStore(DbPath);
        Assert.NotNull(reopened.Find(id));
    }

    [Fact]
    public void A_save_that_fails_midway_leaves_no_half_written_record_and_keeps_earlier_ones()
    {
        using var store = new SqliteResultStore(DbPath);
        var earlier = store.Save(Record(minute: 1));

        // The measurement row and its two metrics are written, then the "crash".
        store.AfterRowWritten = rows => { if (rows == 3) { throw new IOException("disk pulled"); } };
        Assert.Throws<IOException>(() => store.Save(Record(minute: 2)));
        store.AfterRowWritten = null;

        Assert.Equal(1, store.Count());
        Assert.Equal(earlier, Assert.Single(store.List()).Id);
        Assert.Equal(4L, RowsInMetricsAndSamples()); // The earlier record's two metrics and two series only.
        Assert.Equal(2, store.Find(store.Save(Record(minute: 3)))!.Record.Metrics.Count);
    }

    [Fact]
    public void A_record_with_a_nan_metric_or_mismatched_sample_times_is_refused_naming_it_and_nothing_is_saved()
    {
        using var store = new SqliteResultStore(DbPath);
        store.Save(Record(minute: 1));

        var nan = Assert.Throws<ArgumentException>(() => store.Save(Record(minute: 2) with { Metrics = [new Metric("throughput", 1, "samples/s"), new Metric("power.mean", double.NaN, "W")] }));
        var times = Assert.Throws<ArgumentException>(() => store.Save(Record(minute: 3) with { Samples = [new SampleSeries("latency", "ms", [1, 2, 3], [0, 1])] }));

        Assert.Contains("'power.mean' is NaN", nan.Message, StringComparison.Ordinal);
        Assert.Contains("'latency' has 3 values but 2 times", times.Message, StringComparison.Ordinal);
        Assert.Equal(1, store.Count());
        Assert.Equal(4L, RowsInMetricsAndSamples());
    }

    [Fact]
    public void Infinite_values_and_empty_series_read_back_as_they_were_saved()
    {
        using var store = new SqliteResultStore(DbPath);
        var record = Record() with
        {
            Metrics = [new Metric("ratio", double.PositiveInfinity, "x")],
            Samples = [new SampleSeries("empty", "ms", []), new SampleSeries("edges", "ms", [double.NegativeInfinity, double.NaN, double.Epsilon, double.MaxValue])],
        };

        var found = store.Find(store.Save(record))!.Record;

        Assert.Equal(double.PositiveInfinity, Assert.Single(found.Metrics).Value);
        Assert.Empty(found.Samples[0].Values);
        Assert.Equal(record.Samples[1].Values, found.Samples[1].Values);
    }

    [Fact]
    public void Count_counts_all_records_or_those_of_one_kind()
    {
        using var store = new SqliteResultStore(DbPath);
        store.Save(Record(MeasurementKind.Onnx, minute: 1));
        store.Save(Record(MeasurementKind.Onnx, minute: 2));
        store.Save(Record(MeasurementKind.Roofline, minute: 3));

        Assert.Equal(3, store.Count());
        Assert.Equal(2, store.Count(MeasurementKind.Onnx));
        Assert.Equal(0, store.Count(MeasurementKind.Llm));
    }

    [Fact]
    public void Each_record_remembers_the_wpt_version_that_saved_it()
    {
        using (var store = new SqliteResultStore(DbPath, "1.2.3"))
        {
            store.Save(Record(minute: 1));
        }

        using var later = new SqliteResultStore(DbPath, "1.3.0");
        later.Save(Record(minute: 2));

        Assert.Equal(["1.3.0", "1.2.3"], later.List().Select(r => r.WptVersion));
    }

    [Fact]
    public void Two_stores_on_one_file_both_save_and_see_each_others_records()
    {
        using var first = new SqliteResultStore(DbPath);
        using var second = new SqliteResultStore(DbPath);

        var a = first.Save(Record(minute: 1));
        var b = second.Save(Record(minute: 2));

        Assert.NotEqual(a, b);
        Assert.Equal(2, first.Count());
        Assert.NotNull(second.Find(a));
    }

    [Fact]
    public void A_row_of_a_kind_this_wpt_does_not_know_is_reported_by_id_not_as_a_crash()
    {
        using var store = new SqliteResultStore(DbPath);
        var id = store.Save(Record());
        Execute($"UPDATE measurements SET kind = 'Thermal' WHERE id = {id};");

        var error = Assert.Throws<ResultStoreException>(() => store.List());

        Assert.Contains($"result {id} is of kind 'Thermal'", error.Message, StringComparison.Ordinal);
        Assert.Contains("upgrade wpt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hand_edited_fingerprint_that_is_not_json_gives_one_clear_error()
    {
        using var store = new SqliteResultStore(DbPath);
        var id = store.Save(Record());
        Execute($"UPDATE measurements SET fingerprint_json = 'not json' WHERE id = {id};");

        var error = Assert.Throws<ResultStoreException>(() => store.Find(id));

        Assert.StartsWith($"{DbPath}: results database holds a record this wpt cannot read", error.Message, StringComparison.Ordinal);
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private long RowsInMetricsAndSamples()
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT (SELECT COUNT(*) FROM metrics) + (SELECT COUNT(*) FROM samples);";
        return (long)count.ExecuteScalar()!;
    }

    [Fact]
    public void A_transaction_cut_off_before_commit_as_a_killed_process_would_leaves_nothing()
    {
        using (var store = new SqliteResultStore(DbPath))
        {
            store.Save(Record(minute: 1));
        }

        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO measurements (kind, started_at, duration_seconds, fingerprint_json, parameters_json) VALUES ('Onnx', '2026-11-25T13:00:00.0000000+00:00', 1, '{}', '{}');";
            insert.ExecuteNonQuery();

            // Closing without commit or rollback is what the journal sees when a process dies mid-write.
        }

        using var reopened = new SqliteResultStore(DbPath);
        Assert.Single(reopened.List());
    }

    [Fact]
    public void The_database_uses_the_write_ahead_log_and_the_latest_schema()
    {
        using var store = new SqliteResultStore(DbPath);
        Assert.Equal("wal", store.JournalMode);
        Assert.Equal(SqliteResultStore.SchemaVersion, store.OpenSchemaVersion);
    }

    [Fact]
    public void A_version_1_database_is_migrated_forward_keeping_its_records()
    {
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = """
                CREATE TABLE measurements (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, started_at TEXT NOT NULL, duration_seconds REAL NOT NULL,
                    fingerprint_json TEXT NOT NULL, model_name TEXT, model_sha256 TEXT, parameters_json TEXT NOT NULL, notes TEXT);
                CREATE TABLE metrics (measurement_id INTEGER NOT NULL REFERENCES measurements(id) ON DELETE CASCADE, ordinal INTEGER NOT NULL, name TEXT NOT NULL,
                    value REAL NOT NULL, unit TEXT NOT NULL, PRIMARY KEY (measurement_id, ordinal));
                CREATE TABLE samples (measurement_id INTEGER NOT NULL REFERENCES measurements(id) ON DELETE CASCADE, ordinal INTEGER NOT NULL, name TEXT NOT NULL,
                    unit TEXT NOT NULL, count INTEGER NOT NULL, values_le_f64 BLOB NOT NULL, seconds_le_f64 BLOB, PRIMARY KEY (measurement_id, ordinal));
                INSERT INTO measurements (kind, started_at, duration_seconds, fingerprint_json, model_name, parameters_json)
                    VALUES ('Roofline', '2026-01-02T03:04:05.0000000+00:00', 3, '{"CpuModel":"old cpu","Architecture":"arm64","LogicalCores":4,"MemoryBytes":1,"OperatingSystem":"Linux","Hostname":"pi","RuntimeVersions":{}}', NULL, '{}');
                INSERT INTO metrics VALUES (1, 0, 'dram.triad', 12.5, 'GB/s');
                PRAGMA user_version = 1;
                """;
            create.ExecuteNonQuery();
        }

        using var store = new SqliteResultStore(DbPath, "test");
        Assert.Equal(SqliteResultStore.SchemaVersion, store.OpenSchemaVersion);
        var old = Assert.Single(store.List());
        Assert.Equal(RunStatus.Complete, old.Record.Status);
        Assert.Null(old.Record.RunGroup);
        Assert.Equal("old cpu", old.Record.Platform.CpuModel);
        Assert.Equal(12.5, Assert.Single(old.Record.Metrics).Value);
        Assert.Null(old.WptVersion);
        var id = store.Save(Record());
        Assert.True(id > old.Id);
        Assert.Equal("test", store.Find(id)!.WptVersion);
        Assert.Null(old.WptCommit);
        Assert.Null(old.CatalogSha256);
        Assert.Equal("measurements_by_kind_and_time", SchemaObject("index", "measurements_by_kind_and_time"));
    }

    [Fact]
    public void Opening_a_current_database_again_migrates_nothing_and_keeps_its_records()
    {
        using (var store = new SqliteResultStore(DbPath))
        {
            store.Save(Record());
        }

        using var again = new SqliteResultStore(DbPath);
        using var third = new SqliteResultStore(DbPath);
        Assert.Equal(1, third.Count());
        Assert.Equal(SqliteResultStore.SchemaVersion, third.OpenSchemaVersion);
    }

    [Fact]
    public void A_saved_record_keeps_the_version_commit_and_catalog_hash_of_the_wpt_that_saved_it()
    {
        var writer = new WorkingPoint.Core.Versioning.WptProvenance("0.1.0-alpha.0.7", "0123456789abcdef0123456789abcdef01234567", new string('a', 64));
        long id;
        using (var store = new SqliteResultStore(DbPath, writer))
        {
            id = store.Save(Record());
        }

        using var again = new SqliteResultStore(DbPath, "another wpt");
        var stored = again.Find(id)!;
        Assert.Equal(writer.Version, stored.WptVersion);
        Assert.Equal(writer.Commit, stored.WptCommit);
        Assert.Equal(writer.CatalogSha256, stored.CatalogSha256);
    }

    [Fact]
    public void A_version_2_database_gains_the_commit_and_catalog_columns_and_keeps_its_records()
    {
        using (var v2 = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            v2.Open();
            using var create = v2.CreateCommand();
            create.CommandText = """
                CREATE TABLE measurements (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, started_at TEXT NOT NULL, duration_seconds REAL NOT NULL,
                    fingerprint_json TEXT NOT NULL, model_name TEXT, model_sha256 TEXT, parameters_json TEXT NOT NULL, notes TEXT, wpt_version TEXT);
                CREATE TABLE metrics (measurement_id INTEGER NOT NULL REFERENCES measurements(id) ON DELETE CASCADE, ordinal INTEGER NOT NULL, name TEXT NOT NULL,
                    value REAL NOT NULL, unit TEXT NOT NULL, PRIMARY KEY (measurement_id, ordinal));
                CREATE TABLE samples (measurement_id INTEGER NOT NULL REFERENCES measurements(id) ON DELETE CASCADE, ordinal INTEGER NOT NULL, name TEXT NOT NULL,
                    unit TEXT NOT NULL, count INTEGER NOT NULL, values_le_f64 BLOB NOT NULL, seconds_le_f64 BLOB, PRIMARY KEY (measurement_id, ordinal));
                CREATE INDEX measurements_by_kind_and_time ON measurements(kind, started_at DESC);
                INSERT INTO measurements (kind, started_at, duration_seconds, fingerprint_json, model_name, parameters_json, wpt_version)
                    VALUES ('Onnx', '2026-01-02T03:04:05.0000000+00:00', 3, '{"CpuModel":"cpu","Architecture":"x64","LogicalCores":4,"MemoryBytes":1,"OperatingSystem":"Linux","Hostname":"pi","RuntimeVersions":{}}', 'm', '{}', '1.0.0');
                PRAGMA user_version = 2;
                """;
            create.ExecuteNonQuery();
        }

        using var store = new SqliteResultStore(DbPath, "test");
        Assert.Equal(SqliteResultStore.SchemaVersion, store.OpenSchemaVersion);
        var old = Assert.Single(store.List());
        Assert.Equal("1.0.0", old.WptVersion);
        Assert.Null(old.WptCommit);
        Assert.Null(old.CatalogSha256);
    }

    private string? SchemaObject(string type, string name)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT name FROM sqlite_master WHERE type = $type AND name = $name;";
        select.Parameters.AddWithValue("$type", type);
        select.Parameters.AddWithValue("$name", name);
        return (string?)select.ExecuteScalar();
    }

    [Fact]
    public void A_file_that_is_not_sqlite_is_refused_with_a_one_line_error_and_left_untouched()
    {
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(DbPath, garbage);

        var error = Assert.Throws<ResultStoreException>(() => new SqliteResultStore(DbPath));

        Assert.Contains("not a SQLite database", error.Message, StringComparison.Ordinal);
        Assert.Contains("--db", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(garbage, File.ReadAllBytes(DbPath));
    }

    [Fact]
    public void A_truncated_database_is_refused_with_a_clear_error()
    {
        using (var store = new SqliteResultStore(DbPath))
        {
            for (var i = 0; i < 20; i++)
            {
                store.Save(Record(minute: i));
            }
        }

        SqliteConnection.ClearAllPools();
        File.Delete(DbPath + "-wal");
        File.Delete(DbPath + "-shm");
        var bytes = File.ReadAllBytes(DbPath);
        File.WriteAllBytes(DbPath, bytes[..(bytes.Length / 2)]);

        var error = Assert.ThrowsAny<ResultStoreException>(() =>
        {
            using var store = new SqliteResultStore(DbPath);
            store.List();
        });
        Assert.StartsWith(DbPath + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains("move it aside, or pass --db PATH", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Another_programs_sqlite_database_is_refused_and_left_untouched()
    {
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada');";
            create.ExecuteNonQuery();
        }

        var before = File.ReadAllBytes(DbPath);

        var error = Assert.Throws<ResultStoreException>(() => new SqliteResultStore(DbPath));

        Assert.Contains("not a wpt results database", error.Message, StringComparison.Ordinal);
        Assert.Contains("--db PATH", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(DbPath));
        Assert.False(File.Exists(DbPath + "-wal"));
    }

    [Fact]
    public void A_directory_given_as_the_database_is_refused_suggesting_a_file_inside_it()
    {
        var error = Assert.Throws<ResultStoreException>(() => new SqliteResultStore(_directory));

        Assert.Contains("is a directory", error.Message, StringComparison.Ordinal);
        Assert.Contains($"--db {Path.Combine(_directory, "results.db")}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_database_from_a_newer_wpt_is_refused_naming_both_schema_versions()
    {
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE future (x); PRAGMA user_version = 99;";
            command.ExecuteNonQuery();
        }

        var before = File.ReadAllBytes(DbPath);

        var error = Assert.Throws<ResultStoreException>(() => new SqliteResultStore(DbPath));

        Assert.Equal(before, File.ReadAllBytes(DbPath));
        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
        Assert.Contains($"({SqliteResultStore.SchemaVersion})", error.Message, StringComparison.Ordinal);
        Assert.Contains("upgrade wpt", error.Message, StringComparison.Ordinal);
    }
}
