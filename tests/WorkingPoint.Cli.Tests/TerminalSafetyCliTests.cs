using WorkingPoint.Core.Workloads;
using WorkingPoint.Gguf;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Cli.Tests;

/// <summary>Names read from files (GGUF metadata, platform YAML) reach the terminal without escape sequences or bidi overrides.</summary>
public sealed class TerminalSafetyCliTests : IDisposable
{
    private const string Evil = "evil\u001b]0;pwned\u0007name\u001b[2J\u202e";

    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-cli-terminal-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static void AssertClean(string text)
    {
        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotContain('\u0007', text);
        Assert.DoesNotContain('\u202e', text);
    }

    [Fact]
    public void A_gguf_whose_metadata_carries_escape_sequences_is_shown_without_them()
    {
        var path = Path.Combine(_directory, "evil.gguf");
        var architecture = TinyLlm.Architecture(LlmFamily.Llama) with { Id = Evil, Name = Evil };
        GgufSynthesizer.Write(GgufSynthesizer.Plan(architecture, WeightFormat.Parse("q4_0")), path);

        var (code, output, errors) = Wpt.Run("models", "import", path);

        Assert.True(code == 0, errors);
        AssertClean(output);
        Assert.Contains("evilname", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_platform_file_whose_name_carries_escape_sequences_is_shown_without_them()
    {
        var path = Path.Combine(_directory, "evil.yaml");
        var yaml = File.ReadAllText(Path.Combine(TestModels.RepositoryRoot, "catalog", "platforms", "raspberry-pi-5.yaml"))
            .Replace("name: Raspberry Pi 5 (CPU only, 8 GB)", "name: \"evil\\e]0;pwned\\aname\\e[2J\\u202E\"", StringComparison.Ordinal);
        File.WriteAllText(path, yaml);

        var (code, output, errors) = Wpt.Run("platforms", path);

        Assert.True(code == 0, errors);
        AssertClean(output);
        Assert.Contains("evilname", output, StringComparison.Ordinal);
    }
}
