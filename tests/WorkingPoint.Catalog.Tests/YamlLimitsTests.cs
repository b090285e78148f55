using System.Text;
using WorkingPoint.Catalog.UseCases;

namespace WorkingPoint.Catalog.Tests;

/// <summary>Hostile YAML: deep nesting, aliases, huge collections and absurd figures end in one CatalogException line naming the limit.</summary>
public sealed class YamlLimitsTests
{
    private const string Platform = """
        id: test-part
        name: Test part
        vendor: Test
        kind: npu
        execution: layer-by-layer
        sources:
          S1: https://example.com/datasheet
        compute:
          int8: { value: 10, source: S1 }
        memory:
          dram:
            type: LPDDR5
            dataRateMTps: { value: 6400, source: S1 }
            busWidthBits: { value: 64, source: S1 }
            capacityGiB: { value: 8, source: S1 }
        power:
          idleW: { value: 1, source: S1 }
          maxW: { value: 10, source: S1 }
        """;

    private static CatalogException RejectsPlatform(string yaml) => Assert.Throws<CatalogException>(() => PlatformYaml.Parse("p.yaml", yaml));

    private static CatalogException RejectsUseCase(string yaml) => Assert.Throws<CatalogException>(() => UseCaseYaml.Parse("u.yaml", yaml, Catalog.BuiltIn));

    [Fact]
    public void Nesting_a_hundred_thousand_deep_is_refused_at_the_depth_limit_without_overflowing_the_stack()
    {
        var yaml = "name: x\nnotes: " + new string('[', 100_000) + new string(']', 100_000) + "\n";
        var error = RejectsPlatform(yaml);
        Assert.Contains($"nest more than 32 deep", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("p.yaml:2:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_alias_is_refused_and_so_is_an_anchor()
    {
        Assert.Contains("the anchor &a is not allowed", RejectsPlatform("a: &a [1, 2]\nb: 3\n").Message, StringComparison.Ordinal);
        Assert.Contains("the alias *a is not allowed", RejectsPlatform("? *a\n: 1\n").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_over_the_size_limit_is_refused()
    {
        var yaml = "notes: \"" + new string('x', 1 << 20) + "\"\n";
        Assert.Contains("limited to 1048576", RejectsPlatform(yaml).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("compute:\n  int8: { value: 10, source: S1 }", "compute:\n  int8: { value: 1e308, source: S1 }", "'compute.int8' is 1E+308 TOPS, outside the accepted range 0 to 100000 TOPS")]
    [InlineData("maxW: { value: 10, source: S1 }", "maxW: { value: -5, source: S1 }", "'power.maxW' is -5 W; it must be positive")]
    [InlineData("capacityGiB: { value: 8, source: S1 }", "capacityGiB: { value: 0, source: S1 }", "'memory.dram.capacityGiB' is 0 GiB; it must be positive")]
    [InlineData("kind: npu", "kind: quantum", "kind 'quantum' is not one WorkingPoint knows; use one of accelerator, cpu, gpu, npu, soc")]
    [InlineData("maxW: { value: 10, source: S1 }", "maxW: { value: .inf, source: S1 }", "must be a finite number")]
    public void Implausible_platform_figures_and_unknown_kinds_are_refused_with_the_bounds(string from, string to, string expected)
    {
        var error = RejectsPlatform(Platform.Replace(from, to, StringComparison.Ordinal));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Matches(@"^p\.yaml:\d+: ", error.Message);
    }

    [Fact]
    public void A_use_case_with_more_workloads_than_the_limit_is_refused()
    {
        var yaml = new StringBuilder("name: many\nworkloads:\n");
        for (var i = 0; i <= UseCaseYaml.MaxWorkloads; i++)
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"  - {{ id: w{i}, model: yolov8s, fps: 1 }}\n");
        }

        var error = RejectsUseCase(yaml.ToString());
        Assert.Contains($"lists {UseCaseYaml.MaxWorkloads + 1} workloads; a use case holds at most {UseCaseYaml.MaxWorkloads}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("prompt: 1e12", "'workloads[chat].prompt' is 1000000000000 tokens, outside the accepted range 0 to 1048576 tokens")]
    [InlineData("prompt: 12.5", "'workloads[chat].prompt' must be a whole number of tokens")]
    [InlineData("prompt: 200000", "prompt 200000 + gen 128 tokens exceed llama-3.2-1b's context")]
    [InlineData("prompt: .nan", "must be a finite number")]
    public void Token_counts_must_be_whole_in_range_and_within_the_context(string prompt, string expected)
    {
        var yaml = $"name: chat\nworkloads:\n  - id: chat\n    model: llama-3.2-1b\n    requestsPerHour: 10\n    {prompt}\n";
        Assert.Contains(expected, RejectsUseCase(yaml).Message, StringComparison.Ordinal);
    }
}
