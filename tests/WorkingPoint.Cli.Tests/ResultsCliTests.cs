using System.Text.Json;
using Microsoft.Data.Sqlite;
using WorkingPoint.Measurement;
using WorkingPoint.Results.Sqlite;
using WorkingPoint.Results;

namespace WorkingPoint.Cli.Tests;

/// <summary>wpt results: exports, filters and every way the database or the arguments can be wrong. Each test has its own --db file.</summary>
public sealed class ResultsCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-cli-results-").FullName;

    private string Db => Path.Combine(_directory, "results.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static PlatformFingerprint Machine(string host) =>
        new("Cortex-A76", "arm64", 4, 8L << 30, "Linux 6.6", host, new SortedDictionary<string, string>(StringComparer.Ordinal) { [".NET"] = "10.0.0" });

    /// <summary>Fixed times, machines and values, so exports are byte-for-byte stable; the model name needs CSV quoting.</summary>
    private void Seed()
    {
        using var store = new SqliteResultStore(Db, "test");
        store.Save(new MeasurementRecord(
            MeasurementKind.Onnx,
            new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(1)),
            TimeSpan.FromSeconds(2.5),
            Machine("pi-a"),
            "det \"v2\", final.onnx",
            "0f0f",
            new Dictionary<string, string> { ["threads"] = "4", ["scenario"] = "offline" },
            [new Metric("throughput", 120, "samples/s"), new Metric("latency.p99", 9.75, "ms")],
            [new SampleSeries("latency", "ms", [8.5, 9.0, 9.75], [0.0, 0.5, 1.0]), new SampleSeries("power.package", "W", [4.25, 4.5])],
            "first line\nsecond line"));
        store.Save(new MeasurementRecord(
            MeasurementKind.Onnx,
            new DateTimeOffset(2026, 11, 25, 9, 30, 0, TimeSpan.Zero),
            TimeSpan.FromSeconds(3),
            Machine("pi-a"),
            "det \"v2\", final.onnx",
            "0f0f",
            new Dictionary<string, string> { ["threads"] = "2", ["scenario"] = "offline" },
            [new Metric("throughput", 100, "samples/s"), new Metric("latency.p99", 12, "ms")],
            []));
        store.Save(new MeasurementRecord(
            MeasurementKind.Roofline,
            new DateTimeOffset(2026, 11, 25, 9, 45, 0, TimeSpan.Zero),
            TimeSpan.FromSeconds(30),
            Machine("pi-a"),
            null,
            null,
            new Dictionary<string, string> { ["mode"] = "quick" },
            [new Metric("dram.triad", 9.8, "GB/s")],
            []));
    }

    private static void AssertOneLineError(int code, string errors, string expected)
    {
        Assert.Equal(WptApp.ErrorExitCode, code);
        var line = Assert.Single(errors.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("wpt: error: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_export_holds_full_records_with_raw_samples_oldest_first_and_is_the_same_every_time()
    {
        Seed();
        var (code, first, _) = Wpt.Run("results", "export", "--json", "--db", Db);
        var (_, second, _) = Wpt.Run("results", "export", "--json", "--db", Db);

        Assert.Equal(0, code);
        Assert.Equal(first, second);
        Golden.Verify("results-export.json", first);
    }

    [Fact]
    public void Csv_export_quotes_fields_with_commas_quotes_and_keeps_one_row_per_metric()
    {
        Seed();
        var (code, output, _) = Wpt.Run("results", "export", "--csv", "--kind", "onnx", "--db", Db);

        Assert.Equal(0, code);
        var rows = output.TrimEnd('\n').Split('\n');
        Assert.Equal(5, rows.Length);
        Assert.Equal("1,2026-11-25T09:00:00.0000000+00:00,onnx,\"det \"\"v2\"\", final.onnx\",0f0f,Cortex-A76,pi-a,throughput,120,samples/s,complete,", rows[1]);
    }

    [Fact]
    public void Export_to_a_file_writes_it_whole_and_leaves_no_temporary_file()
    {
        Seed();
        var file = Path.Combine(_directory, "out.csv");

        var (code, output, _) = Wpt.Run("results", "export", "-o", file, "--db", Db);

        Assert.Equal(0, code);
        Assert.Contains("Wrote 3 results", output, StringComparison.Ordinal);
        Assert.Equal(6, File.ReadAllLines(file).Length);
        Assert.False(File.Exists(file + ".tmp"));
    }

    [Fact]
    public void List_filters_by_kind_and_says_when_the_limit_hides_older_results()
    {
        Seed();
        var (code, output, _) = Wpt.Run("results", "list", "--kind", "ONNX", "--limit", "1", "--db", Db);

        Assert.Equal(0, code);
        Assert.Contains("│  2 │ 2026-11-25 09:30:00Z │ onnx", output, StringComparison.Ordinal);
        Assert.DoesNotContain("roofline", output, StringComparison.Ordinal);
        Assert.Contains("Showing the newest 1 of 2; --limit N shows more.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Listing_a_database_that_does_not_exist_says_so_and_creates_nothing()
    {
        var missing = Path.Combine(_directory, "typo", "results.db");

        var (code, output, _) = Wpt.Run("results", "list", "--db", missing);

        Assert.Equal(0, code);
        Assert.Contains("No results in", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.GetDirectoryName(missing)));
    }

    [Fact]
    public void Comparing_results_from_the_same_machine_gives_no_warning_and_lists_the_parameters_that_differ()
    {
        Seed();
        var (code, output, _) = Wpt.Run("results", "compare", "2", "1", "--db", Db);

        Assert.Equal(0, code);
        Assert.DoesNotContain("Warning", output, StringComparison.Ordinal);
        Assert.Contains("threads: 2 → 4", output, StringComparison.Ordinal);
        Assert.Contains("+20 %", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_json_gives_the_ratio_b_to_a_for_each_metric()
    {
        Seed();
        var (code, output, _) = Wpt.Run("results", "compare", "2", "1", "--json", "--db", Db);

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var throughput = json.RootElement.GetProperty("metrics")[0];
        Assert.Equal("throughput", throughput.GetProperty("name").GetString());
        Assert.Equal(1.2, throughput.GetProperty("ratioBToA").GetDouble(), 9);
        Assert.Empty(json.RootElement.GetProperty("machineDifferences").EnumerateArray());
    }

    [Fact]
    public void Show_json_has_the_wpt_version_and_the_raw_samples()
    {
        Seed();
        var (code, output, _) = Wpt.Run("results", "show", "1", "--json", "--db", Db);

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("test", json.RootElement.GetProperty("wptVersion").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("record").GetProperty("samples")[0].GetProperty("values").GetArrayLength());
    }

    [Theory]
    [InlineData("'abc' is not a result id", "results", "show", "abc")]
    [InlineData("'0' is not a result id", "results", "show", "0")]
    [InlineData("'-1' is not a result id", "results", "compare", "1", "-1")]
    [InlineData("No result with id 9 in the results database; run 'wpt results list'", "results", "compare", "9", "1")]
    [InlineData("--kind '7' is not a kind of measurement; use one of roofline, onnx, llm, mix, validate, usecase", "results", "list", "--kind", "7")]
    [InlineData("--kind 'onnx,llm' is not a kind", "results", "export", "--kind", "onnx,llm")]
    [InlineData("--limit must be at least 1", "results", "list", "--limit", "0")]
    [InlineData("Choose one of --csv and --json", "results", "export", "--csv", "--json")]
    public void Bad_arguments_get_one_line_naming_the_fix_and_exit_2(string expected, params string[] args)
    {
        Seed();
        var (code, _, errors) = Wpt.Run([.. args, "--db", Db]);
        AssertOneLineError(code, errors, expected);
    }

    [Fact]
    public void Exporting_onto_the_database_itself_is_refused_and_the_database_is_kept()
    {
        Seed();
        var before = File.ReadAllBytes(Db);

        var (code, _, errors) = Wpt.Run("results", "export", "--csv", "-o", Db, "--db", Db);

        AssertOneLineError(code, errors, "is the results database itself");
        Assert.Equal(before, File.ReadAllBytes(Db));
        using var store = new SqliteResultStore(Db);
        Assert.Equal(3, store.Count());
    }

    [Fact]
    public void Showing_from_a_database_that_does_not_exist_names_the_path_and_creates_nothing()
    {
        var missing = Path.Combine(_directory, "none.db");

        var (code, _, errors) = Wpt.Run("results", "show", "1", "--db", missing);

        AssertOneLineError(code, errors, $"{missing}: no results database there yet");
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public void A_database_from_a_newer_wpt_is_refused_naming_both_versions()
    {
        using (var connection = new SqliteConnection($"Data Source={Db};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE measurements (id INTEGER PRIMARY KEY); PRAGMA user_version = 7;";
            command.ExecuteNonQuery();
        }

        var (code, _, errors) = Wpt.Run("results", "list", "--db", Db);

        AssertOneLineError(code, errors, $"schema version 7, newer than this wpt understands ({SqliteResultStore.SchemaVersion}); upgrade wpt, or pass --db PATH");
    }

    [Fact]
    public void A_truncated_database_is_refused_with_one_line_and_left_as_it_was()
    {
        using (var store = new SqliteResultStore(Db))
        {
            for (var i = 0; i < 30; i++)
            {
                store.Save(new MeasurementRecord(MeasurementKind.Llm, DateTimeOffset.UnixEpoch.AddMinutes(i), TimeSpan.FromSeconds(1), Machine("pi-a"), "m", null, new Dictionary<string, string>(), [new Metric("tok/s", i, "tok/s")], [new SampleSeries("s", "ms", new double[500])]));
            }
        }

        SqliteConnection.ClearAllPools();
        var bytes = File.ReadAllBytes(Db);
        File.WriteAllBytes(Db, bytes[..(bytes.Length / 3)]);
        var truncated = File.ReadAllBytes(Db);

        var (code, _, errors) = Wpt.Run("results", "list", "--db", Db);

        AssertOneLineError(code, errors, $"{Db}: results database");
        Assert.Contains("move it aside, or pass --db PATH", errors, StringComparison.Ordinal);
        Assert.Equal(truncated, File.ReadAllBytes(Db));
    }

    [Fact]
    public void Another_programs_sqlite_file_is_refused_rather_than_given_results_tables()
    {
        using (var connection = new SqliteConnection($"Data Source={Db};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE contacts (name TEXT);";
            command.ExecuteNonQuery();
        }

        var (code, _, errors) = Wpt.Run("results", "list", "--db", Db);

        AssertOneLineError(code, errors, "is a SQLite database but not a wpt results database");
    }

    [Fact]
    public void The_database_is_the_db_option_else_the_environment_variable_else_the_data_directory()
    {
        static string DataDirectory() => "/data/results.db";

        Assert.Equal("/a.db", ResultsDatabase.PathFor("/a.db", "/env.db", DataDirectory));
        Assert.Equal("/env.db", ResultsDatabase.PathFor(null, "/env.db", DataDirectory));
        Assert.Equal("/env.db", ResultsDatabase.PathFor("  ", "/env.db", DataDirectory));
        Assert.Equal("/data/results.db", ResultsDatabase.PathFor(null, "", DataDirectory));
    }
}
