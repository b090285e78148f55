using System.Globalization;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Graphs;
using WorkingPoint.Evaluation;
using WorkingPoint.Evaluation.ModelFiles;
using WorkingPoint.Evaluation.Validation;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Measurement.LlamaCpp;
using WorkingPoint.Measurement.OnnxRuntime;
using WorkingPoint.Measurement.Scenarios;

namespace WorkingPoint.Runner;

/// <summary>One probe's line in the output: what ran, measured against the roofline at fractions 1.</summary>
public sealed record RuntimeProbeRow(string Runtime, string Probe, string Model, double Measured, double Roofline, string Unit);

/// <summary>
/// The short probes this machine's runtime profiles are fitted from (<c>wpt measure runtimes</c>; each round of
/// <c>wpt validate --recalibrate</c> and <c>wpt validate llm --recalibrate</c>), none of them a model the validate commands judge:
/// llama.cpp on TinyLlama 1.1B and a thin-layer model, ONNX Runtime on five generated graphs.
/// </summary>
public static class HostRuntimeProbes
{
    /// <summary>A 1.1 B llama: between the validation set's 0.5 B and 3 B, and of none of its architectures' sizes.</summary>
    public const string ProbeLlm = "tinyllama-1.1b";

    /// <summary>The formats probed; other formats take the mean of these.</summary>
    public static readonly IReadOnlyList<string> ProbeFormats = ["q4_0", "q8_0"];

    /// <summary>
    /// 32 thin layers (hidden 512, FFN 1536; 0.1 B parameters, a tenth of the 1.1 B probe's bytes): its time per token is mostly
    /// llama.cpp's fixed cost per layer, which the 1.1 B probe alone cannot tell from its DRAM share. None of the validated models.
    /// </summary>
    public static readonly LlmArchitecture ThinProbe = new(
        "wpt-thin-probe", "WorkingPoint thin-layer probe (32 × 512)", LlmFamily.Llama, HiddenSize: 512, Layers: 32, AttentionHeads: 8, KvHeads: 2, HeadDim: 64, FfnSize: 1536, VocabSize: 32000,
        TiedEmbeddings: false, QkvBias: false, GatedFfn: true, MaxContext: 2048, SlidingWindow: null, PublishedParameters: null, Source: "WorkingPoint's own probe architecture (docs/measure.md, host runtime profiles)", Experts: null);

    public const int ProbeThinGenTokens = 64;

    public const int ProbePromptTokens = 128;
    public const int ProbeGenTokens = 32;

    /// <summary>The short prompt beside the long one: the two prefill times give the compute share and the fixed cost per prefill.</summary>
    public const int ProbeShortPromptTokens = 16;

