using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using WorkingPoint.Measurement;
using WorkingPoint.Results.Sqlite;
using WorkingPoint.Tests.Shared;
using WorkingPoint.Results;

namespace WorkingPoint.Cli.Tests;

/// <summary>
/// A measurement is never lost: the database is checked before measuring, a run saved in parts is marked incomplete until
/// its last part lands, a save the database refuses goes to a side file that 'wpt results import' reads; stored strings reach
/// the terminal without control characters.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class ResultSafetyCliTests : IDisposable
{
    private static readonly string[] TinyBench = ["bench", "onnx", "--input", "192x48", "--duration", "0", "--min-queries", "3", "--warmup", "1", "--threads", "1"];

    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-cli-safety-").FullName;

    private string Db => Path.Combine(_directory, "results.db");

    public void Dispose()
    {
        MeasurementHooks.Starting.Value = null;
        ResultsDatabase.LockWaitOverride.Value = null;
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(_directory))
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Locks are waited for 150 ms per attempt here, not the 10 s a user gets (for this test's calls only).</summary>
    private static void ShortLockWait() => ResultsDatabase.LockWaitOverride.Value = TimeSpan.FromMilliseconds(150);

    private static string[] Bench(params string[] more) => [TinyBench[0], TinyBench[1], TestModels.OcrDirectionClassifier, .. TinyBench[2..], .. more];

    /// <summary>Makes the database one a save would fail on; returns what holds it that way (a lock), to dispose afterwards.</summary>
    private IDisposable? Damage(string how)
    {
        ShortLockWait();
        if (how == "corrupt")
        {
            File.WriteAllText(Db, "this was a results database once, then something overwrote it");
            return null;
        }

        using (var store = new SqliteResultStore(Db, "test"))
        {
            store.Save(MeasurementCliTestsRecord());
        }

        switch (how)
        {
            case "newer":
                Execute(Db, "PRAGMA user_version = 99;");
                return null;
            case "negative-version":
                Execute(Db, "PRAGMA user_version = -1;");
                return null;
            case "read-only":
                File.SetUnixFileMode(Db, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                return null;
            default:
                return Lock(Db);
        }
    }

    [Theory]
    [InlineData("corrupt", "is not a SQLite database")]
    [InlineData("newer", "newer than this wpt understands")]
    [InlineData("negative-version", "schema version -1")]
    [InlineData("read-only", "is read-only")]
    [InlineData("locked", "locked by another program")]
    public void Bench_onnx_refuses_a_database_it_could_not_save_to_before_it_measures(string how, string expected)
    {
        var measurements = 0;
        MeasurementHooks.Starting.Value = () => measurements++;
        using var hold = Damage(how);
        var before = File.ReadAllBytes(Db);

        var (code, output, errors) = Wpt.Run([.. Bench("--db", Db)]);

        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.Equal(0, measurements);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
        Assert.Single(errors.TrimEnd().Split('\n'));
        Assert.DoesNotContain("Saved as result", output, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(Db));
    }

    [Theory]
    [InlineData("measure", "roofline", "--quick")]
    [InlineData("validate", "--models", "yolov8n@160x160", "--platform", "raspberry-pi-5")]
    [InlineData("validate", "llm", "--models", "qwen2.5-0.5b", "--weights", "q4_0", "--platform", "raspberry-pi-5")]
    [InlineData("bench", "llm", "qwen2.5-0.5b", "--weights", "q4_0")]
    [InlineData("bench", "mix", "--vision", "yolov8n", "--llm", "qwen2.5-0.5b", "--platform", "raspberry-pi-5")]
    public void Every_measuring_command_refuses_a_locked_database_before_it_measures(params string[] command)
    {
        var measurements = 0;
        MeasurementHooks.Starting.Value = () => measurements++;
        using var hold = Damage("locked");

        var (code, _, errors) = Wpt.Run([.. command, "--db", Db]);

        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.Equal(0, measurements);
        Assert.Contains("locked by another program", errors, StringComparison.Ordinal);
        Assert.Contains("nothing was measured", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void The_measurement_hook_sees_a_run_on_a_usable_database_which_is_then_saved_complete()
    {
        var measurements = 0;
        MeasurementHooks.Starting.Value = () => measurements++;
        var (code, output, errors) = Wpt.Run([.. Bench("--db", Db)]);
        Assert.True(code == 0, errors);
        Assert.Equal(1, measurements);
        Assert.Contains("Saved as result 1", output, StringComparison.Ordinal);
        using var store = new SqliteResultStore(Db);
        Assert.Equal(RunStatus.Complete, store.Find(1)!.Record.Status);
        Assert.Null(store.Find(1)!.Record.RunGroup);
    }

    [Fact]
    public void Every_scenario_of_a_run_is_saved_as_one_run_group_marked_complete_once_the_last_lands()
    {
        var (code, output, errors) = Wpt.Run([.. Bench("--scenario", "all", "--target-qps", "50", "--db", Db)]);
        Assert.True(code == 0, errors);
        Assert.Contains("Saved as results 1, 2, 3, 4", output, StringComparison.Ordinal);
        using var store = new SqliteResultStore(Db);
        var records = store.List().Select(s => s.Record).ToArray();
        Assert.Equal(4, records.Length);
        Assert.All(records, r => Assert.Equal(RunStatus.Complete, r.Status));
        Assert.Single(records.Select(r => r.RunGroup).Distinct());
        Assert.NotNull(records[0].RunGroup);
    }

    [Fact]
    public void A_save_the_database_still_refuses_after_the_bounded_wait_goes_to_a_side_file_that_import_reads()
    {
        using (new SqliteResultStore(Db))
        {
        }

        // The lock is taken after the up-front check passed, as another wpt starting to save at that moment would.
        ShortLockWait();
        SqliteConnection? holder = null;
        MeasurementHooks.Starting.Value = () => holder = Lock(Db);
        var (code, _, errors) = Wpt.Run([.. Bench("--db", Db)]);
        holder!.Dispose();

        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.Contains("locked by another program", errors, StringComparison.Ordinal);
        var match = Regex.Match(errors, @"The measurement is kept in (\S+\.json); import it with: wpt results import \S+\.json --db (\S+)");
        Assert.True(match.Success, errors);
        var sideFile = match.Groups[1].Value;
        Assert.Equal(_directory, Path.GetDirectoryName(sideFile));
        Assert.StartsWith("results.db.unsaved-", Path.GetFileName(sideFile), StringComparison.Ordinal);
        Assert.Equal(Db, match.Groups[2].Value);

        var (importCode, imported, importErrors) = Wpt.Run("results", "import", sideFile, "--db", Db);
        Assert.True(importCode == 0, importErrors);
        Assert.Contains("Imported 1 result (1)", imported, StringComparison.Ordinal);
        using (var store = new SqliteResultStore(Db))
        {
            var record = store.Find(1)!.Record;
            Assert.Equal(MeasurementKind.Onnx, record.Kind);
            Assert.Equal(3, record.Samples.Single(s => s.Name == "latency").Values.Count);
            Assert.Equal(RunStatus.Complete, record.Status);
        }

        var (againCode, again, _) = Wpt.Run("results", "import", sideFile, "--db", Db);
        Assert.Equal(0, againCode);
        Assert.Contains("Nothing to import", again, StringComparison.Ordinal);
    }

    [Fact]
    public void An_export_json_file_imports_into_another_database_with_the_same_records_and_statuses()
    {
        using (var store = new SqliteResultStore(Db, "test"))
        {
            store.Save(MeasurementCliTestsRecord() with { Status = RunStatus.Interrupted });
            store.Save(MeasurementCliTestsRecord(minute: 2) with { Metrics = [new Metric("inf", double.PositiveInfinity, "x")] });
        }

        var export = Path.Combine(_directory, "all.json");
        Assert.Equal(0, Wpt.Run("results", "export", "--json", "-o", export, "--db", Db).ExitCode);
        var other = Path.Combine(_directory, "other.db");
        var (code, _, errors) = Wpt.Run("results", "import", export, "--db", other);
        Assert.True(code == 0, errors);
        using var copy = new SqliteResultStore(other);
        var records = copy.List().OrderBy(r => r.Id).Select(r => r.Record).ToArray();
        Assert.Equal([RunStatus.Interrupted, RunStatus.Complete], records.Select(r => r.Status));
        Assert.Equal(double.PositiveInfinity, records[1].Metrics[0].Value);
    }

    [Theory]
    [InlineData("no such file", "missing.json")]
    [InlineData("not a wpt results file", "garbage.json")]
    [InlineData("lacks its kind", "empty-record.json")]
    public void Importing_a_file_that_is_not_a_results_file_is_refused_with_one_line(string expected, string name)
    {
        File.WriteAllText(Path.Combine(_directory, "garbage.json"), "{ not json");
        File.WriteAllText(Path.Combine(_directory, "empty-record.json"), "[{\"id\": null, \"record\": {}}]");
        var (code, _, errors) = Wpt.Run("results", "import", Path.Combine(_directory, name), "--db", Db);
        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
        Assert.Single(errors.TrimEnd().Split('\n'));
        Assert.False(File.Exists(Db));
    }

    [Fact]
    public void List_show_and_export_say_which_records_are_incomplete_or_interrupted()
    {
        using (var store = new SqliteResultStore(Db, "test"))
        {
            store.Save(MeasurementCliTestsRecord(minute: 1) with { Status = RunStatus.Incomplete, RunGroup = "20261201T000000Z-abc" });
            store.Save(MeasurementCliTestsRecord(minute: 2) with { Status = RunStatus.Interrupted });
            store.Save(MeasurementCliTestsRecord(minute: 3));
        }

        var list = Wpt.Run("results", "list", "--db", Db).Output;
        Assert.Contains("Status", list, StringComparison.Ordinal);
        Assert.Contains("incomplete", list, StringComparison.Ordinal);
        Assert.Contains("interrupted", list, StringComparison.Ordinal);
        Assert.Contains("complete", list, StringComparison.Ordinal);

        var show = Wpt.Run("results", "show", "1", "--db", Db).Output;
        Assert.Contains("incomplete: part of a run", show, StringComparison.Ordinal);
        Assert.Contains("20261201T000000Z-abc", show, StringComparison.Ordinal);
        Assert.Contains("interrupted: stopped early", Wpt.Run("results", "show", "2", "--db", Db).Output, StringComparison.Ordinal);

        var csv = Wpt.Run("results", "export", "--csv", "--db", Db).Output;
        Assert.EndsWith(",unit,status,run_group", csv.Split('\n')[0], StringComparison.Ordinal);
        Assert.Contains(",incomplete,20261201T000000Z-abc", csv, StringComparison.Ordinal);
        Assert.Contains("\"status\": \"interrupted\"", Wpt.Run("results", "show", "2", "--json", "--db", Db).Output, StringComparison.Ordinal);
        Assert.Contains("\"status\": \"incomplete\"", Wpt.Run("results", "list", "--json", "--db", Db).Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_from_stored_results_reach_the_terminal_without_escape_sequences()
    {
        const string evil = "det\u001b]0;pwned\u0007.onnx\u001b[2J\u202e";
        using (var store = new SqliteResultStore(Db, "test"))
        {
            store.Save(MeasurementCliTestsRecord() with { ModelName = evil, Notes = "note \u001b[31mred" });
        }

        foreach (var args in new[] { new[] { "results", "list" }, ["results", "show", "1"], ["results", "export", "--csv"], ["results", "compare", "1", "1"] })
        {
            var (code, output, errors) = Wpt.Run([.. args, "--db", Db]);
            Assert.True(code == 0, errors);
            Assert.DoesNotContain('\u001b', output);
            Assert.DoesNotContain('\u0007', output);
            Assert.DoesNotContain('\u202e', output);
        }

        Assert.Contains("det.onnx", Wpt.Run("results", "show", "1", "--db", Db).Output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_error_quoting_a_name_with_escape_sequences_prints_it_without_them()
    {
        var (code, _, errors) = Wpt.Run("bench", "onnx", Path.Combine(_directory, "x\u001b]0;pwned\u0007\u001b[2J.onnx"), "--no-save");
        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.DoesNotContain('\u001b', errors);
        Assert.DoesNotContain('\u0007', errors);
        Assert.Contains("x.onnx", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Exporting_to_a_missing_directory_names_that_directory_not_a_temporary_file()
    {
        using (new SqliteResultStore(Db))
        {
        }

        var (code, _, errors) = Wpt.Run("results", "export", "--csv", "-o", "/nonexistent/dir/r.csv", "--db", Db);
        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.Contains("/nonexistent/dir/r.csv: the directory /nonexistent/dir does not exist", errors, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Exporting_onto_a_symbolic_link_is_refused_and_the_links_target_is_untouched()
    {
        using (new SqliteResultStore(Db))
        {
        }

        var victim = Path.Combine(_directory, "victim.txt");
        File.WriteAllText(victim, "keep me");
        var link = Path.Combine(_directory, "r.csv");
        File.CreateSymbolicLink(link, victim);
        var (code, _, errors) = Wpt.Run("results", "export", "--csv", "-o", link, "--db", Db);
        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.Contains("is a symbolic link", errors, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(victim));
    }

    internal static MeasurementRecord MeasurementCliTestsRecord(int minute = 1) => new(
        MeasurementKind.Onnx,
        new DateTimeOffset(2026, 11, 25, 9, minute, 0, TimeSpan.Zero),
        TimeSpan.FromSeconds(10.5),
        new PlatformFingerprint("Cortex-A76", "arm64", 4, 8L << 30, "Linux 6.6", "pi-a", new SortedDictionary<string, string> { [".NET"] = "10.0.0" }),
        "det.onnx",
        "0f0f",
        new Dictionary<string, string> { ["scenario"] = "single-stream" },
        [new Metric("latency.p90", 12.5, "ms")],
        [new SampleSeries("latency", "ms", [10.0, 11, 12], [0, 0.01, 0.02])]);

    /// <summary>Another process's write transaction on the database, as a second wpt or sqlite3 would hold it.</summary>
    internal static SqliteConnection Lock(string db)
    {
        var connection = new SqliteConnection($"Data Source={db};Pooling=False");
        connection.Open();
        using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN EXCLUSIVE; INSERT INTO measurements (kind, started_at, duration_seconds, fingerprint_json, parameters_json) VALUES ('Onnx', 'x', 0, '{}', '{}');";
        begin.ExecuteNonQuery();
        return connection;
    }

    internal static void Execute(string db, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={db};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
