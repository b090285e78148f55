namespace WorkingPoint.Catalog.Tests;

/// <summary>host-runtimes.yaml: what <c>wpt measure runtimes</c> writes reads back; a damaged file is one line naming the problem and the fix.</summary>
public sealed class HostRuntimeProfilesTests : IDisposable
{
    private const string Good = """
        platform: host
        measured: 2026-12-01T23:10:00Z
        wpt: "0.1.0"
        runtimes:
          llama.cpp-cpu:
            decodeDramShare: { value: 0.58, fit: "mean of the q4_0 and q8_0 decode probes" }
            prefillComputeShare: { value: 0.21, fit: "mean of the q4_0 and q8_0 prefill probes" }
            inferenceOverheadUs: { value: 4500, fit: "mean of the q4_0 and q8_0 fixed costs per prefill" }
            layerOverheadUs: { value: 93.7, fit: "mean of the q4_0 and q8_0 costs per layer" }
            byWeights:
              q8_0: { decodeDramShare: { value: 0.64, fit: "probe tg32 tinyllama-1.1b q8_0: 20 tok/s vs roofline 31 tok/s" }, prefillComputeShare: { value: 0.3, fit: "probe pp128" } }
              q4_0: { decodeDramShare: { value: 0.52, fit: "probe tg32 tinyllama-1.1b q4_0" } }
          onnxruntime-cpu:
            networkComputeShare: { value: 0.74, fit: "least squares over 5 probes" }
            layerOverheadUs: { value: 12.5, fit: "least squares over 5 probes" }
            inferenceOverheadUs: { value: 40, fit: "least squares over 5 probes" }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-host-runtimes-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_good_file_reads_into_the_shares_the_overheads_and_their_fits()
    {
        var profiles = HostRuntimeProfilesFile.Parse("host-runtimes.yaml", Good);

        Assert.Equal(new DateTimeOffset(2026, 12, 1, 23, 10, 0, TimeSpan.Zero), profiles.Measured);
        Assert.Equal("host profiles measured 2026-12-01 23:10", profiles.Label);
        var llama = profiles.LlamaCppCpu!;
        Assert.Equal(0.64, llama.DecodeDramShareFor("q8_0").Value);
        Assert.Equal(0.3, llama.PrefillComputeShareFor("q8_0").Value);
        Assert.Equal(0.52, llama.DecodeDramShareFor("q4_0").Value);
        Assert.Equal(0.21, llama.PrefillComputeShareFor("q4_0").Value);
        Assert.Equal(0.58, llama.DecodeDramShareFor("fp16").Value);
        Assert.Contains("20 tok/s vs roofline 31 tok/s", llama.DecodeDramShareFor("q8_0").Fit, StringComparison.Ordinal);
        Assert.Equal(4500, llama.InferenceOverheadMicroseconds!.Value);
        Assert.Equal(93.7, llama.LayerOverheadMicroseconds!.Value);
        var onnx = profiles.OnnxRuntimeCpu!;
        Assert.Equal(0.74, onnx.NetworkComputeShare.Value);
        Assert.Equal(12.5, onnx.LayerOverheadMicroseconds.Value);
        Assert.Equal(40, onnx.InferenceOverheadMicroseconds.Value);
    }

    [Fact]
    public void What_is_written_reads_back_the_same_figures_and_no_temporary_file_is_left()
    {
        var written = HostRuntimeProfilesFile.Parse("in.yaml", Good);
        var path = Path.Combine(_directory, HostRuntimeProfilesFile.FileName);

        HostRuntimeProfilesFile.Write(path, written, "1.2.3 \"beta\"");
        var read = HostRuntimeProfilesFile.Read(path);

        Assert.Equal(written.Measured, read.Measured);
        Assert.Equal(written.OnnxRuntimeCpu, read.OnnxRuntimeCpu);
        Assert.Equal(written.LlamaCppCpu!.DecodeDramShare, read.LlamaCppCpu!.DecodeDramShare);
        Assert.Equal(written.LlamaCppCpu.InferenceOverheadMicroseconds, read.LlamaCppCpu.InferenceOverheadMicroseconds);
        Assert.Equal(written.LlamaCppCpu.LayerOverheadMicroseconds, read.LlamaCppCpu.LayerOverheadMicroseconds);
        Assert.Equal(written.LlamaCppCpu.ByWeights["q8_0"], read.LlamaCppCpu.ByWeights["q8_0"]);
        Assert.Equal(written.LlamaCppCpu.ByWeights["q4_0"], read.LlamaCppCpu.ByWeights["q4_0"]);
        Assert.Equal([HostRuntimeProfilesFile.FileName], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("measured: 2026-12-01T23:10:00Z\nruntimes: {}\n", "missing required field 'platform'")]
    [InlineData("platform: rk3588\nmeasured: 2026-12-01T23:10:00Z\nruntimes: {}\n", "must be 'host'")]
    [InlineData("platform: host\nmeasured: yesterday\nruntimes: {}\n", "'measured' must be a date")]
    [InlineData("platform: host\nmeasured: 2026-12-01T23:10:00Z\nruntimes: {}\n", "names no runtime")]
    [InlineData("platform: host\nmeasured: 2026-12-01T23:10:00Z\nruntimes:\n  tensorrt: {}\n", "unknown field 'runtimes.tensorrt'")]
    [InlineData("platform: host\nmeasured: 2026-12-01T23:10:00Z\nruntimes:\n  onnxruntime-cpu:\n    networkComputeShare: 0.7\n", "got a bare value")]
    [InlineData("platform: host\nmeasured: 2026-12-01T23:10:00Z\nruntimes:\n  onnxruntime-cpu:\n    networkComputeShare: { value: 1.4, fit: x }\n    layerOverheadUs: { value: 1, fit: x }\n    inferenceOverheadUs: { value: 1, fit: x }\n", "outside the accepted range 0.01 to 1")]
    [InlineData("platform: host\nmeasured: 2026-12-01T23:10:00Z\nruntimes:\n  onnxruntime-cpu:\n    networkComputeShare: { value: 0.7, fit: x }\n    layerOverheadUs: { value: -3, fit: x }\n    inferenceOverheadUs: { value: 1, fit: x }\n", "'runtimes.onnxruntime-cpu.layerOverheadUs.value' is -3")]
    [InlineData("platform: host\nmeasured: 2026-12-01T23:10:00Z\nruntimes:\n  onnxruntime-cpu:\n    networkComputeShare: { value: 0.7 }\n    layerOverheadUs: { value: 1, fit: x }\n    inferenceOverheadUs: { value: 1, fit: x }\n", "has no fit")]
    [InlineData("platform: host\nmeasured: 2026-12-01T23:10:00Z\nruntimes:\n  onnxruntime-cpu:\n    networkComputeShare: { value: 0.7, fit: x }\n", "missing required figure 'runtimes.onnxruntime-cpu.layerOverheadUs'")]
    [InlineData("platform: host\nmeasured: 2026-12-01T23:10:00Z\nruntimes:\n  llama.cpp-cpu:\n    decodeDramShare: { value: 0.5, fit: x }\n    prefillComputeShare: { value: 0.5, fit: x }\n    byWeights:\n      q3_z: { decodeDramShare: { value: 0.5, fit: x } }\n", "'q3_z' is not a weight format")]
    [InlineData("platform: host\nmeasured: 2026-12-01T23:10:00Z\nruntimes:\n  llama.cpp-cpu:\n    decodeDramShare: { value: 0.5, fit: x }\n    prefillComputeShare: { value: 0.5, fit: x }\n    inferenceOverheadUs: { value: -1, fit: x }\n", "'runtimes.llama.cpp-cpu.inferenceOverheadUs.value' is -1")]
    [InlineData("platform: host\nmeasured: 2026-12-01T23:10:00Z\nruntimes:\n  llama.cpp-cpu:\n    decodeDramShare: { value: 0.5, fit: x }\n    prefillComputeShare: { value: 0.5, fit: x }\n    layerOverheadUs: { value: -2, fit: x }\n", "'runtimes.llama.cpp-cpu.layerOverheadUs.value' is -2")]
    [InlineData("platform: host\nmeasured: 2026-12-01T23:10:00Z\nruntimes:\n  llama.cpp-cpu: { decodeDramShare: { value: 0.5, fit: x }\n", "malformed YAML")]
    [InlineData("- platform: host\n", "expected a YAML mapping")]
    public void A_bad_file_is_one_line_naming_the_problem_and_the_fix(string yaml, string problem)
    {
        var error = Assert.Throws<CatalogException>(() => HostRuntimeProfilesFile.Parse("host-runtimes.yaml", yaml));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("host-runtimes.yaml", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("Run 'wpt measure runtimes' again to rewrite it, or delete it to predict with the default fractions.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
