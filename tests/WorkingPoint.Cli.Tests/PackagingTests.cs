using System.Text.Json;

namespace WorkingPoint.Cli.Tests;

/// <summary>wpt as a .NET tool: packed from this build, installed into a fresh tool path, run from there.</summary>
public sealed class PackagingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-tool-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [NeedsProgramFact("dotnet")]
    public void The_packed_tool_installs_and_runs_with_its_catalog_and_native_libraries()
    {
        var packages = Path.Combine(_directory, "packages");
        var tools = Path.Combine(_directory, "tools");

        // --no-build: the package holds exactly the build these tests run against (built with the test project).
        var pack = ProcessRunner.Run("dotnet", ["pack", ProcessRunner.CliProject, "-c", ProcessRunner.Configuration, "--no-build", "-o", packages, "-v", "q", "-nologo"], _directory);
        Assert.True(pack.ExitCode == 0, pack.Output + pack.Errors);
        var package = Assert.Single(Directory.GetFiles(packages, "wpt.*.nupkg"));
        var version = Path.GetFileNameWithoutExtension(package)["wpt.".Length..];
        Assert.Equal(WptBuild.Current.Version, version);

        var install = ProcessRunner.Run("dotnet", ["tool", "install", "wpt", "--tool-path", tools, "--add-source", packages, "--version", version], _directory);
        Assert.True(install.ExitCode == 0, install.Output + install.Errors);
        var wpt = Path.Combine(tools, OperatingSystem.IsWindows() ? "wpt.exe" : "wpt");

        var versionRun = ProcessRunner.Run(wpt, ["--version"], _directory);
        Assert.True(versionRun.ExitCode == 0, versionRun.Errors);
        Assert.StartsWith($"wpt {version}\ncommit {WptBuild.Current.Commit}\n", versionRun.Output, StringComparison.Ordinal);

        // The catalog is embedded: a prediction needs nothing beside the installed tool.
        var predict = ProcessRunner.Run(wpt, ["predict", "-p", "hailo-10h", "-m", "llama-3.2-1b", "--json"], _directory);
        Assert.True(predict.ExitCode == 0, predict.Errors);
        using var json = JsonDocument.Parse(predict.Output);
        Assert.Equal("hailo-10h", json.RootElement.GetProperty("platform").GetString());

        // ONNX Runtime's and SQLite's native libraries: a tiny benchmark runs and is saved to a results database.
        var db = Path.Combine(_directory, "results.db");
        var onnx = ProcessRunner.Run(wpt, ["bench", "onnx", "espcn-x2", "--input", "64x48", "--duration", "0", "--min-queries", "3", "--warmup", "1", "--threads", "1", "--db", db], _directory);
        Assert.True(onnx.ExitCode == 0, onnx.Output + onnx.Errors);
        var listed = ProcessRunner.Run(wpt, ["results", "show", "1", "--db", db, "--json"], _directory);
        Assert.True(listed.ExitCode == 0, listed.Errors);

        // llama.cpp's native libraries (LLamaSharp.Backend.Cpu): a tiny synthesized GGUF is run.
        var llm = ProcessRunner.Run(wpt, ["bench", "llm", WorkingPoint.Tests.Shared.TinyLlm.File(), "--prompt", "8", "-n", "2", "-r", "1", "-t", "1", "--no-save"], _directory);
        Assert.True(llm.ExitCode == 0, llm.Output + llm.Errors);
    }
}
