using System.Text.Json;
using System.Text.Json.Nodes;
using WorkingPoint.Results.Sqlite;
using WorkingPoint.Tests.Shared;
using WorkingPoint.Results;

namespace WorkingPoint.Cli.Tests;

/// <summary><c>wpt bench usecase</c> end to end: a tiny camera network through ONNX Runtime and a tiny LLM through llama.cpp, at once.</summary>
public sealed class BenchUseCaseCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-cli-usecase-").FullName;

    private string Db => Path.Combine(_directory, "results.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private string UseCaseFile(double fps = 4) => UseCaseFile(_directory, fps);

    /// <summary>The tiny use case (a camera network and a tiny LLM) written in <paramref name="directory"/>.</summary>
    internal static string UseCaseFile(string directory, double fps = 4)
    {
        var path = Path.Combine(directory, "tiny.yaml");
        File.WriteAllText(path, $"""
            name: Tiny camera
            workloads:
              - id: detector
                model: yolov8n
                fps: {fps.ToString(System.Globalization.CultureInfo.InvariantCulture)}
                inputs:
                  - {"{"} size: 96x96, share: 0.5 {"}"}
                  - {"{"} size: 128x128, share: 0.5 {"}"}
                targets: {"{"} latencyMs: 1000 {"}"}
              - id: questions
                model: {TinyLlm.File()}
                requestsPerHour: 3600
                prompt: 16
                gen: 4
                targets: {"{"} ttftMs: 500, tokensPerSecond: 40 {"}"}
            """);
        return path;
    }

    [Fact]
    public void Bench_usecase_runs_every_workload_together_prints_the_table_and_saves_a_usecase_record()
    {
        var file = UseCaseFile();
        var (code, output, errors) = Wpt.Run("bench", "usecase", file, "--duration", "3", "--threads", "1", "--db", Db);
        Assert.True(code == 0, errors + output);
        Assert.Contains("Measured, all workloads together", output);
        Assert.Contains("detector", output);
        Assert.Contains("questions", output);
        Assert.Contains("VALID", output);
        Assert.Contains("Predicted beside measured", output);
        Assert.Contains("CPU utilisation", output);
        Assert.Contains("Composite score at the working point (", output);

        using (var store = new SqliteResultStore(Db, "test"))
        {
            var stored = Assert.Single(store.List(MeasurementKind.UseCase));
            var record = stored.Record;
            Assert.Equal("Tiny camera", record.Parameters["usecase"]);
            Assert.Contains(record.Metrics, m => m.Name == "detector.fps" && m.Value > 0);
            Assert.Contains(record.Metrics, m => m.Name == "figure.detector.latency-p50.measured");
            Assert.Contains(record.Metrics, m => m.Name == "questions.requests");
            Assert.Contains(record.Metrics, m => m.Name == "score.measured" && m.Value > 0);
            Assert.True(record.Parameters.ContainsKey("score-reference"));
            var latencies = Assert.Single(record.Samples, s => s.Name == "detector.latency");
            Assert.NotEmpty(latencies.Values);

            var (showCode, shown, _) = Wpt.Run("results", "show", stored.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--db", Db);
            Assert.Equal(0, showCode);
            Assert.Contains("detector.latency", shown);
        }

        var report = Path.Combine(_directory, "tiny.md");
        var (reportCode, _, reportErrors) = Wpt.Run("report", file, "-p", "raspberry-pi-5", "-o", report, "--db", Db);
        Assert.True(reportCode == 0, reportErrors);
        var markdown = File.ReadAllText(report);
        Assert.Contains("## Measured on this machine", markdown);
        Assert.Contains("| detector | latency p50 |", markdown);
    }

    [Fact]
    public void Bench_usecase_runs_the_host_sized_example_through_both_runtimes()
    {
        var (code, output, errors) = Wpt.Run("bench", "usecase", Path.Combine(TestModels.RepositoryRoot, "examples", "host-usecase.yaml"), "--duration", "4", "--threads", "1", "--json", "--db", Db);
        Assert.True(code == 0, errors + output);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(2, json.RootElement.GetProperty("frames").GetArrayLength());
        Assert.Equal(1, json.RootElement.GetProperty("requests").GetArrayLength());
        using var store = new SqliteResultStore(Db, "test");
        var record = Assert.Single(store.List(MeasurementKind.UseCase)).Record;
        Assert.Equal("Host camera", record.Parameters["usecase"]);
        // 4 s is under the run rules' 10 s minimum: measured and saved, but INVALID with the rule named.
        Assert.Equal(WorkingPoint.Results.Validity.Invalid, record.Verdict!.Validity);
        Assert.Contains(record.Verdict.FailedRules, r => r.StartsWith("min duration", StringComparison.Ordinal));
        Assert.NotNull(record.Manifest);
    }

    [Fact]
    public void Bench_usecase_json_has_each_workload_and_the_figures()
    {
        var (code, output, errors) = Wpt.Run("bench", "usecase", UseCaseFile(), "--duration", "2", "--threads", "1", "--json", "--no-save");
        Assert.True(code == 0, errors + output);
        using var json = JsonDocument.Parse(output);
        var frames = Assert.Single(json.RootElement.GetProperty("frames").EnumerateArray());
        Assert.Equal("detector", frames.GetProperty("id").GetString());
        Assert.Equal(frames.GetProperty("framesDue").GetInt32(), frames.GetProperty("framesRun").GetInt32() + frames.GetProperty("drops").GetInt32());
        Assert.Equal("questions", Assert.Single(json.RootElement.GetProperty("requests").EnumerateArray()).GetProperty("id").GetString());
        Assert.NotEmpty(json.RootElement.GetProperty("figures").EnumerateArray());
    }

    [Fact]
    public void Bench_usecase_overhead_runs_each_frame_workload_through_the_harness_and_bare_and_saves_both()
    {
        var (code, output, errors) = Wpt.Run("bench", "usecase", UseCaseFile(), "--duration", "1", "--threads", "1", "--overhead", "--json", "--db", Db);
        Assert.True(code == 0, errors + output);
        using var json = JsonDocument.Parse(output);
        var overhead = Assert.Single(json.RootElement.GetProperty("overhead").EnumerateArray());
        Assert.Equal("detector", overhead.GetProperty("id").GetString());
        Assert.True(overhead.GetProperty("bareP50Ms").GetDouble() > 0);
        Assert.True(overhead.GetProperty("harnessP50Ms").GetDouble() > 0);
        using var store = new SqliteResultStore(Db, "test");
        var record = Assert.Single(store.List(MeasurementKind.UseCase)).Record;
        Assert.Equal("true", record.Parameters["overhead"]);
        Assert.Contains(record.Metrics, m => m.Name == "overhead.detector.percent" && m.Unit == "%");
        var rounds = WorkingPoint.Runner.UseCaseBenchmarkRunner.OverheadRounds * WorkingPoint.Runner.UseCaseBenchmarkRunner.OverheadFramesPerRound;
        Assert.Equal(rounds, Assert.Single(record.Samples, s => s.Name == "overhead.detector.bare").Values.Count);
    }

    [Fact]
    public void Bench_usecase_sustained_reports_each_workload_over_time_with_its_throttle_onset_and_saves_them()
    {
        // 3 s in the default windows (0.5 s): the reference is the first window, the other five come after it.
        var (code, output, errors) = Wpt.Run("bench", "usecase", UseCaseFile(), "--sustained", "0.05", "--threads", "1", "--db", Db);
        Assert.True(code == 0, errors + output);
        Assert.Contains("Sustained throughput (detector, ", output, StringComparison.Ordinal);
        Assert.Contains("Sustained throughput (questions, ", output, StringComparison.Ordinal);
        Assert.Contains("Throttle onset (detector): ", output, StringComparison.Ordinal);
        Assert.Contains("Throttle onset (questions): ", output, StringComparison.Ordinal);
        Assert.Contains("on this machine for 3", output, StringComparison.Ordinal);

        using var store = new SqliteResultStore(Db, "test");
        var record = Assert.Single(store.List(MeasurementKind.UseCase)).Record;
        Assert.Equal("0.05", record.Parameters["sustained-minutes"]);
        Assert.Equal("3", record.Parameters["duration"]);
        Assert.Equal("0.5", record.Parameters["window"]);
        Assert.Contains(record.Metrics, m => m.Name == "detector.sustained.reference-throughput" && m.Unit == "frames/s" && m.Value > 0);
        Assert.Contains(record.Metrics, m => m.Name == "questions.sustained.reference-throughput" && m.Unit == "tok/s" && m.Value > 0);
        Assert.Contains(record.Metrics, m => m.Name == "detector.sustained.throttle-onset-measured");
        Assert.NotEmpty(Assert.Single(record.Samples, s => s.Name == "detector.sustained.throughput").Values);
        Assert.Equal(6, Assert.Single(record.Samples, s => s.Name == "detector.sustained.achieved-fps").Values.Count);
        Assert.NotEmpty(Assert.Single(record.Samples, s => s.Name == "questions.sustained.throughput").Values);
    }

    [Fact]
    public void Bench_usecase_sustained_json_has_each_workload_over_time_and_says_when_an_onset_was_not_measured()
    {
        // One window over the whole 3-s run: there is no window after the reference, so no onset can be measured.
        var (code, output, errors) = Wpt.Run("bench", "usecase", UseCaseFile(), "--sustained", "0.05", "--window", "10", "--threads", "1", "--json", "--no-save");
        Assert.True(code == 0, errors + output);
        using var json = JsonDocument.Parse(output);
        var workloads = json.RootElement.GetProperty("sustained").EnumerateArray().ToArray();
        Assert.Equal(["detector", "questions"], workloads.Select(w => w.GetProperty("id").GetString()));
        foreach (var workload in workloads)
        {
            var series = workload.GetProperty("series");
            Assert.Equal(10, series.GetProperty("windowSeconds").GetDouble());
            Assert.Single(series.GetProperty("windows").EnumerateArray());
            Assert.False(series.GetProperty("throttleOnsetMeasured").GetBoolean());
            Assert.StartsWith("not measured: ", series.GetProperty("description").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal("frames/s", workloads[0].GetProperty("series").GetProperty("unit").GetString());
        Assert.Single(workloads[0].GetProperty("achievedFps").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, workloads[1].GetProperty("achievedFps").ValueKind);
    }

    /// <summary>A saved bench usecase result of the tiny use case, with fixed figures, as 'wpt report' reads it back.</summary>
    private void SaveMeasuredResult() => SaveMeasuredResult(Db);

    /// <summary>The same in the database at <paramref name="db"/> (the schema tests check the report's JSON with it).</summary>
    internal static void SaveMeasuredResult(string db)
    {
        using var store = new SqliteResultStore(db, "test");
        var fingerprint = new PlatformFingerprint("AMD EPYC 7B13", "x86_64", 2, 8L << 30, "Linux 6.8", "devbox", new SortedDictionary<string, string> { [".NET"] = "10.0.0" });
        var parameters = new Dictionary<string, string>
        {
            ["usecase"] = "Tiny camera", ["duration"] = "10", ["scale"] = "1", ["time-compression"] = "1.5", ["seed"] = "1",
            ["predicted-on"] = "host", ["score-reference"] = "raspberry-pi-5",
        };
        Metric[] metrics =
        [
            new("figure.detector.latency-p50.measured", 7.64, "ms"), new("figure.detector.latency-p50.predicted", 9.12, "ms"),
            new("figure.detector.fps.measured", 4, "frames/s"), new("figure.detector.fps.predicted", 4, "frames/s"),
            new("figure.questions.ttft-p50.measured", 591, "ms"),
            new("score.measured", 41.5, "score"), new("score.predicted", 50, "score"),
        ];
        store.Save(new MeasurementRecord(MeasurementKind.UseCase, new DateTimeOffset(2026, 12, 2, 7, 30, 0, TimeSpan.Zero), TimeSpan.FromSeconds(10), fingerprint, "Tiny camera", null, parameters, metrics, [])
        {
            Verdict = new RunVerdict("≥ 10 s, ≥ 1 repetitions, variation ≤ 5 %", [], [], Contention: new CpuContention(1.9, 1.6, 0, 0.4)),
        });
    }

    [Fact]
    public void Report_json_has_the_measured_section_with_the_composite_score_when_the_use_case_was_measured()
    {
        var file = UseCaseFile();
        SaveMeasuredResult();
        var output = Path.Combine(_directory, "tiny.json");

        var (code, _, errors) = Wpt.Run("report", file, "-p", "raspberry-pi-5", "-o", output, "--db", Db);

        Assert.True(code == 0, errors);
        var measured = JsonNode.Parse(File.ReadAllText(output))!["measured"]!;
        Golden.Verify("report-json-measured.json", measured.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));

        var markdown = Path.Combine(_directory, "tiny.md");
        Assert.Equal(0, Wpt.Run("report", file, "-p", "raspberry-pi-5", "-o", markdown, "--db", Db).ExitCode);
        Assert.Contains("Composite score at the working point (raspberry-pi-5 = 100): measured 41.5, predicted 50 (-17 %).", File.ReadAllText(markdown), StringComparison.Ordinal);
        Assert.Contains("Run rules: VALID, contended.", File.ReadAllText(markdown), StringComparison.Ordinal);
    }

    [Fact]
    public void Report_json_has_no_measured_section_when_the_use_case_was_never_measured()
    {
        var output = Path.Combine(_directory, "never.json");

        var (code, _, errors) = Wpt.Run("report", UseCaseFile(), "-p", "raspberry-pi-5", "-o", output, "--db", Path.Combine(_directory, "empty.db"));

        Assert.True(code == 0, errors);
        Assert.Null(JsonNode.Parse(File.ReadAllText(output))!["measured"]);
    }

    [Fact]
    public void Bench_usecase_refuses_a_missing_file_in_one_line()
    {
        var (code, _, errors) = Wpt.Run("bench", "usecase", Path.Combine(_directory, "missing.yaml"), "--no-save");
        Assert.Equal(2, code);
        Assert.Single(errors.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("--scale", "0")]
    [InlineData("--duration", "0")]
    [InlineData("--duration", "100000")]
    [InlineData("--time-compression", "0.5")]
    [InlineData("--sustained", "0")]
    [InlineData("--sustained", "2000")]
    [InlineData("--window", "0")]
    public void Bench_usecase_refuses_options_out_of_range(string option, string value)
    {
        var (code, _, errors) = Wpt.Run("bench", "usecase", UseCaseFile(), option, value, "--no-save");
        Assert.Equal(2, code);
        Assert.Contains(option, errors);
    }

    [Fact]
    public void Bench_usecase_refuses_frame_rates_beyond_what_it_paces_and_names_the_scale()
    {
        var (code, _, errors) = Wpt.Run("bench", "usecase", UseCaseFile(fps: 60), "--scale", "10", "--no-save");
        Assert.Equal(2, code);
        Assert.Contains("--scale", errors);
        Assert.Single(errors.Trim().Split('\n'));
    }
}
