namespace WorkingPoint.Catalog.Tests;

public class PlatformYamlValidationTests
{
    private const string Valid = """
        id: test-part
        name: Test part
        vendor: Test
        kind: npu
        execution: layer-by-layer
        sources:
          S1: https://example.com/datasheet
        compute:
          int8: { value: 10, sparsity: dense, source: S1 }
        memory:
          dram:
            type: LPDDR5
            dataRateMTps: { value: 6400, source: S1 }
            busWidthBits: { value: 64, source: S1 }
            capacityGiB: { value: 8, source: S1 }
        power:
          idleW: { value: 1, source: S1 }
          maxW: { value: 10, source: S1 }
          passivelyCooled: true
        """;

    private static CatalogException Rejects(string yaml) =>
        Assert.Throws<CatalogException>(() => PlatformYaml.Parse("test.yaml", yaml));

    [Fact]
    public void A_valid_description_loads()
    {
        var platform = PlatformYaml.Parse("test.yaml", Valid);
        Assert.Equal("test-part", platform.Id);
        Assert.Equal(51.2, platform.Dram!.PeakBandwidth!.Value.GBps, 6);
    }

    [Fact]
    public void Malformed_yaml_is_rejected_naming_the_line()
    {
        var ex = Rejects(Valid.Replace("kind: npu", "kind: npu\n  bad: indentation", StringComparison.Ordinal));
        Assert.Contains("malformed YAML", ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("test.yaml:5:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_figure_without_a_source_is_rejected()
    {
        var ex = Rejects(Valid.Replace("busWidthBits: { value: 64, source: S1 }", "busWidthBits: { value: 64 }", StringComparison.Ordinal));
        Assert.Contains("memory.dram.busWidthBits", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no source", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_field_is_rejected()
    {
        var ex = Rejects(Valid + "\nfrequencyMHz: 800\n");
        Assert.Contains("unknown field 'frequencyMHz'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bus_width_that_is_not_a_multiple_of_8_is_rejected()
    {
        var ex = Rejects(Valid.Replace("busWidthBits: { value: 64, source: S1 }", "busWidthBits: { value: 60, source: S1 }", StringComparison.Ordinal));
        Assert.Contains("busWidthBits must be a positive multiple of 8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Idle_power_above_max_power_is_rejected()
    {
        var ex = Rejects(Valid.Replace("idleW: { value: 1, source: S1 }", "idleW: { value: 12, source: S1 }", StringComparison.Ordinal));
        Assert.Contains("power.idleW (12) is above power.maxW (10)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_dram_type_is_rejected()
    {
        var ex = Rejects(Valid.Replace("type: LPDDR5", "type: LPDDR9", StringComparison.Ordinal));
        Assert.Contains("unknown DRAM type 'LPDDR9'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_precision_key_is_rejected()
    {
        var ex = Rejects(Valid.Replace("  int8: { value: 10", "  fp8: { value: 10", StringComparison.Ordinal));
        Assert.Contains("unknown precision 'compute.fp8'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_achievable_fraction_above_1_is_rejected()
    {
        var ex = Rejects(Valid + "\nachievable:\n  dram: 1.2\n");
        Assert.Contains("achievable fraction 'Dram' must be in (0, 1]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_source_key_is_rejected()
    {
        var ex = Rejects(Valid.Replace("capacityGiB: { value: 8, source: S1 }", "capacityGiB: { value: 8, source: S9 }", StringComparison.Ordinal));
        Assert.Contains("cites source 'S9', which is not listed under sources:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_assumption_without_a_reason_is_rejected()
    {
        var ex = Rejects(Valid.Replace("busWidthBits: { value: 64, source: S1 }", "busWidthBits: { value: null, assumed: 64 }", StringComparison.Ordinal));
        Assert.Contains("assumed without a note", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unclosed_brace_is_reported_as_malformed_yaml_not_a_crash()
    {
        var ex = Rejects(Valid.Replace("int8: { value: 10, sparsity: dense, source: S1 }", "int8: { value: 10, sparsity: dense, source: S1", StringComparison.Ordinal));
        Assert.Contains("malformed YAML", ex.Message, StringComparison.Ordinal);
    }
}
