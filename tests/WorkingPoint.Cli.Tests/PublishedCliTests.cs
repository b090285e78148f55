using System.Runtime.CompilerServices;
using System.Text.Json;
using WorkingPoint.Results;

namespace WorkingPoint.Cli.Tests;

/// <summary><c>wpt published</c> and <c>wpt calibrate</c> on the seed rows of the dataset (tests/Shared/published).</summary>
public sealed class PublishedCliTests
{
    private static readonly string Fixture = FixtureDirectory();

    private const string Header = "id,platform,model,weights,runtime,unit,batch,prompt_tokens,gen_tokens,input,power_mode,metric,value,source,date,notes";

    private static string FixtureDirectory([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "Shared", "published"));

    /// <summary>A folder holding one CSV file with <paramref name="lines"/> under the header.</summary>
    private static string DataWith(params string[] lines)
    {
        var directory = Directory.CreateTempSubdirectory("wpt-published-").FullName;
        File.WriteAllText(Path.Combine(directory, "rows.csv"), string.Join('\n', [Header, .. lines]) + "\n");
        return directory;
    }

    [Fact]
    public void Published_on_hailo_8_lists_each_row_beside_its_prediction_with_the_median_error_below()
    {
        var (code, output, errors) = Wpt.Run("published", "--platform", "hailo-8", "--data", Fixture);

        Assert.True(code == 0, errors);
        Golden.Verify("published-hailo-8.txt", output);
    }

