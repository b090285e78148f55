using WorkingPoint.Core.Files;
using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Evaluation;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Measurement;
using WorkingPoint.Measurement.LlamaCpp;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Measurement.Telemetry;
using WorkingPoint.Reporting.ScottPlot;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Runner;
using WorkingPoint.Evaluation.ModelFiles;
using WorkingPoint.Results;

namespace WorkingPoint.Cli.Commands;

/// <summary><c>wpt bench llm</c>: prompt processing and generation through llama.cpp, reported as llama-bench reports them.</summary>
public sealed class BenchLlmCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog, GgufLoadGuard loadGuard) : Command<BenchLlmCommand.Settings>
{
    public class Settings : MeasureSettings
    {
        [CommandArgument(0, "<MODEL>")]
        [Description("A .gguf file, or a catalog LLM id (synthesized with random weights and cached, see 'wpt models synth').")]
        public string Model { get; init; } = string.Empty;

        [CommandOption("-w|--weights <FORMAT>")]
        [Description("Format of a synthesized catalog model: q4_0 (default), q8_0, fp16, q4_k_m, … (a .gguf file runs as stored).")]
        public string? Weights { get; init; }

        [CommandOption("--prompt <TOKENS>")]
        [Description("Prompt tokens of the ppP test (llama-bench -p). Default 512; 0 skips it.")]
        [DefaultValue(512)]
        [Limit(0, Limits.MaxTokens)]
        public int Prompt { get; init; } = 512;

        [CommandOption("-n|--gen <TOKENS>")]
        [Description("Generated tokens of the tgN test (llama-bench -n). Default 128; 0 skips it.")]
        [DefaultValue(128)]
        [Limit(0, Limits.MaxTokens)]
        public int Gen { get; init; } = 128;

        [CommandOption("-r|--reps <N>")]
        [Description("Repetitions of each test; t/s is the mean ± standard deviation over them. Default 5.")]
        [DefaultValue(5)]
        [Limit(1, 1000)]
        public int Reps { get; init; } = 5;

        [CommandOption("-t|--threads <N>")]
        [Description("Threads. Default: one per logical core.")]
        [Limit(1, Limits.ThreadsPerCore, PerLogicalCore = true)]
        public int? Threads { get; init; }

        [CommandOption("-b|--batch-size <N>")]
        [Description("Logical batch size (llama-bench -b). Default 2048.")]
        [DefaultValue(2048)]
        [Limit(1, 65536)]
        public int BatchSize { get; init; } = 2048;

        [CommandOption("--ubatch-size <N>")]
        [Description("Physical batch size (llama-bench -ub). Default 512.")]
        [DefaultValue(512)]
        [Limit(1, 65536)]
        public int MicroBatchSize { get; init; } = 512;

        [CommandOption("-d|--depths <LIST>")]
        [Description("Also measure generation after this many tokens of context (llama-bench -d), e.g. 512,1024,2048.")]
        public string? Depths { get; init; }

        [CommandOption("--gpu-layers <N>")]
        [Description("Layers offloaded to a GPU where the llama.cpp backend has one. Default 0 (CPU).")]
        [DefaultValue(0)]
        [Limit(0, 10000)]
        public int GpuLayers { get; init; }

        [CommandOption("--telemetry-interval-ms <MS>")]
        [Description("How often sensors are read. Default 250.")]
        [DefaultValue(250)]
        [Limit(10, 60_000)]
        public int TelemetryIntervalMs { get; init; } = 250;

        [CommandOption("--sustained <MINUTES>")]
        [Description("Run the tgN test back to back for this long (instead of --reps times) and report decode throughput over time (shows thermal throttling).")]
        [Limit(0, 1440, MinimumExclusive = true)]
        public double? SustainedMinutes { get; init; }

        [CommandOption("--window <SECONDS>")]
        [Description("Throughput window of a sustained run. Default: the run split in 30.")]
        [Limit(0, 86_400, MinimumExclusive = true)]
        public double? Window { get; init; }

