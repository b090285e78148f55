using System.Text.Json;
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

    private string UseCaseFile(double fps = 4)
    {
        var path = Path.Combine(_directory, "tiny.yaml");
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

        using (var store = new SqliteResultStore(Db, "test"))
        {
            var stored = Assert.Single(store.List(MeasurementKind.UseCase));
            var record = stored.Record;
            Assert.Equal("Tiny camera", record.Parameters["usecase"]);
            Assert.Contains(record.Metrics, m => m.Name == "detector.fps" && m.Value > 0);
            Assert.Contains(record.Metrics, m => m.Name == "figure.detector.latency-p50.measured");
            Assert.Contains(record.Metrics, m => m.Name == "questions.requests");
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
