using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using WorkingPoint.Tests.Shared;
using WorkingPoint.Results;

namespace WorkingPoint.Cli.Tests;

public sealed class ProvenanceTests
{
    [Fact]
    public void Version_prints_the_version_the_git_commit_and_the_catalog_hash()
    {
        var (code, output, errors) = Wpt.Run("--version");

        Assert.Equal(0, code);
        Assert.Empty(errors);
        var lines = output.TrimEnd().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^wpt \d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$", lines[0]);
        Assert.NotEqual("wpt 1.0.0", lines[0]);
        Assert.Matches("^commit ([0-9a-f]{40}|unknown)$", lines[1]);
        Assert.Equal($"catalog sha256 {WorkingPoint.Catalog.Catalog.ContentHash}", lines[2]);
    }

    [Fact]
    public void The_version_comes_from_git_so_the_commit_is_the_checked_out_one()
    {
        var head = ProcessRunner.Run("git", ["rev-parse", "HEAD"], TestModels.RepositoryRoot);
        if (head.ExitCode != 0)
        {
            // A source tree without git (an unpacked archive) builds with commit "unknown"; nothing to compare with.
            Assert.Equal("unknown", WptBuild.Current.Commit);
            return;
        }

        Assert.Equal(head.Output.Trim(), WptBuild.Current.Commit);
    }

    [Fact]
    public void The_catalog_hash_is_the_sha256_of_every_catalog_yaml_file_by_name_and_text()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var root = Path.Combine(TestModels.RepositoryRoot, "catalog");
        var files = Directory.GetFiles(root, "*.yaml", SearchOption.AllDirectories)
            .Select(f => (Name: Path.GetRelativePath(root, f).Replace('\\', '/'), Path: f))
            .OrderBy(f => f.Name, StringComparer.Ordinal);
        foreach (var (name, path) in files)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(name));
            sha.AppendData([0]);
            sha.AppendData(Encoding.UTF8.GetBytes(File.ReadAllText(path).ReplaceLineEndings("\n")));
            sha.AppendData([0]);
        }

        Assert.Equal(Convert.ToHexStringLower(sha.GetHashAndReset()), WorkingPoint.Catalog.Catalog.ContentHash);
    }

    [Theory]
    [InlineData("predict", "-p", "hailo-10h", "-m", "llama-3.2-1b", "--json")]
    [InlineData("compare", "-m", "yolov8n", "--json")]
    [InlineData("evaluate", "examples/robot.yaml", "--json")]
    [InlineData("platforms", "--json")]
    [InlineData("models", "--json")]
    [InlineData("solve", "input", "-p", "hailo-8", "-m", "yolov8s", "--target-fps", "30", "--json")]
    public void Every_json_output_starts_with_the_wpt_version_commit_and_catalog_hash(params string[] args)
    {
        var resolved = args.Select(a => a.StartsWith("examples/", StringComparison.Ordinal) ? Path.Combine(TestModels.RepositoryRoot, a) : a).ToArray();
        var (code, output, errors) = Wpt.Run(resolved);

        Assert.True(code == 0, errors);
        using var json = JsonDocument.Parse(output);
        var first = json.RootElement.EnumerateObject().First();
        Assert.Equal("wpt", first.Name);
        Assert.Equal(WptBuild.Current.Version, first.Value.GetProperty("version").GetString());
        Assert.Equal(WptBuild.Current.Commit, first.Value.GetProperty("commit").GetString());
        Assert.Equal(WorkingPoint.Catalog.Catalog.ContentHash, first.Value.GetProperty("catalogSha256").GetString());
    }

    [Fact]
    public void A_json_list_goes_under_items_after_the_wpt_object()
    {
        var (code, output, _) = Wpt.Run("platforms", "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(["wpt", "items"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(WorkingPoint.Catalog.Catalog.BuiltIn.Platforms.Count, json.RootElement.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public void A_saved_result_carries_the_version_commit_and_catalog_hash_of_the_wpt_that_saved_it()
    {
        var db = Path.Combine(Directory.CreateTempSubdirectory("wpt-provenance-").FullName, "results.db");
        using (var store = ResultsDatabase.Open(db))
        {
            store.Save(new WorkingPoint.Results.MeasurementRecord(
                WorkingPoint.Results.MeasurementKind.Onnx, DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(1),
                new WorkingPoint.Results.PlatformFingerprint("cpu", "x64", 2, 1, "Linux", "host", new Dictionary<string, string>()),
                "m", null, new Dictionary<string, string>(), [new("latency", 1, "ms")], []));
        }

        var (code, output, errors) = Wpt.Run("results", "show", "1", "--db", db, "--json");

        Assert.True(code == 0, errors);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(WptBuild.Current.Version, json.RootElement.GetProperty("wptVersion").GetString());
        Assert.Equal(WptBuild.Current.Commit, json.RootElement.GetProperty("wptCommit").GetString());
        Assert.Equal(WorkingPoint.Catalog.Catalog.ContentHash, json.RootElement.GetProperty("catalogSha256").GetString());
        var (_, text, _) = Wpt.Run("results", "show", "1", "--db", db);
        Assert.Contains(WptBuild.Current.Commit, text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_report_names_the_wpt_version_and_commit_instead_of_a_fixed_string()
    {
        var directory = Directory.CreateTempSubdirectory("wpt-provenance-").FullName;
        var output = Path.Combine(directory, "robot.md");

        var (code, _, errors) = Wpt.Run("report", Path.Combine(TestModels.RepositoryRoot, "examples", "robot.yaml"), "-o", output);

        Assert.True(code == 0, errors);
        var text = File.ReadAllText(output);
        Assert.Contains($"wpt {WptBuild.Current.Version} (commit {WptBuild.Current.Commit[..Math.Min(12, WptBuild.Current.Commit.Length)]}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("wpt 1.0.0", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Informational_versions_split_into_version_and_commit()
    {
        Assert.Equal(("0.1.0-alpha.0.5", "43c3137e147354bd49692fc168d4667baec796c0"), WorkingPoint.Core.Versioning.WptProvenance.Parse("0.1.0-alpha.0.5+43c3137e147354bd49692fc168d4667baec796c0"));
        Assert.Equal(("1.2.3", "unknown"), WorkingPoint.Core.Versioning.WptProvenance.Parse("1.2.3"));
        Assert.Equal(("unknown", "unknown"), WorkingPoint.Core.Versioning.WptProvenance.Parse(null));
        Assert.Matches(new Regex("^[0-9a-f]{64}$"), WorkingPoint.Catalog.Catalog.ContentHash);
    }
}
