using WorkingPoint.Cli.Commands;

namespace WorkingPoint.Cli.Tests;

/// <summary>
/// <c>wpt measure runtimes</c> and the host-runtimes.yaml the validate commands read. Runs that need a damaged file in the data
/// directory run out of process, each with a data directory of its own, so no other test sees the file.
/// </summary>
public sealed class HostRuntimesCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-cli-runtimes-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Measure_runtimes_help_describes_the_probes_and_where_the_profiles_go()
    {
        var (code, output, errors) = Wpt.Run("measure", "runtimes", "--help");

        Assert.True(code == 0, errors);
        Assert.Contains("llama.cpp and ONNX Runtime probes", output, StringComparison.Ordinal);
        Assert.Contains("host-runtimes.yaml", output, StringComparison.Ordinal);
        Assert.Contains("--reps", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Measure_runtimes_is_listed_under_measure()
    {
        var (code, output, _) = Wpt.Run("measure", "--help");

        Assert.Equal(0, code);
        Assert.Contains("runtimes", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_probes_are_none_of_the_models_the_validate_commands_judge()
    {
        var validatedLlms = ValidateLlmCommand.DefaultModels.Split(',');
        var validatedNetworks = ValidateCommand.DefaultModels.Split(',').Select(m => m.Split('@')[0]);

        Assert.DoesNotContain(MeasureRuntimesCommand.ProbeLlm, validatedLlms);
        Assert.Empty(MeasureRuntimesCommand.ProbeGraphs().Select(g => g.Name).Intersect(validatedNetworks));
        Assert.True(MeasureRuntimesCommand.ProbeGraphs().Count >= 4, "a share and two overheads need the probes to differ in size and layer count");
    }

    [Theory]
    [InlineData("validate llm")]
    [InlineData("validate")]
    public void A_damaged_host_runtimes_file_stops_validate_with_one_line_and_exit_code_2(string command)
    {
        File.WriteAllText(Path.Combine(_directory, "host-runtimes.yaml"), "platform: host\nmeasured: 2026-12-01T23:10:00Z\nruntimes:\n  onnxruntime-cpu:\n    networkComputeShare: { value: 7, fit: x }\n");

        var (code, output, errors) = RunIsolated(command.Split(' '));

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        var line = Assert.Single(errors.Trim().Split('\n'));
        Assert.Contains("host-runtimes.yaml:5", line, StringComparison.Ordinal);
        Assert.Contains("networkComputeShare.value' is 7", line, StringComparison.Ordinal);
        Assert.Contains("wpt measure runtimes", line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "host.yaml")), "nothing is measured before the file is read");
    }

    [Fact]
    public void Measure_runtimes_refuses_a_directory_as_its_file_before_measuring_anything()
    {
        var (code, _, errors) = RunIsolated("measure", "runtimes", "--file", _directory);

        Assert.Equal(2, code);
        Assert.Single(errors.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(_directory, "host.yaml")));
    }

    private (int ExitCode, string Output, string Errors) RunIsolated(params string[] args) =>
        ProcessRunner.Run("dotnet", [ProcessRunner.WptDll, .. args], _directory, new Dictionary<string, string> { ["WPT_DATA_DIR"] = _directory, ["COLUMNS"] = "120" });
}
