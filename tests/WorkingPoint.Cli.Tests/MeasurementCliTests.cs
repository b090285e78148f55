using System.Text.Json;
using WorkingPoint.Measurement;
using WorkingPoint.Results.Sqlite;
using WorkingPoint.Tests.Shared;
using WorkingPoint.Results;

namespace WorkingPoint.Cli.Tests;

/// <summary>The measuring commands and the results database, end to end, each test with its own database file.</summary>
public sealed class MeasurementCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-cli-measure-").FullName;

    private string Db => Path.Combine(_directory, "results.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static MeasurementRecord Record(MeasurementKind kind, int minute, string? model, string host, params Metric[] metrics) => new(
        kind,
        new DateTimeOffset(2026, 11, 25, 9, minute, 0, TimeSpan.Zero),
        TimeSpan.FromSeconds(10.5),
        new PlatformFingerprint("Cortex-A76", "arm64", 4, 8L << 30, "Linux 6.6", host, new SortedDictionary<string, string> { [".NET"] = "10.0.0", ["ONNX Runtime"] = "1.31.1" }),
        model,
        model is null ? null : "0f0f",
        new Dictionary<string, string> { ["scenario"] = "single-stream", ["threads"] = minute.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        metrics,
        [new SampleSeries("latency", "ms", [10.0, 11, 12, 13, 40], [0, 0.01, 0.02, 0.03, 0.04])]);

    private void Seed()
    {
        using var store = new SqliteResultStore(Db, "test");
        store.Save(Record(MeasurementKind.Onnx, 1, "det.onnx", "pi-a", new Metric("latency.p90", 12.5, "ms"), new Metric("throughput", 80, "samples/s")));
        store.Save(Record(MeasurementKind.Onnx, 2, "det.onnx", "pi-b", new Metric("latency.p90", 10, "ms"), new Metric("throughput", 100, "samples/s")));
        store.Save(Record(MeasurementKind.Roofline, 3, null, "pi-a", new Metric("dram.triad", 9.8, "GB/s")));
    }

    [Fact]
    public void Results_list_shows_the_newest_first()
    {
        Seed();
        var (code, output, _) = Wpt.Run("results", "list", "--db", Db);
        Assert.Equal(0, code);
        Golden.Verify("results-list.txt", output.Replace(Db, "<db>", StringComparison.Ordinal));
    }

    [Fact]
    public void Results_show_gives_the_machine_parameters_metrics_and_sample_summary()
    {
        Seed();
        var (code, output, _) = Wpt.Run("results", "show", "1", "--db", Db);
        Assert.Equal(0, code);
        Golden.Verify("results-show.txt", output);
    }

    [Fact]
    public void Results_compare_gives_ratios_and_warns_when_machines_differ()
    {
        Seed();
        var (code, output, _) = Wpt.Run("results", "compare", "1", "2", "--db", Db);
        Assert.Equal(0, code);
        Golden.Verify("results-compare.txt", output);
    }

    [Fact]
    public void Results_export_writes_one_csv_row_per_metric()
    {
        Seed();
        var (code, output, _) = Wpt.Run("results", "export", "--csv", "--db", Db);
        Assert.Equal(0, code);
        Golden.Verify("results-export.csv", output);
    }

    [Fact]
    public void Results_export_json_to_a_file_keeps_the_raw_samples()
    {
        Seed();
        var file = Path.Combine(_directory, "all.json");
        var (code, _, _) = Wpt.Run("results", "export", "--json", "-o", file, "--kind", "onnx", "--db", Db);
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        var items = json.RootElement.GetProperty("items");
        Assert.Equal(2, items.GetArrayLength());
        Assert.Equal(5, items[0].GetProperty("record").GetProperty("samples")[0].GetProperty("values").GetArrayLength());
    }

    [Fact]
    public void An_empty_database_says_how_to_make_results()
    {
        var (code, output, _) = Wpt.Run("results", "list", "--db", Db);
        Assert.Equal(0, code);
        Assert.Contains("No results", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("No result with id 99", "results", "show", "99")]
    [InlineData("No result with id 42", "results", "compare", "1", "42")]
    [InlineData("--kind 'speed' is not a kind", "results", "list", "--kind", "speed")]
    public void Bad_result_queries_get_one_line_and_exit_2(string expected, params string[] args)
    {
        Seed();
        var (code, _, errors) = Wpt.Run([.. args, "--db", Db]);
        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
        Assert.Single(errors.TrimEnd().Split('\n'));
    }

    [Fact]
    public void A_corrupt_database_is_refused_and_left_as_it_was()
    {
        File.WriteAllText(Db, "this is not a database, it is a shopping list\n");
        var (code, _, errors) = Wpt.Run("results", "list", "--db", Db);
        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.Contains("not a SQLite database", errors, StringComparison.Ordinal);
        Assert.Equal("this is not a database, it is a shopping list\n", File.ReadAllText(Db));
    }

    [Fact]
    public void Bench_onnx_runs_a_real_model_and_saves_the_result_with_its_samples()
    {
        var (code, output, errors) = Wpt.Run("bench", "onnx", TestModels.OcrDirectionClassifier, "--input", "192x48", "--duration", "0", "--min-queries", "5", "--warmup", "1", "--threads", "1", "--db", Db);
        Assert.True(code == 0, errors);
        Assert.Contains("single-stream", output, StringComparison.Ordinal);
        Assert.Contains("x 1x3x48x192 float", output, StringComparison.Ordinal);
        Assert.Contains("Saved as result 1", output, StringComparison.Ordinal);

        using var store = new SqliteResultStore(Db);
        var saved = store.Find(1)!.Record;
        Assert.Equal(MeasurementKind.Onnx, saved.Kind);
        Assert.Equal("latency.p90", saved.Metrics[0].Name);
        Assert.Equal(5, saved.Samples.Single(s => s.Name == "latency").Values.Count);
        Assert.Equal(64, saved.ModelSha256!.Length);
        Assert.Contains("ONNX Runtime", saved.Platform.RuntimeVersions.Keys);
    }

    [Fact]
    public void Bench_onnx_judges_each_run_by_the_run_rules_and_keeps_the_verdict_and_manifest()
    {
        // 5 queries: too few for a p90 early-stopping estimate at 99 % (64 needed), so INVALID, naming that rule.
        var (code, output, errors) = Wpt.Run("bench", "onnx", TestModels.OcrDirectionClassifier, "--input", "192x48", "--duration", "0", "--min-queries", "5", "--warmup", "1", "--threads", "1", "--db", Db);
        Assert.True(code == 0, errors);
        Assert.Contains("Run rules: ≥ 0 s, ≥ 5 queries, p90 early stopping at 99 %, variation ≤ 5 %.", output, StringComparison.Ordinal);
        Assert.Contains("single-stream: INVALID (early stopping: 5 queries give no p90 estimate at 99 % confidence; it needs ≥ 64)", output, StringComparison.Ordinal);

        // 64 queries meet the rules the run asked for: VALID, with LoadGen's early-stopping p90 (the slowest query, at exactly 64).
        (code, output, errors) = Wpt.Run("bench", "onnx", TestModels.OcrDirectionClassifier, "--input", "192x48", "--duration", "0", "--min-queries", "64", "--warmup", "1", "--threads", "1", "--db", Db);
        Assert.True(code == 0, errors);
        Assert.Contains("single-stream: VALID", output, StringComparison.Ordinal);
        Assert.Contains("early-stopping p90", output, StringComparison.Ordinal);
        Assert.Contains(OperatingSystem.IsLinux() ? "other processes" : CpuContention.NotMeasurable, output, StringComparison.Ordinal);
        Assert.Contains("Cold start: first result", output, StringComparison.Ordinal);

        using (var store = new SqliteResultStore(Db))
        {
            var invalid = store.Find(1)!.Record;
            Assert.Equal(WorkingPoint.Results.Validity.Invalid, invalid.Verdict!.Validity);
            var valid = store.Find(2)!.Record;
            Assert.Equal(WorkingPoint.Results.Validity.Valid, valid.Verdict!.Validity);
            Assert.Contains(valid.Metrics, m => m.Name == "latency.p90.early-stopping");
            Assert.Contains(valid.Metrics, m => m.Name == "cold.first-inference" && m.Unit == "ms");
            Assert.Contains(valid.Metrics, m => m.Name == "cold.load");
            Assert.Equal("1", valid.Manifest!.Threads);
            Assert.Contains("--min-queries 64", valid.Manifest.CommandLine, StringComparison.Ordinal);
            Assert.Equal(valid.ModelSha256, Assert.Single(valid.Manifest.ModelSha256).Value);
        }

        (code, output, errors) = Wpt.Run("results", "show", "2", "--db", Db);
        Assert.True(code == 0, errors);
        Assert.Contains("Verdict", output, StringComparison.Ordinal);
        Assert.Contains("CPU governor", output, StringComparison.Ordinal);
        Assert.Contains("kernel", output, StringComparison.Ordinal);

        (code, output, errors) = Wpt.Run("results", "compare", "1", "2", "--db", Db);
        Assert.True(code == 0, errors);
        Assert.Contains("Manifest differences", output, StringComparison.Ordinal);
        Assert.Contains("command line: wpt bench onnx", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_onnx_quick_is_marked_and_judged_by_the_default_rules()
    {
        var (code, output, errors) = Wpt.Run("bench", "onnx", TestModels.OcrDirectionClassifier, "--input", "192x48", "--quick", "--threads", "1", "--json", "--no-save");
        Assert.True(code == 0, errors);
        using var json = JsonDocument.Parse(output);
        var verdict = json.RootElement.GetProperty("runs")[0].GetProperty("verdict");
        Assert.True(verdict.GetProperty("quick").GetBoolean());
        Assert.Equal("invalid", verdict.GetProperty("validity").GetString());
        Assert.Contains("min duration", verdict.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Contains("quick run", verdict.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Results_compare_warns_when_a_side_was_measured_on_a_busy_machine()
    {
        using (var store = new SqliteResultStore(Db, "test"))
        {
            var quiet = Record(MeasurementKind.Llm, 1, "m.gguf", "pi-a", new Metric("tg128", 67, "t/s"));
            store.Save(quiet with { Verdict = new WorkingPoint.Results.RunVerdict("≥ 0 s, ≥ 5 repetitions, variation ≤ 5 %", [], [], Contention: new CpuContention(0.02, 0.03, 0, 1.9)) });
            var busy = new CpuContention(1.1, 1.2, 0, 0.8);
            store.Save(quiet with
            {
                Verdict = new WorkingPoint.Results.RunVerdict("≥ 0 s, ≥ 5 repetitions, variation ≤ 5 %", [], [busy.Warning!], VariationPercent: 2.5, Contention: busy),
                Manifest = new RunManifest("wpt bench llm m.gguf -t 4", "4", "0-3", "schedutil", "2400 MHz", "2400 MHz", "Linux 6.6", RunManifest.NotReadable, new SortedDictionary<string, string> { ["m.gguf"] = "0f0f" }),
                Metrics = [new Metric("tg128", 16, "t/s")],
            });
        }

        var (code, output, errors) = Wpt.Run("results", "compare", "1", "2", "--db", Db);
        Assert.True(code == 0, errors);
        Assert.Contains("Warning: result 2 was measured on a busy machine (other processes 1.20 cores (1.10 before the run), steal 0 %, wpt 0.80 cores)", output.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("result 1 was measured on a busy machine", output, StringComparison.Ordinal);

        Golden.Verify("results-compare-contended.txt", output);

        (code, output, errors) = Wpt.Run("results", "show", "2", "--db", Db);
        Assert.True(code == 0, errors);
        Assert.Contains("VALID, contended", output, StringComparison.Ordinal);
        Golden.Verify("results-show-judged.txt", output);
    }

    [Fact]
    public void Bench_onnx_runs_every_scenario_writes_plots_and_json()
    {
        var plot = Path.Combine(_directory, "latency.svg");
        var (code, output, errors) = Wpt.Run("bench", "onnx", TestModels.OcrDirectionClassifier, "--input", "192x48", "--scenario", "all", "--duration", "0", "--min-queries", "3", "--warmup", "1",
            "--threads", "1", "--target-qps", "50", "--plot", plot, "--json", "--no-save");
        Assert.True(code == 0, errors);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(["single-stream", "multi-stream", "server", "offline"], json.RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("scenario").GetString()));
        // No --latency-bound-ms: the Server run is reported at its rate with no verdict against a bound nobody set.
        Assert.True(json.RootElement.GetProperty("runs")[2].GetProperty("metrics").TryGetProperty("server.target-qps", out _));
        Assert.False(json.RootElement.GetProperty("runs")[2].GetProperty("metrics").TryGetProperty("server.latency-bound-met", out _));
        Assert.All(new[] { "single-stream", "multi-stream", "server", "offline" }, s => Assert.True(File.Exists(Path.Combine(_directory, $"latency-{s}.svg"))));
        Assert.False(File.Exists(Db));
    }

    [Fact]
    public void Bench_onnx_server_judges_only_a_latency_bound_the_user_set()
    {
        string[] run = ["bench", "onnx", TestModels.OcrDirectionClassifier, "--input", "192x48", "--scenario", "server", "--duration", "0", "--min-queries", "3", "--warmup", "1", "--threads", "1", "--target-qps", "50", "--no-save"];
        var (code, output, errors) = Wpt.Run(run);
        Assert.True(code == 0, errors);
        Assert.DoesNotContain("MISSES", output, StringComparison.Ordinal);
        Assert.DoesNotContain("meets the", output, StringComparison.Ordinal);
        Assert.Contains("no bound", output, StringComparison.Ordinal);
        Assert.Contains("p99", output, StringComparison.Ordinal);

        (code, output, errors) = Wpt.Run([.. run, "--latency-bound-ms", "100000", "--json"]);
        Assert.True(code == 0, errors);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(1, json.RootElement.GetProperty("runs")[0].GetProperty("metrics").GetProperty("server.latency-bound-met").GetProperty("value").GetDouble());
    }

    [Fact]
    public void Bench_onnx_measures_a_catalog_network_exported_with_random_weights()
    {
        var (code, output, errors) = Wpt.Run("bench", "onnx", "espcn-x2", "--input", "64x48", "--duration", "0", "--min-queries", "3", "--warmup", "1", "--threads", "1", "--no-save");
        Assert.True(code == 0, errors);
        Assert.Contains("espcn-x2 @ 64x48 (generated, random weights)", output, StringComparison.Ordinal);
        Assert.Contains("1x1x96x128", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_onnx_sustained_reports_throughput_over_time()
    {
        var plot = Path.Combine(_directory, "sustained.png");
        var (code, output, errors) = Wpt.Run("bench", "onnx", TestModels.OcrDirectionClassifier, "--input", "192x48", "--sustained", "0.01", "--scenario", "offline", "--window", "0.1", "--threads", "1", "--plot", plot, "--db", Db);
        Assert.True(code == 0, errors);
        Assert.Contains("Sustained throughput", output, StringComparison.Ordinal);
        // A 0.6-s run is referenced to its first tenth, and the output says so; onset or none, with the sensors or why not.
        Assert.Contains("Throttle onset: ", output, StringComparison.Ordinal);
        // The line is long (and longer with an onset and its sensors), so the console may wrap it anywhere.
        Assert.Contains("a tenth of the run", output.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.True(new FileInfo(plot).Length > 0);
        using var store = new SqliteResultStore(Db);
        var record = store.Find(1)!.Record;
        Assert.Contains(record.Samples, s => s.Name == "throughput" && s.Values.Count >= 5);
        Assert.Contains(record.Metrics, m => m.Name == "sustained.reference-throughput" && m.Value > 0);
        Assert.Contains(record.Metrics, m => m.Name == "sustained.reference-period" && m.Unit == "s");
    }

    [Fact]
    public void Bench_onnx_sustained_json_has_the_windows_and_the_throttle_onset()
    {
        var (code, output, errors) = Wpt.Run("bench", "onnx", TestModels.OcrDirectionClassifier, "--input", "192x48", "--sustained", "0.01", "--scenario", "offline", "--window", "0.1", "--threads", "1", "--json", "--no-save");
        Assert.True(code == 0, errors);
        using var json = JsonDocument.Parse(output);
        var sustained = json.RootElement.GetProperty("sustained");
        Assert.Equal(0.1, sustained.GetProperty("windowSeconds").GetDouble(), 9);
        Assert.True(sustained.GetProperty("windows").GetArrayLength() >= 5);
        Assert.True(sustained.GetProperty("referenceScaled").GetBoolean());
        var onset = sustained.GetProperty("throttleOnsetSeconds");
        var description = sustained.GetProperty("description").GetString()!;
        Assert.True(onset.ValueKind == JsonValueKind.Null ? description.StartsWith("none within the run", StringComparison.Ordinal) : description.Contains("into the run", StringComparison.Ordinal), description);
    }

    [Theory]
    [InlineData("--scenario 'fast' is not a scenario", "--scenario", "fast")]
    [InlineData("Execution provider 'tpu' is not available", "--provider", "tpu")]
    [InlineData("--opt 'max' is not an optimization level", "--opt", "max")]
    [InlineData("--sustained runs one scenario", "--sustained", "1", "--scenario", "all")]
    [InlineData("--quick and --sustained exclude each other", "--quick", "--sustained", "1")]
    public void Bench_onnx_bad_options_get_one_line_and_exit_2(string expected, params string[] options)
    {
        var (code, _, errors) = Wpt.Run(["bench", "onnx", TestModels.OcrDirectionClassifier, "--input", "192x48", "--no-save", .. options]);
        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
        Assert.Single(errors.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Bench_onnx_on_a_dynamic_model_without_a_shape_names_the_input()
    {
        var (code, _, errors) = Wpt.Run("bench", "onnx", TestModels.OcrDetection, "--no-save");
        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.Contains("Input x has dynamic dimensions", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_onnx_on_a_truncated_model_fails_cleanly_and_keeps_earlier_results()
    {
        Seed();
        var truncated = Path.Combine(_directory, "truncated.onnx");
        var bytes = File.ReadAllBytes(TestModels.OcrDirectionClassifier);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 3)]);

        var (code, _, errors) = Wpt.Run("bench", "onnx", truncated, "--input", "192x48", "--db", Db);

        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.Contains("ONNX Runtime cannot load this model", errors, StringComparison.Ordinal);
        Assert.Single(errors.TrimEnd().Split('\n'));
        using var store = new SqliteResultStore(Db);
        Assert.Equal(3, store.List().Count);
    }

    [Fact]
    public void Measure_roofline_writes_a_host_platform_that_predict_accepts()
    {
        var host = Path.Combine(_directory, "host.yaml");
        var (code, output, errors) = Wpt.Run("measure", "roofline", "--quick", "--json", "--host-file", host, "--db", Db, "--dram-mib", "64");
        Assert.True(code == 0, errors);
        using var json = JsonDocument.Parse(output);
        var dram = json.RootElement.GetProperty("dram");
        Assert.Equal(64L * 1024 * 1024, dram.GetProperty("bytesPerArray").GetInt64());
        Assert.Equal(10, dram.GetProperty("repetitions").GetInt32());
        Assert.Equal(dram.GetProperty("bestGbps").GetProperty("triad").GetDouble(), json.RootElement.GetProperty("levels").EnumerateArray().Single(l => l.GetProperty("level").GetString() == "DRAM").GetProperty("gbps").GetProperty("triad").GetDouble());
        Assert.Equal(["L1", "L2", "L3", "DRAM"], json.RootElement.GetProperty("levels").EnumerateArray().Select(l => l.GetProperty("level").GetString()).Where(l => l is "L1" or "L2" or "L3" or "DRAM"));
        Assert.StartsWith("STREAM convention", json.RootElement.GetProperty("byteConvention").GetString(), StringComparison.Ordinal);

        var (predictCode, prediction, predictErrors) = Wpt.Run("predict", "--platform", host, "--model", "yolov8n", "--weights", "fp32");
        Assert.True(predictCode == 0, predictErrors);
        Assert.Contains("measured", prediction, StringComparison.Ordinal);

        using var store = new SqliteResultStore(Db);
        Assert.Equal(MeasurementKind.Roofline, Assert.Single(store.List()).Record.Kind);
    }

    [Fact]
    public void Measure_roofline_refuses_dram_arrays_beyond_the_available_memory_before_measuring()
    {
        var host = Path.Combine(_directory, "host.yaml");
        var (code, _, errors) = Wpt.Run("measure", "roofline", "--quick", "--host-file", host, "--db", Db, "--dram-mib", "100000000");

        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.Contains("--dram-mib 100000000 needs 3 × 100000000 MiB", errors, StringComparison.Ordinal);
        Assert.Single(errors.TrimEnd().Split('\n'));
        Assert.False(File.Exists(host));
    }

    [Fact]
    public void Measure_roofline_refuses_dram_arrays_small_enough_for_a_cache()
    {
        var (code, _, errors) = Wpt.Run("measure", "roofline", "--quick", "--db", Db, "--dram-mib", "16");

        Assert.NotEqual(0, code);
        Assert.Contains("--dram-mib must be at least 64", errors, StringComparison.Ordinal);
    }
}

/// <summary>ONNX files through the CLI: import, export, predict.</summary>
public sealed class OnnxCliTests
{
    [Fact]
    public void Models_import_summarizes_a_real_onnx_file()
    {
        var (code, output, errors) = Wpt.Run("models", "import", TestModels.OcrDirectionClassifier, "--input", "192x48");
        Assert.True(code == 0, errors);
        Golden.Verify("models-import-cls.txt", output);
    }

    [Fact]
    public void Models_import_lists_layers_on_request()
    {
        var (code, output, _) = Wpt.Run("models", "import", TestModels.OcrDirectionClassifier, "--input", "192x48", "--layers", "--json");
        Assert.Equal(0, code);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal(json.RootElement.GetProperty("layers").GetInt32(), json.RootElement.GetProperty("perLayer").GetArrayLength());
        Assert.Empty(json.RootElement.GetProperty("unsupported").EnumerateObject());
    }

    [Fact]
    public void A_catalog_model_is_still_shown_by_its_id()
    {
        var (code, output, _) = Wpt.Run("models", "llama-3.2-1b");
        Assert.Equal(0, code);
        Assert.Contains("Llama 3.2 1B", output, StringComparison.Ordinal);
        Assert.Equal(output, Wpt.Run("models", "show", "llama-3.2-1b").Output);
    }

    [Fact]
    public void Predict_accepts_an_onnx_file_at_the_size_given()
    {
        var (code, output, errors) = Wpt.Run("predict", "--platform", "hailo-8", "--model", TestModels.OcrDetection, "--input", "640x640", "--json");
        Assert.True(code == 0, errors);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        Assert.Contains("640", output, StringComparison.Ordinal);
        var (_, larger, _) = Wpt.Run("predict", "--platform", "hailo-8", "--model", TestModels.OcrDetection, "--input", "1280x1280", "--json");
        Assert.NotEqual(output, larger);
    }

    [Fact]
    public void Models_export_writes_a_file_that_import_reads_back_with_the_same_counts()
    {
        var path = Path.Combine(Path.GetTempPath(), $"wpt-export-cli-{Guid.NewGuid():N}.onnx");
        try
        {
            var (code, output, errors) = Wpt.Run("models", "export", "mobilenet-v2", "-o", path);
            Assert.True(code == 0, errors);
            Assert.Contains("3.49 M parameters", output, StringComparison.Ordinal);

            var (importCode, imported, _) = Wpt.Run("models", "import", path, "--json");
            Assert.Equal(0, importCode);
            using var json = System.Text.Json.JsonDocument.Parse(imported);
            var catalog = Core.Workloads.ModelZoo.GraphModels.Single(m => m.Id == "mobilenet-v2").Build();
            Assert.Equal(catalog.TotalParameters, json.RootElement.GetProperty("parameters").GetInt64());
            Assert.Equal(catalog.TotalOps.Value, ImportedOps(path), 0);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The fused activations of the catalog's convolutions are separate nodes in the file; the totals still agree.</summary>
    private static double ImportedOps(string path) => Onnx.Import.OnnxImporter.Import(path, Core.Workloads.InputShapes.None).Graph.TotalOps.Value;

    [Theory]
    [InlineData("the file ends in the middle of a field", "truncated")]
    [InlineData("check that it is an .onnx model", "text")]
    [InlineData("no such ONNX file", "missing")]
    public void Bad_onnx_files_get_one_line_and_exit_2(string expected, string kind)
    {
        var path = Path.Combine(Path.GetTempPath(), $"wpt-bad-{Guid.NewGuid():N}.onnx");
        if (kind == "truncated")
        {
            var bytes = File.ReadAllBytes(TestModels.OcrDirectionClassifier);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        }
        else if (kind == "text")
        {
            File.WriteAllText(path, "definitely not protobuf, just some words\n");
        }

        try
        {
            var (code, _, errors) = Wpt.Run("models", "import", path, "--input", "192x48");
            Assert.Equal(WptApp.ErrorExitCode, code);
            Assert.Contains(expected, errors, StringComparison.Ordinal);
            Assert.Single(errors.TrimEnd().Split('\n'));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Exporting_a_language_model_is_refused()
    {
        var (code, _, errors) = Wpt.Run("models", "export", "llama-3.2-1b");
        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.Contains("is a language model", errors, StringComparison.Ordinal);
    }
}

/// <summary>Predicted against measured, on a small network so the test stays short.</summary>
public sealed class ValidateCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-cli-validate-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Validate_compares_the_prediction_with_a_real_run_and_saves_the_error()
    {
        var host = Path.Combine(_directory, "host.yaml");
        Catalog.HostPlatform.Write(host, new Catalog.HostFigures("Test CPU", 2, 0.2, "Vector256 FMA", 0.4, "Avx2", 32, 150, 20, 16, new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero)));
        var db = Path.Combine(_directory, "results.db");

        var (code, output, errors) = Wpt.Run("validate", "--platform", host, "--models", "espcn-x2@64x48,mobilenet-v2@64x64", "--duration", "0", "--min-queries", "3", "--threads", "1", "--json", "--db", db);

        Assert.True(code == 0, errors);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        var rows = json.RootElement.GetProperty("rows");
        Assert.Equal(2, rows.GetArrayLength());
        Assert.All(rows.EnumerateArray(), r => Assert.True(r.GetProperty("measuredMedianMs").GetDouble() > 0 && r.GetProperty("predictedMs").GetDouble() > 0));
        Assert.InRange(json.RootElement.GetProperty("gemmComputeFraction").GetDouble(), 0.0, 1.0);
        var fraction = json.RootElement.GetProperty("fittedComputeFraction").GetDouble();
        Assert.InRange(fraction, 0.05, 1.0);
        Assert.True(json.RootElement.GetProperty("fittedMedianAbsoluteErrorPercent").GetDouble() <= json.RootElement.GetProperty("medianAbsoluteErrorPercent").GetDouble());

        using var store = new SqliteResultStore(db);
        var saved = Assert.Single(store.List(MeasurementKind.Validate));
        Assert.Equal("median-abs-error", saved.Record.Metrics[0].Name);
    }

    [Fact]
    public void Validate_refuses_a_language_model()
    {
        var (code, _, errors) = Wpt.Run("validate", "--platform", "hailo-8", "--models", "llama-3.2-1b", "--no-save");
        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.Contains("is a language model", errors, StringComparison.Ordinal);
    }
}