        [CommandOption("--plot <FILE>")]
        [Description("Decode speed against context length (or, sustained, decode throughput over time) as .png or .svg (with the host prediction once 'wpt measure roofline' has run).")]
        public string? Plot { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("Give a model: a .gguf file or a catalog LLM id.")
            : Prompt < 0 || Gen < 0 || Prompt + Gen == 0 ? ValidationResult.Error("--prompt and --gen must be ≥ 0 and not both 0.")
            : SustainedMinutes is <= 0 ? ValidationResult.Error("--sustained takes a positive number of minutes.")
            : SustainedMinutes is not null && Gen == 0 ? ValidationResult.Error("--sustained measures decode (the tgN test) over time; give -n/--gen above 0.")
            : SustainedMinutes is not null && !string.IsNullOrWhiteSpace(Depths) ? ValidationResult.Error("--sustained runs the tgN test alone; drop --depths.")
            : Window is <= 0 ? ValidationResult.Error("--window takes a positive number of seconds.")
            : Reps < 1 || BatchSize < 1 || MicroBatchSize < 1 || Threads is < 1 || GpuLayers < 0 || TelemetryIntervalMs < 10 ? ValidationResult.Error("--reps, --batch-size, --ubatch-size and --threads must be ≥ 1, --gpu-layers ≥ 0, --telemetry-interval-ms ≥ 10.")
            : Plot is not null && !RooflinePlotter.SupportedExtensions.Contains(Path.GetExtension(Plot).ToLowerInvariant()) ? ValidationResult.Error($"--plot must end in .png or .svg, got '{Plot}'.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var job = new BenchmarkJob(BenchmarkJobKind.Llm, settings.Model, null, null, Parameters(settings)) { CommandLine = [.. context.Arguments] };
        using var sink = new ResultsDatabaseSink(console, settings, settings.Json, () =>
        {
            if (settings.Plot is { } plotPath)
            {
                AtomicFile.RefuseUnwritableTarget(plotPath);
            }
        });
        var outcome = new LlmBenchmarkRunner(catalog, loadGuard.RequireLoadable).Run(job, new ConsoleBenchmarkProgress(console), sink, cancellationToken);
        var (model, bench) = (outcome.Model, outcome.Bench);
        var run = new LlmRun(outcome.Measurement.Result, outcome.Measurement.Telemetry, outcome.Measurement.Record);
        var cold = outcome.Measurement.ColdStart;
        var (steadyFirstToken, steadyDecode) = (LlmMeasurement.SteadyFirstTokenSeconds(run.Result), LlmMeasurement.SteadyDecodeSeconds(run.Result));
        var prediction = LlmRun.HostPrediction(catalog, model, bench);
        var sustained = outcome.Measurement.Sustained;
        var plot = settings.Plot is null ? null
            : sustained is not null ? SaveSustainedPlot(settings.Plot, model, run, sustained)
            : LlmRun.SavePlot(catalog, settings.Plot, model, run);
        if (settings.Json)
        {
            Output.Json(console, new
            {
                model = model.DisplayName,
                file = model.Path,
                modelSha256 = run.Record.ModelSha256,
                llamaSharp = LlamaCppModel.RuntimeVersion,
                threads = run.Result.Threads,
                batchSize = run.Result.BatchSize,
                ubatchSize = run.Result.MicroBatchSize,
                tests = run.Result.Tests.Select(t => new { test = t.Name, t.PromptTokens, t.GenTokens, t.Depth, tokensPerSecond = t.MeanTokensPerSecond, stddev = t.StdDevTokensPerSecond, seconds = t.Seconds }),
                timeToFirstTokenMs = run.Result.MeanTimeToFirstTokenSeconds * 1000,
                decodeByContext = run.Result.DecodeByContext,
                verdict = run.Record.Verdict,
                manifest = run.Record.Manifest,
                coldStart = new
                {
                    processToFirstTokenSeconds = cold.ToFirstToken.ProcessToFirstResultSeconds,
                    loadMs = cold.ToFirstToken.LoadSeconds * 1000,
                    loadToFirstTokenSeconds = cold.ToFirstToken.LoadToFirstResultSeconds,
                    promptTokens = cold.PromptTokens,
                    firstTokenMs = cold.ToFirstToken.FirstInferenceSeconds * 1000,
                    firstTokenVersusSteady = Finite(cold.FirstTokenVersusSteady(steadyFirstToken)),
                    firstDecodeMs = cold.FirstDecodeSeconds * 1000,
                    firstDecodeVersusSteady = Finite(cold.FirstDecodeVersusSteady(steadyDecode)),
                },
                sustained = sustained is null ? null : SustainedText.Json(sustained, run.Telemetry, (end, rate) => new { endSeconds = end, tokensPerSecond = rate }),
                telemetry = TelemetryText.Lines(run.Telemetry),
                plot,
            });
        }
        else
        {
            LlmRun.Render(console, model, run, prediction);
            if (sustained is not null)
            {
                SustainedText.Write(console, sustained, run.Telemetry, " tok/s");
            }

            console.MarkupLine($"Cold start: {Markup.Escape(cold.Describe(steadyFirstToken, steadyDecode))}.");
            if (plot is not null)
            {
                OutputFiles.SayWrote(console, plot, "the plot");
            }
        }

        sink.ThrowIfUnsaved();
        return 0;

        static double? Finite(double ratio) => double.IsFinite(ratio) ? ratio : null;
    }

    /// <summary>A sustained run's decode throughput over time with the temperature sensors, as bench onnx --sustained plots its throughput.</summary>
    private static string SaveSustainedPlot(string path, LlmModelFile model, LlmRun run, SustainedSeries sustained)
    {
        var sensors = run.Telemetry.Series.Where(s => s.Quantity == TelemetryQuantity.Temperature && s.Values.Count > 0)
            .Select(s => new TimeSeries(s.Name, TelemetryQuantity.Temperature.Unit(), s.SecondsFromStart, s.Values)).ToArray();
        new MeasurementPlotter().SaveThroughputOverTime($"{model.DisplayName}: decode tok/s over time (llama.cpp, {run.Result.Threads} threads)", sustained.WithFigure, sensors, path, "tokens");
        return path;
    }

    /// <summary>The options as the job's parameters (the model travels in the job's own slot).</summary>
    internal static IReadOnlyDictionary<string, string> Parameters(Settings settings) => new JobParametersBuilder()
        .Add("weights", settings.Weights)
        .Add("prompt", settings.Prompt)
        .Add("gen", settings.Gen)
        .Add("reps", settings.Reps)
        .Add("threads", settings.Threads)
        .Add("batch-size", settings.BatchSize)
        .Add("ubatch-size", settings.MicroBatchSize)
        .Add("depths", settings.Depths)
        .Add("gpu-layers", settings.GpuLayers)
        .Add("sustained", settings.SustainedMinutes)
        .Add("window", settings.Window)
        .Add("telemetry-interval-ms", settings.TelemetryIntervalMs)
        .Build();
}

/// <summary>One llama.cpp benchmark run (measured by the runner's <see cref="LlmMeasurement"/>) as bench llm, validate llm and measure runtimes print it.</summary>
internal sealed record LlmRun(LlmBenchResult Result, TelemetryCapture Telemetry, MeasurementRecord Record)
{
    public static LlmRun Measure(IAnsiConsole console, LlmModelFile model, LlmBenchSettings bench, LlamaCppOptions options, TimeSpan telemetryInterval, CancellationToken cancellation, IReadOnlyDictionary<string, string>? extraParameters = null, IReadOnlyList<string>? commandLine = null)
    {
        var measured = LlmMeasurement.Measure(new ConsoleBenchmarkProgress(console), model, bench, options, telemetryInterval, cancellation, extraParameters, commandLine);
        return new LlmRun(measured.Result, measured.Telemetry, measured.Record);
    }

