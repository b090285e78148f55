using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Cli.Tests;

/// <summary>
/// No surprise writes: a file wpt names itself is never replaced without --force; a file named with -o is; every write is
/// reported with its full path. Out of process, because default names land in the current directory.
/// </summary>
public sealed class FileOverwriteTests : IDisposable
{
    private const string Kept = "an existing file the user cares about";

    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-writes-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string, string[]> DefaultNamedOutputs => new()
    {
        { "roofline.png", ["roofline", "-p", "hailo-8", "-m", "yolov8n"] },
        { "robot.html", ["report", Path.Combine(TestModels.RepositoryRoot, "examples", "robot.yaml")] },
        { "espcn-x2-64x64.onnx", ["models", "export", "espcn-x2", "--input", "64x64"] },
    };

    [Theory]
    [MemberData(nameof(DefaultNamedOutputs))]
    public void A_default_named_output_over_an_existing_file_is_refused_without_force_and_nothing_changes(string file, string[] args)
    {
        var path = Path.Combine(_directory, file);
        File.WriteAllText(path, Kept);

        var (code, output, errors) = ProcessRunner.Wpt(_directory, args);

        Assert.Equal(2, code);
        Assert.Equal($"wpt: error: {path} already exists and was not named with -o; pass --force to replace it, or -o FILE to write elsewhere.", errors.Trim());
        Assert.Equal(Kept, File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(_directory));
        Assert.DoesNotContain("Wrote", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DefaultNamedOutputs))]
    public void Force_replaces_a_default_named_output_and_says_where_it_wrote(string file, string[] args)
    {
        var path = Path.Combine(_directory, file);
        File.WriteAllText(path, Kept);

        var (code, output, errors) = ProcessRunner.Wpt(_directory, [.. args, "--force"]);

        Assert.True(code == 0, errors);
        Assert.NotEqual(Kept, File.ReadAllText(path));
        Assert.Single(output.Split('\n'), line => line.StartsWith($"Wrote {path}", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(DefaultNamedOutputs))]
    public void A_file_named_with_o_is_replaced_without_force(string file, string[] args)
    {
        var path = Path.Combine(_directory, file);
        File.WriteAllText(path, Kept);

        var (code, output, errors) = ProcessRunner.Wpt(_directory, [.. args, "-o", file]);

        Assert.True(code == 0, errors);
        Assert.NotEqual(Kept, File.ReadAllText(path));
        Assert.Contains($"Wrote {path}", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_default_named_output_that_does_not_exist_yet_is_written_and_its_full_path_printed()
    {
        var (code, output, errors) = ProcessRunner.Wpt(_directory, "roofline", "-p", "hailo-8", "-m", "yolov8n");

        Assert.True(code == 0, errors);
        var path = Path.Combine(_directory, "roofline.png");
        Assert.True(File.Exists(path));
        Assert.Contains($"Wrote {path}", output, StringComparison.Ordinal);
    }
}
