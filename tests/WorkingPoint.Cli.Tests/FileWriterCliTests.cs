using System.Runtime.Versioning;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Cli.Tests;

/// <summary>Every command that writes a file writes it through the one safe writer: no link followed, nothing half-written left.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class FileWriterCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-cli-files-").FullName;

    public void Dispose()
    {
        MeasurementHooks.Starting.Value = null;
        Directory.Delete(_directory, recursive: true);
    }

    private string Victim()
    {
        var victim = Path.Combine(_directory, "victim.txt");
        File.WriteAllText(victim, "keep me");
        return victim;
    }

    /// <summary>The command with OUT where its output file goes.</summary>
    public static TheoryData<string, string[]> Writers() => new()
    {
        { "out.onnx", ["models", "export", "yolov8n", "--input", "160x160", "-o", "OUT"] },
        { "out.gguf", ["models", "synth", "qwen2.5-0.5b", "--weights", "q4_0", "-o", "OUT"] },
        { "out.png", ["roofline", "--platform", "raspberry-pi-5", "--model", "yolov8n", "-o", "OUT"] },
        { "out.svg", ["roofline", "--platform", "raspberry-pi-5", "--model", "yolov8n", "-o", "OUT"] },
        { "out.html", ["report", Path.Combine(TestModels.RepositoryRoot, "examples", "smart-camera.yaml"), "-o", "OUT"] },
        { "out.csv", ["results", "export", "--csv", "-o", "OUT"] },
    };

    private string[] With(string[] command, string output) =>
        [.. command.Select(a => a == "OUT" ? output : a), .. command[0] == "results" ? new[] { "--db", CreateDatabase() } : []];

    private string CreateDatabase()
    {
        var db = Path.Combine(_directory, "results.db");
        using (new WorkingPoint.Results.Sqlite.SqliteResultStore(db))
        {
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return db;
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void A_symbolic_link_at_the_output_is_refused_in_one_line_and_its_target_untouched(string name, string[] command)
    {
        var victim = Victim();
        var output = Path.Combine(_directory, name);
        File.CreateSymbolicLink(output, victim);

        var (code, _, errors) = Wpt.Run(With(command, output));

        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.Contains($"{output}: is a symbolic link", errors, StringComparison.Ordinal);
        Assert.Single(errors.TrimEnd().Split('\n'));
        Assert.Equal("keep me", File.ReadAllText(victim));
        Assert.NotNull(new FileInfo(output).LinkTarget);
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void Links_planted_at_temporary_like_names_are_not_followed_and_no_temporary_file_remains(string name, string[] command)
    {
        if (command[1] == "synth")
        {
            // A 0.5 B model is 300 MB: the writer it shares with every other command is tested on them and in AtomicFileTests.
            return;
        }

        var victim = Victim();
        var output = Path.Combine(_directory, name);
        var planted = new[] { output + ".tmp", output + ".partial", Path.Combine(_directory, "." + name + ".tmp") };
        foreach (var link in planted)
        {
            File.CreateSymbolicLink(link, victim);
        }

        var (code, _, errors) = Wpt.Run(With(command, output));

        Assert.True(code == 0, errors);
        Assert.Equal("keep me", File.ReadAllText(victim));
        Assert.True(new FileInfo(output).Length > 0);
        Assert.Null(new FileInfo(output).LinkTarget);
        var left = Directory.GetFileSystemEntries(_directory).Select(Path.GetFileName).Where(n => n!.StartsWith('.') && !planted.Contains(Path.Combine(_directory, n)));
        Assert.Empty(left);
    }

    [Theory]
    [InlineData("--plot", "latency.svg", "bench", "onnx")]
    [InlineData("-o", "bandwidth.png", "measure", "roofline", "--quick")]
    [InlineData("--host-file", "host.yaml", "measure", "roofline", "--quick")]
    public void A_link_at_a_measuring_commands_output_is_refused_before_it_measures(string option, string name, params string[] command)
    {
        var measurements = 0;
        MeasurementHooks.Starting.Value = () => measurements++;
        var victim = Victim();
        var output = Path.Combine(_directory, name);
        File.CreateSymbolicLink(output, victim);
        string[] model = command[0] == "bench" ? [TestModels.OcrDirectionClassifier, "--input", "192x48"] : [];

        var (code, _, errors) = Wpt.Run([.. command, .. model, option, output, "--no-save"]);

        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.Equal(0, measurements);
        Assert.Contains("is a symbolic link", errors, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(victim));
    }

    [Fact]
    public void Exporting_a_model_to_a_missing_directory_names_that_directory_and_no_temporary_name()
    {
        var (code, _, errors) = Wpt.Run("models", "export", "yolov8n", "--input", "160x160", "-o", "/nonexistent/dir/r.onnx");
        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.Contains("/nonexistent/dir", errors, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp", errors, StringComparison.Ordinal);
    }
}