    /// <summary>What the analytic model predicts for this file on the measured host, where the host has been measured.</summary>
    public static LlmPrediction? HostPrediction(WorkingPoint.Catalog.Catalog catalog, LlmModelFile model, LlmBenchSettings bench) =>
        OnHost(catalog, model) is var (workload, ceilings)
            ? LlmPredictor.Predict(workload, ceilings, new LlmScenario(bench.PromptTokens, Math.Max(bench.GenTokens, 1)))
            : null;

    /// <summary>Decode by context as measured, with the host's prediction at the same contexts once the host has been measured.</summary>
    public static string SavePlot(WorkingPoint.Catalog.Catalog catalog, string path, LlmModelFile model, LlmRun run)
    {
        var measured = run.Result.DecodeByContext.Select(d => (d.ContextTokens, d.TokensPerSecond)).ToArray();
        IReadOnlyList<(int, double)>? predicted = OnHost(catalog, model) is var (workload, ceilings)
            ? measured.Select(m => (m.ContextTokens, 1 / LlmPredictor.DecodeStep(workload, ceilings, m.ContextTokens).Seconds)).ToArray()
            : null;
        new MeasurementPlotter().SaveDecodeByContext($"{model.DisplayName}: decode speed by context (llama.cpp, {run.Result.Threads} threads)", measured, predicted, path);
        return path;
    }