    /// <summary>
    /// The llama.cpp probes on <paramref name="host"/>, in each probe format: <paramref name="probeModel"/> (<see cref="ProbeLlm"/>)
    /// with tgN, ppP and a short prompt, and <paramref name="thinModel"/> (<see cref="ThinProbe"/>) with tg<see cref="ProbeThinGenTokens"/>;
    /// fitted into the host's llama.cpp profile. <c>wpt measure runtimes</c> writes them; <c>wpt validate llm --recalibrate</c> runs the same probes in each of its rounds.
    /// </summary>
    public static (HostLlamaCppProfile Profile, IReadOnlyList<RuntimeProbeRow> Rows) ProbeLlamaCpp(IBenchmarkProgress progress, ShowProgress show, string wptVersion, LlmArchitecture probeModel, LlmArchitecture thinModel, Platform host, LlmBenchSettings bench, LlamaCppOptions options, Action<WeightFormat> step, CancellationToken cancellation)
    {
        var baseline = new Ceilings(host).Fractions;
        var version = wptVersion;
        var date = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var formats = ProbeFormats.Select(WeightFormat.Parse).ToArray();
        var rows = new List<RuntimeProbeRow>();
        LlmProbe Run(LlmArchitecture architecture, WeightFormat format, LlmBenchSettings settings)
        {
            var modelPath = LlmModelFiles.Synthesize(show, architecture, format, settings.ContextTokens);
            var file = new LlmModelFile(modelPath, $"{architecture.Id} {format.Id}", GgufModels.Load(modelPath), Synthesized: true);
            var result = LlmMeasurement.Measure(progress, file, settings, options, TimeSpan.FromMilliseconds(250), cancellation).Result;
            return new LlmProbe(architecture.Id, new LlmWorkload(file.Model.Architecture, file.Model.Weights, KvCacheFormat.F16), settings.PromptTokens, settings.GenTokens, result.Prompt?.MeanTokensPerSecond ?? 0, result.Generation?.MeanTokensPerSecond ?? 0);
        }

        // First every probe, and the cost per layer each format's pair gives; then each format's shares at the mean cost, the one
        // figure the profile keeps (llama.cpp's barriers do not depend on the format).
        var measured = new List<(WeightFormat Format, LlmProbe Probe, double ShortTokensPerSecond, LlmProbe Thin, double PrefillShare, double LayerSeconds)>();
        foreach (var format in formats)
        {
            cancellation.ThrowIfCancellationRequested();
            step(format);
            var probe = Run(probeModel, format, bench);
            var shortTokensPerSecond = Run(probeModel, format, bench with { PromptTokens = ProbeShortPromptTokens, GenTokens = 0 }).MeasuredPrefillTokensPerSecond;
            var thin = Run(thinModel, format, bench with { PromptTokens = 0, GenTokens = ProbeThinGenTokens });
            var prefillShare = LlmProbeFit.Derive(host, baseline, probe).PrefillComputeShare.Share;
            var (_, layerSeconds) = LlmProbeFit.DecodeWithLayerCost(host, baseline with { Compute = prefillShare }, probe, thin);
            measured.Add((format, probe, shortTokensPerSecond, thin, prefillShare, layerSeconds));
        }

        var layer = measured.Average(m => m.LayerSeconds);
        var byWeights = new Dictionary<string, HostLlamaCppWeightsProfile>(StringComparer.Ordinal);
        var decodeShares = new List<double>();
        var prefillShares = new List<double>();
        var fixedCosts = new List<(string Format, double Microseconds)>();
        foreach (var (format, probe, shortTokensPerSecond, thin, firstPrefillShare, _) in measured)
        {
            var decodeShare = LlmProbeFit.DecodeShareWithLayerCost(host, baseline with { Compute = firstPrefillShare }, probe, layer);
            var (prefillShare, prefillFixedSeconds) = LlmProbeFit.PrefillWithFixedCost(host, baseline, probe.Workload, decodeShare.Share, (ProbeShortPromptTokens, shortTokensPerSecond), (bench.PromptTokens, probe.MeasuredPrefillTokensPerSecond));

            // The fixed cost per prefill the two prompts leave holds the layers' cost of its one batch, which predictions add apart.
            var perPrefillSeconds = Math.Max(0, prefillFixedSeconds - (probe.Workload.Architecture.Layers * layer));
            fixedCosts.Add((format.Id, perPrefillSeconds * 1e6));
            var roofline = LlmValidation.Predict(probe.Workload, new Ceilings(host, baseline with { Compute = 1, Dram = 1 }), bench.PromptTokens, bench.GenTokens);
            var decodeFit = $"probes tg{bench.GenTokens} {probeModel.Id} {format.Id}: {Formatting.Number(probe.MeasuredDecodeTokensPerSecond)} tok/s vs roofline {Formatting.Number(roofline.Decode)} tok/s, with {Formatting.Number(layer * 1e6)} µs per layer{Clamped(decodeShare)}; {date}, wpt {version}";
            var prefillFit = $"probes pp{bench.PromptTokens} and pp{ProbeShortPromptTokens} {probeModel.Id} {format.Id}: {Formatting.Number(probe.MeasuredPrefillTokensPerSecond)} and {Formatting.Number(shortTokensPerSecond)} tok/s vs roofline {Formatting.Number(roofline.Prefill)} tok/s at pp{bench.PromptTokens}, with {Formatting.Number(perPrefillSeconds * 1e3)} ms per prefill and {Formatting.Number(layer * 1e6)} µs per layer{Clamped(prefillShare)}; {date}, wpt {version}";
            byWeights[format.Id] = new HostLlamaCppWeightsProfile(new FittedFigure(Round(decodeShare.Share), decodeFit), new FittedFigure(Round(prefillShare.Share), prefillFit));
            decodeShares.Add(decodeShare.Share);
            prefillShares.Add(prefillShare.Share);
            rows.Add(new RuntimeProbeRow(HostRuntimeProfiles.LlamaCppCpuId, $"tg{bench.GenTokens}", $"{probeModel.Id} {format.Id}", probe.MeasuredDecodeTokensPerSecond, roofline.Decode, "tok/s"));
            rows.Add(new RuntimeProbeRow(HostRuntimeProfiles.LlamaCppCpuId, $"pp{bench.PromptTokens}", $"{probeModel.Id} {format.Id}", probe.MeasuredPrefillTokensPerSecond, roofline.Prefill, "tok/s"));
            rows.Add(new RuntimeProbeRow(HostRuntimeProfiles.LlamaCppCpuId, $"pp{ProbeShortPromptTokens}", $"{probeModel.Id} {format.Id}", shortTokensPerSecond, LlmValidation.Predict(probe.Workload, new Ceilings(host, baseline with { Compute = 1, Dram = 1 }), ProbeShortPromptTokens, 1).Prefill, "tok/s"));
            rows.Add(new RuntimeProbeRow(HostRuntimeProfiles.LlamaCppCpuId, $"tg{ProbeThinGenTokens}", $"{thinModel.Id} {format.Id}", thin.MeasuredDecodeTokensPerSecond, LlmValidation.Predict(thin.Workload, new Ceilings(host, baseline with { Compute = 1, Dram = 1 }), 1, ProbeThinGenTokens).Decode, "tok/s"));
        }

        var formatList = string.Join(" and ", formats.Select(f => f.Id));
        var profile = new HostLlamaCppProfile(
            new FittedFigure(Round(decodeShares.Average()), $"mean of the {formatList} decode probes ({probeModel.Id}); {date}, wpt {version}"),
            new FittedFigure(Round(prefillShares.Average()), $"mean of the {formatList} prefill probes ({probeModel.Id}); {date}, wpt {version}"),
            byWeights)
        {
            InferenceOverheadMicroseconds = new FittedFigure(Math.Round(fixedCosts.Average(f => f.Microseconds), 1), $"mean of the {formatList} fixed costs per prefill ({string.Join(", ", fixedCosts.Select(f => $"{f.Format} {Formatting.Number(f.Microseconds / 1e3)} ms"))}), each from its pp{ProbeShortPromptTokens} and pp{ProbePromptTokens} probes ({probeModel.Id}) less its layers' cost; {date}, wpt {version}"),
            LayerOverheadMicroseconds = new FittedFigure(Math.Round(layer * 1e6, 1), $"mean of the {formatList} costs per layer ({string.Join(", ", measured.Select(m => $"{m.Format.Id} {Formatting.Number(m.LayerSeconds * 1e6)} µs"))}), each from tg{ProbeThinGenTokens} of {thinModel.Id} ({thinModel.Layers} layers of {thinModel.HiddenSize}) beside tg{bench.GenTokens} of {probeModel.Id}; {date}, wpt {version}"),
        };

        return (profile, rows);
    }

