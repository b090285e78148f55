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
using WorkingPoint.Runner;

namespace WorkingPoint.Cli.Commands;

/// <summary>
/// <c>wpt measure runtimes</c>: short probes of llama.cpp and ONNX Runtime on this machine, turned into the host's runtime profiles
/// (the shares of the measured ceilings each runtime reaches, and ONNX Runtime's fixed costs), written beside <c>host.yaml</c>.
/// The probes are none of the models <c>wpt validate</c> and <c>wpt validate llm</c> judge the model on.
/// </summary>
public sealed class MeasureRuntimesCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<MeasureRuntimesCommand.Settings>
{
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

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var path = settings.File ?? HostRuntimeProfilesFile.DefaultPath;
        if (Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path))))
        {
            // A link or directory at the target is refused now, not after a minute of probes.
            AtomicFile.RefuseUnwritableTarget(path);
        }

        var llm = catalog.ResolveModel(HostRuntimeProbes.ProbeLlm) as LlmCatalogModel ?? throw new MissingFigureException($"the probe model {HostRuntimeProbes.ProbeLlm} is missing from the catalog; reinstall wpt.");
        var bench = new LlmBenchSettings(HostRuntimeProbes.ProbePromptTokens, HostRuntimeProbes.ProbeGenTokens, settings.Reps, Combined: false).Validate();
        var formats = HostRuntimeProbes.ProbeFormats.Select(WeightFormat.Parse).ToArray();
        foreach (var format in formats)
        {
            LlmModelFiles.RequireMemory(llm.Architecture, format, bench.ContextTokens, $"probe {HostRuntimeProbes.ProbeLlm} {format.Id}");
        }

        MeasurementHooks.Start();

        // Probes on a busy machine fit the load, not the runtimes (a build beside them gave q8_0 a decode share of 0.005): say so.
        using var contention = new ContentionSampler(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(250));
        var host = ValidateCommand.PlatformOrMeasuredHost(console, catalog, HostPlatform.Id, cancellationToken);
        var version = WptBuild.Current.Version;
        var measuredAt = DateTimeOffset.UtcNow;
        var graphs = HostRuntimeProbes.ProbeGraphs();
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

        var rows = new List<RuntimeProbeRow>();
        var llamaOptions = new LlamaCppOptions(settings.Threads).Validate();
        var (llama, llamaRows) = HostRuntimeProbes.ProbeLlamaCpp(new ConsoleBenchmarkProgress(console), Output.Progress(console), WptBuild.Current.Version, llm.Architecture, HostRuntimeProbes.ThinProbe, host, bench, llamaOptions, format => Step($"llama.cpp {HostRuntimeProbes.ProbeLlm} {format.Id}, pp{bench.PromptTokens}, pp{HostRuntimeProbes.ProbeShortPromptTokens} and tg{bench.GenTokens} × {bench.Repetitions}"), cancellationToken);
        rows.AddRange(llamaRows);

        var (onnx, fit, onnxRows) = HostRuntimeProbes.ProbeOnnxRuntime(new ConsoleBenchmarkProgress(console), WptBuild.Current.Version, host, graphs, settings.Duration, settings.Threads, graph => Step($"ONNX Runtime {graph.Name} ({NetworkProbeFit.KernelLayers(graph)} layers, {Output.Number(graph.TotalOps.Value / 1e9)} GOP)"), cancellationToken);
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

    private void Render(IReadOnlyList<RuntimeProbeRow> rows, HostRuntimeProfiles profiles, NetworkProbeFitResult fit, string path)
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