    [Fact]
    public void Published_help_names_every_filter_and_the_data_folder()
    {
        var (code, output, _) = Wpt.Run("published", "--help");

        Assert.Equal(0, code);
        foreach (var option in new[] { "--platform", "--runtime", "--model", "--metric", "--data", "--format" })
        {
            Assert.Contains(option, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Calibrate_help_names_the_output_folder_and_the_data_folder()
    {
        var (code, output, _) = Wpt.Run("calibrate", "--help");

        Assert.Equal(0, code);
        Assert.Contains("--output <DIR>", output, StringComparison.Ordinal);
        Assert.Contains("--data <DIR>", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--runtime", "hailo-rt", "--runtime 'hailo-rt' names nothing in the catalog or the published dataset. Did you mean 'hailort'?")]
    [InlineData("--platform", "hailo-9", "--platform 'hailo-9' names nothing in the catalog or the published dataset. Did you mean 'hailo-8'?")]
    [InlineData("--model", "yolov9n", "--model 'yolov9n' names nothing in the catalog or the published dataset. Did you mean 'yolov8n'?")]
    [InlineData("--metric", "tok_s", "--metric 'tok_s' is not a metric; use one of tg_tok_s, pp_tok_s")]
    public void A_filter_that_names_nothing_is_one_line_with_the_closest_id_and_exit_2(string option, string value, string expected)
    {
        var (code, output, errors) = Wpt.Run("published", option, value, "--data", Fixture);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        var line = Assert.Single(errors.TrimEnd().Split('\n'));
        Assert.StartsWith("wpt: error: " + expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_row_is_one_line_naming_the_file_and_line_and_the_fix()
    {
        var data = DataWith(
            "P1,raspberry-pi-5,llama-3.2-1b,q4_k_m,llama.cpp-cpu,cpu,1,,128,,,tg_tok_s,7.69,dambergn/ollama-benchmarks README,,",
            "P2,raspberry-pi-5,llama-3.2-3b,q4_k_m,llama.cpp-cpu,cpu,1,,128,,,tg_tok_s,-3.25,dambergn/ollama-benchmarks README,,");

        foreach (var command in new[] { "published", "calibrate" })
        {
            var (code, _, errors) = Wpt.Run(command, "--data", data);

            Assert.Equal(2, code);
            var line = Assert.Single(errors.TrimEnd().Split('\n'));
            Assert.Equal($"wpt: error: {Path.Combine(data, "rows.csv")}:3 (P2): value '-3.25' must be a positive number (a dot for decimals, no unit); write the figure in the metric's unit (tok/s).", line);
        }
    }

    [Fact]
    public void Published_as_json_gives_every_row_with_measured_predicted_and_signed_error()
    {
        var (code, output, errors) = Wpt.Run("published", "--runtime", "rkllm", "--data", Fixture, "--json");

        Assert.True(code == 0, errors);
        using var doc = JsonDocument.Parse(output);
        var rows = doc.RootElement.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(9, rows.Length);
        foreach (var row in rows)
        {
            var (measured, predicted) = (row.GetProperty("measured").GetDouble(), row.GetProperty("predicted").GetDouble());
            Assert.Equal(((predicted / measured) - 1) * 100, row.GetProperty("errorPercent").GetDouble(), 9);
            Assert.Equal("rkllm", row.GetProperty("runtime").GetString());
        }

        Assert.Equal(9, doc.RootElement.GetProperty("error").GetProperty("rows").GetInt32());
    }

    [Fact]
    public void Published_as_csv_is_one_header_and_a_line_per_row()
    {
        var (code, output, errors) = Wpt.Run("published", "--platform", "raspberry-pi-5", "--metric", "tg_tok_s", "--data", Fixture, "--format", "csv");

        Assert.True(code == 0, errors);
        var lines = output.TrimEnd().Split('\n');
        Assert.Equal("Id,Platform,Model,Weights,Runtime,Metric,Setting,Measured,Predicted,Error", lines[0]);
        Assert.Equal(9, lines.Length);
    }

    [Fact]
    public void Rows_the_catalog_cannot_predict_are_listed_with_the_reason()
    {
        var data = DataWith(
            "P1,raspberry-pi-5,llama-3.2-1b,q4_k_m,llama.cpp-cpu,cpu,1,,128,,,tg_tok_s,7.69,dambergn/ollama-benchmarks README,,",
            "X1,raspberry-pi-5,mixtral-8x7b,q4_k_m,llama.cpp-cpu,cpu,1,,128,,,tg_tok_s,2.1,somewhere,,");

        var (code, output, errors) = Wpt.Run("published", "--data", data);

        Assert.True(code == 0, errors);
        Assert.Contains("Not predictable", output, StringComparison.Ordinal);
        Assert.Contains("X1 (raspberry-pi-5, mixtral-8x7b, tg_tok_s): model 'mixtral-8x7b' is not in the catalog", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Calibrate_fits_each_runtime_reports_the_cross_validated_error_and_writes_the_profiles_with_provenance()
    {
        var data = DataWith(File.ReadAllLines(Path.Combine(Fixture, "llm.csv")).Where(l => l.Contains(",raspberry-pi-5,", StringComparison.Ordinal) || l.StartsWith("R", StringComparison.Ordinal)).ToArray());
        var output = Directory.CreateTempSubdirectory("wpt-calibrated-").FullName;

        var (code, table, errors) = Wpt.Run("calibrate", "--data", data, "-o", output);

        Assert.True(code == 0, errors);
        Assert.Contains("llama.cpp-cpu", table, StringComparison.Ordinal);
        Assert.Contains("rkllm", table, StringComparison.Ordinal);
        Assert.Contains("Leave one model out", table, StringComparison.Ordinal);
        var profile = File.ReadAllText(Path.Combine(output, "llama.cpp-cpu.yaml"));
        Assert.Contains("\nid: llama.cpp-cpu\n", profile, StringComparison.Ordinal);
        Assert.Contains("  decodeDramShare: { value: ", profile, StringComparison.Ordinal);
        Assert.Contains("; 8 rows; error band ±", profile, StringComparison.Ordinal);
        Assert.Contains("#   P3 qwen2.5-0.5b on raspberry-pi-5, tg_tok_s 20.35: ", profile, StringComparison.Ordinal);
        Assert.Contains($": wpt calibrate --data {data} -o {output} (docs/model.md", profile, StringComparison.Ordinal);
        var read = WorkingPoint.Catalog.Catalog.BuiltIn.ResolveRuntime(Path.Combine(output, "llama.cpp-cpu.yaml"));
        Assert.StartsWith("wpt calibrate ", read.Profile.Origin, StringComparison.Ordinal);

        var (jsonCode, json, _) = Wpt.Run("calibrate", "--data", data, "--json");
        Assert.Equal(0, jsonCode);
        using var doc = JsonDocument.Parse(json);
        var cpu = doc.RootElement.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("group").GetString() == "llama.cpp-cpu");
        Assert.True(cpu.GetProperty("fitted").GetBoolean());
        Assert.Equal(8, cpu.GetProperty("leaveOneModelOut").GetProperty("rows").GetInt32());
        Assert.StartsWith("±", cpu.GetProperty("errorBand").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Calibrate_refuses_an_output_that_is_a_file_before_fitting()
    {
        var file = Path.GetTempFileName();

        var (code, _, errors) = Wpt.Run("calibrate", "--data", Fixture, "-o", file);

        Assert.Equal(2, code);
        Assert.Equal($"wpt: error: -o '{file}' is a file; give a folder for the fitted runtime profiles.", errors.TrimEnd());
    }
}