    /// <summary>
    /// The ONNX Runtime probe graphs on <paramref name="host"/> (SingleStream median of each), fitted into the host's ONNX Runtime
    /// profile; <c>wpt validate --recalibrate</c> runs the same probes in each of its rounds.
    /// </summary>
    public static (HostOnnxRuntimeProfile Profile, NetworkProbeFitResult Fit, IReadOnlyList<RuntimeProbeRow> Rows) ProbeOnnxRuntime(IBenchmarkProgress progress, string wptVersion, Platform host, IReadOnlyList<Graph> graphs, double durationSeconds, int? threads, Action<Graph> step, CancellationToken cancellation)
    {
        var baseline = new Ceilings(host).Fractions;
        var date = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var version = wptVersion;
        var onnxOptions = new OnnxRuntimeOptions(IntraOpThreads: threads);
        var fp32 = WeightFormat.Parse("fp32");
        var probes = new List<NetworkProbe>();
        var rows = new List<RuntimeProbeRow>();
        var directory = Path.Combine(Path.GetTempPath(), "workingpoint-exports");
        Directory.CreateDirectory(directory);
        foreach (var graph in graphs)
        {
            cancellation.ThrowIfCancellationRequested();
            step(graph);
            var onnxPath = Path.Combine(directory, $"runtime-probe-{graph.Name}.onnx");
            Onnx.Export.OnnxExporter.Export(graph, onnxPath);
            using var target = OnnxRuntimeTarget.Load(onnxPath, InputShapes.None, onnxOptions);
            var scenario = new ScenarioSettings { MinDuration = TimeSpan.FromSeconds(durationSeconds), MinQueryCount = 20, WarmupQueries = 5 };
            var result = progress.Phase($"Running {graph.Name}", (IProgress<double>? _) => new LoadGenerator(target).Run(scenario, null, cancellation));
            var measured = result.Latency.P50.Value;
            var captured = graph;
            probes.Add(new NetworkProbe(graph.Name, NetworkProbeFit.KernelLayers(graph), measured, share => GraphPredictor.Predict(captured, new Ceilings(host, baseline with { Compute = share }), fp32).Latency.Value));
            rows.Add(new RuntimeProbeRow(HostRuntimeProfiles.OnnxRuntimeCpuId, graph.Name, $"{NetworkProbeFit.KernelLayers(graph)} layers", measured * 1e3, GraphPredictor.Predict(graph, new Ceilings(host, baseline with { Compute = 1 }), fp32).Latency.Value * 1e3, "ms"));
        }

        var fit = NetworkProbeFit.Fit(probes);
        var probeNames = string.Join(", ", probes.Select(p => $"{p.Name} {Formatting.Number(p.MeasuredSeconds * 1e3)} ms"));
        var fitText = $"least squares over {probes.Count} probes ({probeNames}): latency = roofline/share + layers × overhead + per-inference overhead, median |error| {Formatting.Number(fit.MedianAbsoluteErrorPercent, 2)} %; {date}, wpt {version}";
        var profile = new HostOnnxRuntimeProfile(
            new FittedFigure(Round(fit.ComputeShare), fitText),
            new FittedFigure(Math.Round(fit.LayerOverheadSeconds * 1e6, 2), fitText),
            new FittedFigure(Math.Round(fit.InferenceOverheadSeconds * 1e6, 2), fitText));
        return (profile, fit, rows);
    }

