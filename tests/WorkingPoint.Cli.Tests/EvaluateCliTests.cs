using System.Text.Json;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Cli.Tests;

public sealed class EvaluateCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-cli-evaluate-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Example(string name) => Path.Combine(TestModels.RepositoryRoot, "examples", name);

    [Fact]
    public void Evaluate_shows_verdicts_workloads_ranking_and_sensitivity()
    {
        var (code, output, errors) = Wpt.Run("evaluate", Example("robot.yaml"), "--platforms", "jetson-orin-nano-8gb-super,rk3588,hailo-10h");
        Assert.True(code == 0, errors);
        Golden.Verify("evaluate-robot.txt", output.Replace(TestModels.RepositoryRoot, "<repo>", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_json_names_the_feasible_set_and_the_ranking()
    {
        var (code, output, errors) = Wpt.Run("evaluate", Example("smart-camera.yaml"), "--json");
        Assert.True(code == 0, errors);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("Smart camera", root.GetProperty("useCase").GetString());
        Assert.True(root.GetProperty("feasible").GetArrayLength() > 0);
        Assert.Equal(root.GetProperty("feasible").GetArrayLength(), root.GetProperty("ranking").GetArrayLength());
        var first = root.GetProperty("platforms")[0];
        Assert.True(first.TryGetProperty("verdict", out _));
        Assert.True(first.TryGetProperty("workloads", out _));
    }

    [Fact]
    public void Report_writes_html_markdown_and_json()
    {
        foreach (var extension in new[] { ".html", ".md", ".json" })
        {
            var path = Path.Combine(_directory, "report" + extension);
            var (code, output, errors) = Wpt.Run("report", Example("home-assistant.yaml"), "-o", path);
            Assert.True(code == 0, errors);
            Assert.Contains("platforms meet Home assistant", output, StringComparison.Ordinal);
            Assert.True(new FileInfo(path).Length > 500);
        }
    }

    [Fact]
    public void A_use_case_that_fits_nowhere_is_reported_with_the_reason_and_exit_code_0()
    {
        var path = Path.Combine(_directory, "impossible.yaml");
        File.WriteAllText(path, "name: Impossible\nworkloads:\n  - { id: d, model: yolov8x, weights: fp16, fps: 120, input: 3840x2160, targets: { latencyMs: 5 } }\nconstraints:\n  power: { sustainedW: 2 }\n");
        var (code, output, _) = Wpt.Run("evaluate", path);
        Assert.Equal(0, code);
        Assert.Contains("No platform meets every target and constraint.", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("evaluate /nonexistent/case.yaml", "no such use-case file")]
    [InlineData("report /nonexistent/case.yaml", "no such use-case file")]
    [InlineData("evaluate {dir}/bad.yaml", "malformed YAML")]
    [InlineData("evaluate {dir}/unknown-model.yaml", "Unknown model 'yolov99'")]
    [InlineData("evaluate {dir}/contradiction.yaml", "contradicts the rate")]
    [InlineData("report {dir}/contradiction.yaml -o report.pdf", "-o must end in .html, .md or .json")]
    [InlineData("evaluate {dir}/unknown-model.yaml --platforms nope", "Unknown model 'yolov99'")]
    public void Bad_use_case_input_is_one_clear_line_and_exit_code_2(string args, string expected)
    {
        File.WriteAllText(Path.Combine(_directory, "bad.yaml"), "name: x\nworkloads: [ { id: a\n");
        File.WriteAllText(Path.Combine(_directory, "unknown-model.yaml"), "name: x\nworkloads:\n  - { id: a, model: yolov99, fps: 5 }\n");
        File.WriteAllText(Path.Combine(_directory, "contradiction.yaml"), "name: x\nworkloads:\n  - { id: a, model: yolov8n, fps: 10, targets: { fps: 30 } }\n");
        var (code, _, errors) = Wpt.Run(args.Replace("{dir}", _directory, StringComparison.Ordinal).Split(' '));
        Assert.Equal(2, code);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
        Assert.Single(errors.Trim().Split('\n'));
    }
}