    /// <summary>The file's workload and the measured host's ceilings; null until 'wpt measure roofline' has run.</summary>
    private static (LlmWorkload Workload, Ceilings Ceilings)? OnHost(WorkingPoint.Catalog.Catalog catalog, LlmModelFile model) =>
        MeasuredHost.Measured(catalog) is { } host
            ? (new LlmWorkload(model.Model.Architecture, model.Model.Weights, KvCacheFormat.F16), new Ceilings(host))
            : null;

    public static void Render(IAnsiConsole console, LlmModelFile model, LlmRun run, LlmPrediction? prediction)
    {
        var result = run.Result;
        var arch = model.Model.Architecture;
        var table = new Table().Border(TableBorder.Markdown)
            .Title($"[bold]llama.cpp[/] (LLamaSharp {Markup.Escape(LlamaCppModel.RuntimeVersion)}, CPU, n_batch {result.BatchSize}, n_ubatch {result.MicroBatchSize}, {(result.Settings.Sustained is { } sustained ? $"sustained {Output.Number(sustained.TotalMinutes)} min: {result.Tests.Sum(t => t.Seconds.Count)} reps" : $"{result.Settings.Repetitions} reps")})");
        foreach (var column in new[] { "model", "size", "params", "threads", "test", "t/s" })
        {
            table.AddColumn(new TableColumn(column) { Alignment = column is "model" or "test" ? Justify.Left : Justify.Right, NoWrap = true });
        }

        foreach (var test in result.Tests)
        {
            table.AddRow(
                Markup.Escape($"{model.Model.File.Architecture} {model.Model.Weights.Id}"),
                $"{Output.Number(model.Model.TensorBytes / (double)(1L << 30))} GiB",
                $"{Output.Number(arch.Parameters / 1e9)} B",
                result.Threads.ToString(CultureInfo.InvariantCulture),
                test.Name,
                $"{test.MeanTokensPerSecond:0.00} ± {test.StdDevTokensPerSecond:0.00}");
        }

        console.Write(table);
        var summary = Output.KeyValueTable($"{model.DisplayName}");
        if (result.MeanTimeToFirstTokenSeconds is { } ttft)
        {
            summary.Row("Time to first token", $"{Output.Ms(ttft)} for a {result.Settings.PromptTokens}-token prompt (mean of {result.TimeToFirstTokenSeconds.Count})");
        }

        if (result.DecodeByContext.Count > 0)
        {
            summary.Row("Decode by context", string.Join(", ", result.DecodeByContext.Where((_, i) => i % Math.Max(1, result.DecodeByContext.Count / 8) == 0).Select(d => $"{d.ContextTokens}: {Output.Number(d.TokensPerSecond)} t/s")));
        }

        if (prediction is not null)
        {
            summary.Row("Predicted on 'host'", $"prefill {Output.Number(prediction.PrefillTokensPerSecond)} t/s, decode {Output.Number(prediction.DecodeTokensPerSecond)} t/s (measured roofline, default fractions; wpt validate llm compares)");
        }

        foreach (var (name, value) in TelemetryText.Lines(run.Telemetry))
        {
            summary.Row(name, value == TelemetryCapture.NotMeasurable ? $"[grey]{value}[/]" : Markup.Escape(value));
        }

        summary.Row("energy per generated token", EnergyPerToken(result, run.Telemetry) is { } joules ? $"{Output.Number(joules * 1000)} mJ" : $"[grey]{TelemetryCapture.NotMeasurable} (no power sensor)[/]");
        console.Write(summary);
        if (run.Record.Verdict is { } verdict)
        {
            RunVerdictText.Write(console, [(model.DisplayName, verdict)]);
        }
    }

    private static double? EnergyPerToken(LlmBenchResult result, TelemetryCapture telemetry) => LlmMeasurement.EnergyPerToken(result, telemetry);
}