    /// <summary>
    /// ONNX Runtime probes, none of them a validated network: dense 3 × 3 convolutions, depthwise-separable blocks and a two-layer
    /// GEMM carry the compute share; many tiny layers the per-layer cost; a single tiny layer the per-inference cost.
    /// </summary>
    public static IReadOnlyList<Graph> ProbeGraphs()
    {
        var dense = new GraphBuilder("dense-conv", 64, 56, 56);
        var x = dense.Input;
        for (var i = 0; i < 6; i++)
        {
            x = dense.Conv(x, 64, 3, activation: Activation.Relu);
        }

        var separable = new GraphBuilder("depthwise-separable", 96, 56, 56);
        var y = separable.Input;
        for (var i = 0; i < 6; i++)
        {
            y = separable.Conv(y, 96, 3, groups: 96, activation: Activation.Relu);
            y = separable.Conv(y, 96, 1, activation: Activation.Relu);
        }

        var gemm = new GraphBuilder("gemm", 512, 16, 16);
        gemm.Linear(gemm.Linear(gemm.Input, 2048, bias: false), 512, bias: false);

        var many = new GraphBuilder("many-small-layers", 16, 8, 8);
        var z = many.Input;
        for (var i = 0; i < 48; i++)
        {
            z = many.Conv(z, 16, 1, activation: Activation.Relu);
        }

        var tiny = new GraphBuilder("tiny", 8, 4, 4);
        tiny.Conv(tiny.Input, 8, 1);
        return [dense.Build(), separable.Build(), gemm.Build(), many.Build(), tiny.Build()];
    }

    private static double Round(double share) => Math.Round(share, 3);

    private static string Clamped(SolvedShare share) =>
        !share.Clamped ? string.Empty : share.Share >= 1 ? " (faster than the roofline: share held at 1)" : " (slower than the smallest share: held at the minimum)";
}
