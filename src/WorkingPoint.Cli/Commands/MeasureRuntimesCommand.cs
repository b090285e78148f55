using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Core;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Files;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Graphs;
using WorkingPoint.Evaluation.ModelFiles;
using WorkingPoint.Evaluation.Validation;
using WorkingPoint.Measurement;
using WorkingPoint.Measurement.LlamaCpp;
using WorkingPoint.Measurement.OnnxRuntime;
using WorkingPoint.Measurement.Scenarios;

namespace WorkingPoint.Cli.Commands;

/// <summary>
/// <c>wpt measure runtimes</c>: short probes of llama.cpp and ONNX Runtime on this machine, turned into the host's runtime profiles
/// (the shares of the measured ceilings each runtime reaches, and ONNX Runtime's fixed costs), written beside <c>host.yaml</c>.
/// The probes are none of the models <c>wpt validate</c> and <c>wpt validate llm</c> judge the model on.
/// </summary>
public sealed class MeasureRuntimesCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<MeasureRuntimesCommand.Settings>
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

    public sealed class Settings : JsonSettings
    {
        [CommandOption("-r|--reps <N>")]
        [Description("Repetitions of each llama.cpp test. Default 2.")]
        [DefaultValue(2)]
        [Limit(1, 100)]
        public int Reps { get; init; } = 2;

        [CommandOption("--duration <SECONDS>")]
        [Description("Minimum measuring time per ONNX Runtime probe graph. Default 1.5.")]
        [DefaultValue(1.5)]
        [Limit(0, 600)]
        public double Duration { get; init; } = 1.5;

        [CommandOption("-t|--threads <N>")]
        [Description("Threads for both runtimes. Default: llama.cpp one per logical core, ONNX Runtime its own choice (as the validate commands run them).")]
        [Limit(1, Limits.ThreadsPerCore, PerLogicalCore = true)]
        public int? Threads { get; init; }

        [CommandOption("--file <PATH>")]
        [Description("Where to write the profiles. Default: host-runtimes.yaml beside host.yaml in the data directory, which the validate commands read.")]
        public string? File { get; init; }

        public override ValidationResult Validate() =>
            Reps < 1 || Duration < 0 || Threads is < 1 ? ValidationResult.Error("--reps and --threads must be ≥ 1 and --duration ≥ 0.") : ValidationResult.Success();
    }

    /// <summary>One probe's line in the output: what ran, measured against the roofline at fractions 1.</summary>
    public sealed record ProbeRow(string Runtime, string Probe, string Model, double Measured, double Roofline, string Unit);

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var path = settings.File ?? HostRuntimeProfilesFile.DefaultPath;
        if (Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path))))
        {
            // A link or directory at the target is refused now, not after a minute of probes.
            AtomicFile.RefuseUnwritableTarget(path);
        }

        var llm = catalog.ResolveModel(ProbeLlm) as LlmCatalogModel ?? throw new MissingFigureException($"the probe model {ProbeLlm} is missing from the catalog; reinstall wpt.");
        var bench = new LlmBenchSettings(ProbePromptTokens, ProbeGenTokens, settings.Reps, Combined: false).Validate();
        var formats = ProbeFormats.Select(WeightFormat.Parse).ToArray();
        foreach (var format in formats)
        {
            LlmModelFiles.RequireMemory(llm.Architecture, format, bench.ContextTokens, $"probe {ProbeLlm} {format.Id}");
        }

        MeasurementHooks.Start();

        // Probes on a busy machine fit the load, not the runtimes (a build beside them gave q8_0 a decode share of 0.005): say so.
        using var contention = new ContentionSampler(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(250));
        var host = ValidateCommand.PlatformOrMeasuredHost(console, catalog, HostPlatform.Id, cancellationToken);
        var version = WptBuild.Current.Version;
        var measuredAt = DateTimeOffset.UtcNow;
        var graphs = ProbeGraphs();
        var total = formats.Length + graphs.Count;
        var done = 0;
        void Step(string what)
        {
            done++;
            if (!settings.Json)
            {
                console.MarkupLine($"[grey]Probe {done}/{total}: {Markup.Escape(what)}[/]");
            }
        }

        var rows = new List<ProbeRow>();
        var llamaOptions = new LlamaCppOptions(settings.Threads).Validate();
        var (llama, llamaRows) = ProbeLlamaCpp(console, llm.Architecture, ThinProbe, host, bench, llamaOptions, format => Step($"llama.cpp {ProbeLlm} {format.Id}, pp{bench.PromptTokens}, pp{ProbeShortPromptTokens} and tg{bench.GenTokens} × {bench.Repetitions}"), cancellationToken);
        rows.AddRange(llamaRows);

        var (onnx, fit, onnxRows) = ProbeOnnxRuntime(console, host, graphs, settings.Duration, settings.Threads, graph => Step($"ONNX Runtime {graph.Name} ({NetworkProbeFit.KernelLayers(graph)} layers, {Output.Number(graph.TotalOps.Value / 1e9)} GOP)"), cancellationToken);
        rows.AddRange(onnxRows);

        var load = contention.Stop();
        var profiles = new HostRuntimeProfiles(HostPlatform.Id, measuredAt, llama, onnx);
        HostRuntimeProfilesFile.Write(path, profiles, version);
        if (settings.Json)
        {
            Output.Json(console, new
            {
                file = path,
                measured = measuredAt,
                contended = load?.Contended,
                contention = load?.ToString(),
                probes = rows,
                runtimes = new Dictionary<string, object>
                {
                    [HostRuntimeProfiles.LlamaCppCpuId] = new { decodeDramShare = llama.DecodeDramShare.Value, prefillComputeShare = llama.PrefillComputeShare.Value, inferenceOverheadUs = llama.InferenceOverheadMicroseconds?.Value, layerOverheadUs = llama.LayerOverheadMicroseconds?.Value, byWeights = llama.ByWeights.ToDictionary(w => w.Key, w => new { decodeDramShare = w.Value.DecodeDramShare!.Value, prefillComputeShare = w.Value.PrefillComputeShare!.Value }) },
                    [HostRuntimeProfiles.OnnxRuntimeCpuId] = new { networkComputeShare = onnx.NetworkComputeShare.Value, layerOverheadUs = onnx.LayerOverheadMicroseconds.Value, inferenceOverheadUs = onnx.InferenceOverheadMicroseconds.Value, probeMedianAbsoluteErrorPercent = fit.MedianAbsoluteErrorPercent },
                },
            });
            return 0;
        }

        Render(rows, profiles, fit, path);
        if (load is { Contended: true })
        {
            console.MarkupLine($"[yellow]Warning:[/] {Markup.Escape(load.Warning!)}: these profiles describe a busy machine; run 'wpt measure runtimes' again when it is quiet.");
        }

        return 0;
    }

    /// <summary>
    /// The llama.cpp probes on <paramref name="host"/>, in each probe format: <paramref name="probeModel"/> (<see cref="ProbeLlm"/>)
    /// with tgN, ppP and a short prompt, and <paramref name="thinModel"/> (<see cref="ThinProbe"/>) with tg<see cref="ProbeThinGenTokens"/>;
    /// fitted into the host's llama.cpp profile. <c>wpt validate llm --recalibrate</c> runs the same probes in each of its rounds.
    /// </summary>
    internal static (HostLlamaCppProfile Profile, IReadOnlyList<ProbeRow> Rows) ProbeLlamaCpp(IAnsiConsole console, LlmArchitecture probeModel, LlmArchitecture thinModel, Platform host, LlmBenchSettings bench, LlamaCppOptions options, Action<WeightFormat> step, CancellationToken cancellation)
    {
        var baseline = new Ceilings(host).Fractions;
        var version = WptBuild.Current.Version;
        var date = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var formats = ProbeFormats.Select(WeightFormat.Parse).ToArray();
        var rows = new List<ProbeRow>();
        LlmProbe Run(LlmArchitecture architecture, WeightFormat format, LlmBenchSettings settings)
        {
            var modelPath = LlmModelFiles.Synthesize(Output.Progress(console), architecture, format, settings.ContextTokens);
            var file = new LlmModelFile(modelPath, $"{architecture.Id} {format.Id}", GgufModels.Load(modelPath), Synthesized: true);
            var result = LlmRun.Measure(console, file, settings, options, TimeSpan.FromMilliseconds(250), cancellation).Result;
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
            var decodeFit = $"probes tg{bench.GenTokens} {probeModel.Id} {format.Id}: {Output.Number(probe.MeasuredDecodeTokensPerSecond)} tok/s vs roofline {Output.Number(roofline.Decode)} tok/s, with {Output.Number(layer * 1e6)} µs per layer{Clamped(decodeShare)}; {date}, wpt {version}";
            var prefillFit = $"probes pp{bench.PromptTokens} and pp{ProbeShortPromptTokens} {probeModel.Id} {format.Id}: {Output.Number(probe.MeasuredPrefillTokensPerSecond)} and {Output.Number(shortTokensPerSecond)} tok/s vs roofline {Output.Number(roofline.Prefill)} tok/s at pp{bench.PromptTokens}, with {Output.Number(perPrefillSeconds * 1e3)} ms per prefill and {Output.Number(layer * 1e6)} µs per layer{Clamped(prefillShare)}; {date}, wpt {version}";
            byWeights[format.Id] = new HostLlamaCppWeightsProfile(new FittedFigure(Round(decodeShare.Share), decodeFit), new FittedFigure(Round(prefillShare.Share), prefillFit));
            decodeShares.Add(decodeShare.Share);
            prefillShares.Add(prefillShare.Share);
            rows.Add(new ProbeRow(HostRuntimeProfiles.LlamaCppCpuId, $"tg{bench.GenTokens}", $"{probeModel.Id} {format.Id}", probe.MeasuredDecodeTokensPerSecond, roofline.Decode, "tok/s"));
            rows.Add(new ProbeRow(HostRuntimeProfiles.LlamaCppCpuId, $"pp{bench.PromptTokens}", $"{probeModel.Id} {format.Id}", probe.MeasuredPrefillTokensPerSecond, roofline.Prefill, "tok/s"));
            rows.Add(new ProbeRow(HostRuntimeProfiles.LlamaCppCpuId, $"pp{ProbeShortPromptTokens}", $"{probeModel.Id} {format.Id}", shortTokensPerSecond, LlmValidation.Predict(probe.Workload, new Ceilings(host, baseline with { Compute = 1, Dram = 1 }), ProbeShortPromptTokens, 1).Prefill, "tok/s"));
            rows.Add(new ProbeRow(HostRuntimeProfiles.LlamaCppCpuId, $"tg{ProbeThinGenTokens}", $"{thinModel.Id} {format.Id}", thin.MeasuredDecodeTokensPerSecond, LlmValidation.Predict(thin.Workload, new Ceilings(host, baseline with { Compute = 1, Dram = 1 }), 1, ProbeThinGenTokens).Decode, "tok/s"));
        }

        var formatList = string.Join(" and ", formats.Select(f => f.Id));
        var profile = new HostLlamaCppProfile(
            new FittedFigure(Round(decodeShares.Average()), $"mean of the {formatList} decode probes ({probeModel.Id}); {date}, wpt {version}"),
            new FittedFigure(Round(prefillShares.Average()), $"mean of the {formatList} prefill probes ({probeModel.Id}); {date}, wpt {version}"),
            byWeights)
        {
            InferenceOverheadMicroseconds = new FittedFigure(Math.Round(fixedCosts.Average(f => f.Microseconds), 1), $"mean of the {formatList} fixed costs per prefill ({string.Join(", ", fixedCosts.Select(f => $"{f.Format} {Output.Number(f.Microseconds / 1e3)} ms"))}), each from its pp{ProbeShortPromptTokens} and pp{ProbePromptTokens} probes ({probeModel.Id}) less its layers' cost; {date}, wpt {version}"),
            LayerOverheadMicroseconds = new FittedFigure(Math.Round(layer * 1e6, 1), $"mean of the {formatList} costs per layer ({string.Join(", ", measured.Select(m => $"{m.Format.Id} {Output.Number(m.LayerSeconds * 1e6)} µs"))}), each from tg{ProbeThinGenTokens} of {thinModel.Id} ({thinModel.Layers} layers of {thinModel.HiddenSize}) beside tg{bench.GenTokens} of {probeModel.Id}; {date}, wpt {version}"),
        };

        return (profile, rows);
    }

    /// <summary>
    /// The ONNX Runtime probe graphs on <paramref name="host"/> (SingleStream median of each), fitted into the host's ONNX Runtime
    /// profile; <c>wpt validate --recalibrate</c> runs the same probes in each of its rounds.
    /// </summary>
    internal static (HostOnnxRuntimeProfile Profile, NetworkProbeFitResult Fit, IReadOnlyList<ProbeRow> Rows) ProbeOnnxRuntime(IAnsiConsole console, Platform host, IReadOnlyList<Graph> graphs, double durationSeconds, int? threads, Action<Graph> step, CancellationToken cancellation)
    {
        var baseline = new Ceilings(host).Fractions;
        var date = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var version = WptBuild.Current.Version;
        var onnxOptions = new OnnxRuntimeOptions(IntraOpThreads: threads);
        var fp32 = WeightFormat.Parse("fp32");
        var probes = new List<NetworkProbe>();
        var rows = new List<ProbeRow>();
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
            var result = Output.WithStatus(console, $"Running {graph.Name}…", () => new LoadGenerator(target).Run(scenario, null, cancellation));
            var measured = result.Latency.P50.Value;
            var captured = graph;
            probes.Add(new NetworkProbe(graph.Name, NetworkProbeFit.KernelLayers(graph), measured, share => GraphPredictor.Predict(captured, new Ceilings(host, baseline with { Compute = share }), fp32).Latency.Value));
            rows.Add(new ProbeRow(HostRuntimeProfiles.OnnxRuntimeCpuId, graph.Name, $"{NetworkProbeFit.KernelLayers(graph)} layers", measured * 1e3, GraphPredictor.Predict(graph, new Ceilings(host, baseline with { Compute = 1 }), fp32).Latency.Value * 1e3, "ms"));
        }

        var fit = NetworkProbeFit.Fit(probes);
        var probeNames = string.Join(", ", probes.Select(p => $"{p.Name} {Output.Number(p.MeasuredSeconds * 1e3)} ms"));
        var fitText = $"least squares over {probes.Count} probes ({probeNames}): latency = roofline/share + layers × overhead + per-inference overhead, median |error| {Output.Number(fit.MedianAbsoluteErrorPercent, 2)} %; {date}, wpt {version}";
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
    internal static IReadOnlyList<Graph> ProbeGraphs()
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

    private void Render(IReadOnlyList<ProbeRow> rows, HostRuntimeProfiles profiles, NetworkProbeFitResult fit, string path)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Runtime probes on this machine[/] (roofline: the model at achievable fractions 1)");
        foreach (var column in new[] { "Runtime", "Probe", "Model", "Measured", "Roofline", "Share" })
        {
            table.AddColumn(new TableColumn(column) { Alignment = column is "Runtime" or "Probe" or "Model" ? Justify.Left : Justify.Right });
        }

        foreach (var r in rows)
        {
            // Rates: measured ÷ roofline; latencies: roofline ÷ measured (the share a pure roofline would need).
            var ratio = r.Unit == "ms" ? r.Roofline / r.Measured : r.Measured / r.Roofline;
            table.AddRow(r.Runtime, r.Probe, Markup.Escape(r.Model), $"{Output.Number(r.Measured)} {r.Unit}", $"{Output.Number(r.Roofline)} {r.Unit}", Output.Number(ratio, 2));
        }

        console.Write(table);
        var llama = profiles.LlamaCppCpu!;
        var onnx = profiles.OnnxRuntimeCpu!;
        console.MarkupLine($"llama.cpp-cpu: decode DRAM share {string.Join(", ", llama.ByWeights.Select(w => $"{w.Key} {w.Value.DecodeDramShare!.Value:0.00}"))}; prefill compute share {string.Join(", ", llama.ByWeights.Select(w => $"{w.Key} {w.Value.PrefillComputeShare!.Value:0.00}"))}, {Output.Number((llama.InferenceOverheadMicroseconds?.Value ?? 0) / 1e3)} ms per prefill, {Output.Number(llama.LayerOverheadMicroseconds?.Value ?? 0)} µs per layer (on every token and prefill batch).");
        console.MarkupLine($"onnxruntime-cpu: compute share {onnx.NetworkComputeShare.Value:0.00}, {Output.Number(onnx.LayerOverheadMicroseconds.Value)} µs per layer, {Output.Number(onnx.InferenceOverheadMicroseconds.Value)} µs per inference (probes reproduced within {Output.Number(fit.MedianAbsoluteErrorPercent, 2)} % median).");
        var used = Path.GetFullPath(path) == Path.GetFullPath(HostRuntimeProfilesFile.DefaultPath)
            ? "'wpt predict --platform host', 'wpt validate' and 'wpt validate llm' now predict with them"
            : $"the validate commands read only {HostRuntimeProfilesFile.DefaultPath}";
        console.MarkupLine($"Wrote the host's runtime profiles to [bold]{Markup.Escape(Path.GetFullPath(path))}[/]; {Markup.Escape(used)}.");
    }
}
