using Spectre.Console.Testing;
using WorkingPoint.Catalog;
using WorkingPoint.Cli.Commands;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Evaluation;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Evaluation.ModelFiles;
using WorkingPoint.Evaluation.Validation;
using WorkingPoint.Measurement.LlamaCpp;
using WorkingPoint.Measurement.OnnxRuntime;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Runner;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Tests.Shared;

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

        Assert.DoesNotContain(HostRuntimeProbes.ProbeLlm, validatedLlms);
        Assert.Empty(HostRuntimeProbes.ProbeGraphs().Select(g => g.Name).Intersect(validatedNetworks));
        Assert.True(HostRuntimeProbes.ProbeGraphs().Count >= 4, "a share and two overheads need the probes to differ in size and layer count");
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

    [Fact]
    public void Real_probes_on_a_tiny_llm_and_the_probe_graphs_fit_shares_and_overheads_inside_their_bounds()
    {
        // The probes as measure runtimes runs them, cut short: a tiny llama through llama.cpp, the five graphs through ONNX Runtime.
        var host = WorkingPoint.Catalog.Catalog.BuiltIn.ResolvePlatform("raspberry-pi-5");
        var baseline = new Ceilings(host).Fractions;
        var path = TinyLlm.File(LlmFamily.Llama, "q4_0");
        var file = new LlmModelFile(path, "tiny q4_0", GgufModels.Load(path), Synthesized: true);
        var run = LlmRun.Measure(new TestConsole(), file, new LlmBenchSettings(16, 4, 1, Combined: false), new LlamaCppOptions(Threads: 1), TimeSpan.FromMilliseconds(250), CancellationToken.None);
        var workload = new LlmWorkload(file.Model.Architecture, file.Model.Weights, KvCacheFormat.F16);

        var shares = LlmProbeFit.Derive(host, baseline, new LlmProbe("tiny", workload, 16, 4, run.Result.Prompt!.MeanTokensPerSecond, run.Result.Generation!.MeanTokensPerSecond));

        Assert.InRange(shares.DecodeDramShare.Share, HostRuntimeProfilesFile.MinShare, 1);
        Assert.InRange(shares.PrefillComputeShare.Share, HostRuntimeProfilesFile.MinShare, 1);

        var fp32 = WeightFormat.Parse("fp32");
        var probes = HostRuntimeProbes.ProbeGraphs().Select(graph =>
        {
            var onnx = Path.Combine(_directory, graph.Name + ".onnx");
            Onnx.Export.OnnxExporter.Export(graph, onnx);
            using var target = OnnxRuntimeTarget.Load(onnx, InputShapes.None, new OnnxRuntimeOptions(IntraOpThreads: 1));
            var result = new LoadGenerator(target).Run(new ScenarioSettings { MinDuration = TimeSpan.Zero, MinQueryCount = 3, WarmupQueries = 1 }, null, CancellationToken.None);
            return new NetworkProbe(graph.Name, NetworkProbeFit.KernelLayers(graph), result.Latency.P50.Value, share => GraphPredictor.Predict(graph, new Ceilings(host, baseline with { Compute = share }), fp32).Latency.Value);
        }).ToArray();

        var fit = NetworkProbeFit.Fit(probes);

        Assert.InRange(fit.ComputeShare, 0.05, 1);
        Assert.InRange(fit.LayerOverheadSeconds, 0, NetworkProbeFit.MaxOverheadSeconds);
        Assert.InRange(fit.InferenceOverheadSeconds, 0, NetworkProbeFit.MaxOverheadSeconds);
        Assert.True(double.IsFinite(fit.MedianAbsoluteErrorPercent));
    }

    [Fact]
    public void The_llama_cpp_probes_validate_llm_recalibrates_with_fit_a_profile_for_every_probe_format()
    {
        var host = WorkingPoint.Catalog.Catalog.BuiltIn.ResolvePlatform("raspberry-pi-5");
        var probed = new List<string>();

        var (profile, rows) = HostRuntimeProbes.ProbeLlamaCpp(SilentBenchmarkProgress.Instance, (_, work) => work(null), "test", TinyLlm.Architecture(), TinyLlm.Architecture() with { Id = "tiny-thin", Layers = 8 }, host, new LlmBenchSettings(32, 4, 1, Combined: false), new LlamaCppOptions(Threads: 1), format => probed.Add(format.Id), CancellationToken.None);

        Assert.Equal(HostRuntimeProbes.ProbeFormats, probed);
        Assert.Equal(HostRuntimeProbes.ProbeFormats, profile.ByWeights.Keys.Order(StringComparer.Ordinal));
        Assert.All(profile.ByWeights.Values, w => Assert.InRange(w.DecodeDramShare!.Value, HostRuntimeProfilesFile.MinShare, 1));
        Assert.All(profile.ByWeights.Values, w => Assert.InRange(w.PrefillComputeShare!.Value, HostRuntimeProfilesFile.MinShare, 1));
        Assert.InRange(profile.InferenceOverheadMicroseconds!.Value, 0, NetworkProbeFit.MaxOverheadSeconds * 1e6);
        Assert.InRange(profile.LayerOverheadMicroseconds!.Value, 0, NetworkProbeFit.MaxOverheadSeconds * 1e6);
        Assert.Equal(4 * HostRuntimeProbes.ProbeFormats.Count, rows.Count);
        Assert.All(rows, r => Assert.Contains("tiny", r.Model, StringComparison.Ordinal));
    }

    [Fact]
    public void A_platform_given_other_profiles_predicts_llms_with_their_shares_and_cost_per_layer()
    {
        var catalog = WorkingPoint.Catalog.Catalog.BuiltIn;
        var host = catalog.ResolvePlatform("raspberry-pi-5") with { DefaultRuntimeIds = new Dictionary<WorkloadKind, string>() };
        HostLlamaCppProfile Llama(double q4) => new(new FittedFigure(0.4, "test"), new FittedFigure(0.3, "test"), new Dictionary<string, HostLlamaCppWeightsProfile> { ["q4_0"] = new(new FittedFigure(q4, "test"), new FittedFigure(0.3, "test")) });

        var slow = catalog.WithHostProfiles(host, new HostRuntimeProfiles("host", DateTimeOffset.UnixEpoch, Llama(0.2), null));
        var fast = catalog.WithHostProfiles(host, new HostRuntimeProfiles("host", DateTimeOffset.UnixEpoch, Llama(0.4) with { LayerOverheadMicroseconds = new FittedFigure(90, "test") }, null));

        Assert.Equal("llama.cpp-cpu", slow.DefaultRuntimes[WorkloadKind.Llm].Id);
        var dramSlow = Predictions.CeilingsFor(WorkloadKind.Llm, "q4_0", slow, new PredictionRequest()).Fractions.Dram;
        var dramFast = Predictions.CeilingsFor(WorkloadKind.Llm, "q4_0", fast, new PredictionRequest()).Fractions.Dram;
        Assert.Equal(2 * dramSlow, dramFast, 6);
        Assert.Equal(0, Predictions.CeilingsFor(WorkloadKind.Llm, "q4_0", slow, new PredictionRequest()).LayerOverheadSeconds);
        Assert.Equal(90e-6, Predictions.CeilingsFor(WorkloadKind.Llm, "q4_0", fast, new PredictionRequest()).LayerOverheadSeconds, 12);
    }

    [Fact]
    public void Predict_on_the_measured_host_uses_its_fitted_profiles_and_validate_judges_that_same_prediction()
    {
        HostPlatform.Write(Path.Combine(_directory, "host.yaml"), new HostFigures("Test CPU", 2, 0.2, "Vector256 FMA", 0.4, "Avx2", 32, 150, 20, 16, new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero)));
        File.WriteAllText(Path.Combine(_directory, "host-runtimes.yaml"), """
            platform: host
            measured: 2026-12-01T23:10:00Z
            runtimes:
              llama.cpp-cpu:
                decodeDramShare: { value: 0.5, fit: test }
                prefillComputeShare: { value: 0.5, fit: test }
              onnxruntime-cpu:
                networkComputeShare: { value: 0.4, fit: test }
                layerOverheadUs: { value: 20, fit: test }
                inferenceOverheadUs: { value: 300, fit: test }
            """);

        var (predictCode, predicted, predictErrors) = RunIsolated("predict", "-p", "host", "-m", "mobilenet-v2", "-w", "fp32", "--input", "64x64", "--json");
        var (validateCode, validated, validateErrors) = RunIsolated("validate", "--models", "mobilenet-v2@64x64", "--duration", "0", "--min-queries", "3", "--threads", "1", "--json", "--no-save");

        Assert.True(predictCode == 0, predictErrors);
        Assert.True(validateCode == 0, validateErrors);
        using var prediction = System.Text.Json.JsonDocument.Parse(predicted);
        using var validation = System.Text.Json.JsonDocument.Parse(validated);
        var latencyMs = prediction.RootElement.GetProperty("graph").GetProperty("latencyMs").GetDouble();
        Assert.Equal(latencyMs, Assert.Single(validation.RootElement.GetProperty("rows").EnumerateArray()).GetProperty("predictedMs").GetDouble(), 9);
        Assert.Contains("host profiles measured 2026-12-01 23:10", validation.RootElement.GetProperty("profile").GetString(), StringComparison.Ordinal);

        // The probes fitted the share at the host's own DRAM fraction, so the prediction uses that fraction, not the published fit's.
        var fractions = validation.RootElement.GetProperty("fractions");
        Assert.Equal(0.4, fractions.GetProperty("compute").GetDouble(), 9);
        Assert.Equal(WorkingPoint.Catalog.Catalog.BuiltIn.ResolvePlatform(Path.Combine(_directory, "host.yaml")).Achievable.Dram, fractions.GetProperty("dram").GetDouble(), 9);
        Assert.True(latencyMs > 0.3, "the 300 µs per inference is part of the prediction");

        // The LLM probes fit the shares with no fixed cost, so none is added: not the published fit's 100 ms per inference.
        var (llmCode, llm, llmErrors) = RunIsolated("predict", "-p", "host", "-m", "qwen2.5-0.5b", "-w", "q4_0", "--prompt", "1", "--json");
        Assert.True(llmCode == 0, llmErrors);
        using var llmPrediction = System.Text.Json.JsonDocument.Parse(llm);
        Assert.Equal("llama.cpp-cpu", llmPrediction.RootElement.GetProperty("runtime").GetString());
        Assert.InRange(llmPrediction.RootElement.GetProperty("llm").GetProperty("ttftMs").GetDouble(), 0, 100);
    }

    [Fact]
    public void Validate_in_recalibrated_rounds_predicts_each_round_with_its_own_probes_and_reports_the_stored_profiles_error_beside()
    {
        HostPlatform.Write(Path.Combine(_directory, "host.yaml"), new HostFigures("Test CPU", 2, 0.2, "Vector256 FMA", 0.4, "Avx2", 32, 150, 20, 16, new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero)));
        var stored = """
            platform: host
            measured: 2026-12-01T23:10:00Z
            runtimes:
              onnxruntime-cpu:
                networkComputeShare: { value: 0.4, fit: test }
                layerOverheadUs: { value: 20, fit: test }
                inferenceOverheadUs: { value: 300, fit: test }
            """;
        File.WriteAllText(Path.Combine(_directory, "host-runtimes.yaml"), stored);

        var (code, output, errors) = RunIsolated("validate", "--models", "mobilenet-v2@64x64", "--duration", "0", "--min-queries", "3", "--threads", "1", "--rounds", "2", "--recalibrate", "--json", "--no-save");

        Assert.True(code == 0, errors);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("rounds").GetInt32());
        Assert.True(root.GetProperty("recalibrated").GetBoolean());
        var shares = root.GetProperty("probedComputeSharesByRound").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(2, shares.Length);
        Assert.All(shares, share => Assert.InRange(share, HostRuntimeProfilesFile.MinShare, 1));
        var row = Assert.Single(root.GetProperty("rows").EnumerateArray());
        Assert.Equal(2, row.GetProperty("rounds").GetInt32());
        Assert.Equal(Math.Abs(row.GetProperty("storedProfileErrorPercent").GetDouble()), root.GetProperty("storedProfileMedianAbsoluteErrorPercent").GetDouble(), 9);
        Assert.Equal(Math.Abs(row.GetProperty("errorPercent").GetDouble()), root.GetProperty("medianAbsoluteErrorPercent").GetDouble(), 9);
        Assert.Equal(stored, File.ReadAllText(Path.Combine(_directory, "host-runtimes.yaml"))); // the stored profile is not changed
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("validate llm")]
    public void Recalibrating_against_a_catalog_platform_is_refused_with_one_line(string command)
    {
        var (code, output, errors) = RunIsolated([.. command.Split(' '), "--recalibrate", "--platform", "raspberry-pi-5"]);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        var line = Assert.Single(errors.Trim().Split('\n'));
        Assert.Contains("--recalibrate", line, StringComparison.Ordinal);
        Assert.Contains("--platform host", line, StringComparison.Ordinal);
    }

    private (int ExitCode, string Output, string Errors) RunIsolated(params string[] args) =>
        ProcessRunner.Run("dotnet", [ProcessRunner.WptDll, .. args], _directory, new Dictionary<string, string> { ["WPT_DATA_DIR"] = _directory, ["COLUMNS"] = "120" });
}
