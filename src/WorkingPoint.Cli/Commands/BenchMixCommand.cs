using WorkingPoint.Core;
using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Measurement;
using WorkingPoint.Measurement.Concurrency;
using WorkingPoint.Measurement.LlamaCpp;
using WorkingPoint.Measurement.OnnxRuntime;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Measurement.Telemetry;
using WorkingPoint.Evaluation;
using WorkingPoint.Evaluation.ModelFiles;
using WorkingPoint.Results;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Runner;

namespace WorkingPoint.Cli.Commands;

/// <summary>
/// <c>wpt bench mix</c>: a vision model at a fixed frame rate and an LLM generating at the same time, each measured alone and
/// together, next to the analytic model's prediction of the same interference from shared compute and bandwidth.
/// </summary>
public sealed class BenchMixCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog, GgufLoadGuard loadGuard) : Command<BenchMixCommand.Settings>
{
    public sealed class Settings : MeasureSettings
    {
        [CommandOption("--vision <MODEL>")]
        [Description("An .onnx file or a catalog network (exported with random weights). Default yolov8n.")]
        [DefaultValue("yolov8n")]
        public string Vision { get; init; } = "yolov8n";

        [CommandOption("-i|--input <SHAPE>")]
        [Description("The vision model's input: WIDTHxHEIGHT for a catalog network or a single image input, or name=1x3xHxW. Default 320x320.")]
        public string[] Input { get; init; } = [];

        [CommandOption("--fps <RATE>")]
        [Description("Frames per second the vision model is asked for. Default 5.")]
        [DefaultValue(5.0)]
        [Limit(0, 1000, MinimumExclusive = true)]
        public double Fps { get; init; } = 5;

        [CommandOption("--llm <MODEL>")]
        [Description("A .gguf file or a catalog LLM (synthesized with random weights). Default qwen2.5-0.5b.")]
        [DefaultValue("qwen2.5-0.5b")]
        public string Llm { get; init; } = "qwen2.5-0.5b";

        [CommandOption("-w|--weights <FORMAT>")]
        [Description("Format of a synthesized catalog LLM. Default q4_0.")]
        public string? Weights { get; init; }

        [CommandOption("--context <TOKENS>")]
        [Description("The LLM generates through this many tokens of context, then starts again. Default 256.")]
        [DefaultValue(256)]
        [Limit(8, Limits.MaxTokens)]
        public int Context { get; init; } = 256;

        [CommandOption("--duration <SECONDS>")]
        [Description("Length of each phase (vision alone, LLM alone, together). Default 15.")]
        [DefaultValue(15.0)]
        [Limit(0, 86_400, MinimumExclusive = true)]
        public double Duration { get; init; } = 15;

        [CommandOption("-p|--platform <ID>")]
        [Description("The platform the interference is predicted on: 'host' (default; measured first if it never was) or a platform YAML file describing this machine.")]
        [DefaultValue("host")]
        public string Platform { get; init; } = HostPlatform.Id;

        [CommandOption("--vision-threads <N>")]
        [Description("ONNX Runtime intra-op threads. Default: its own choice.")]
        [Limit(1, Limits.ThreadsPerCore, PerLogicalCore = true)]
        public int? VisionThreads { get; init; }

        [CommandOption("--llm-threads <N>")]
        [Description("llama.cpp threads. Default: one per logical core.")]
        [Limit(1, Limits.ThreadsPerCore, PerLogicalCore = true)]
        public int? LlmThreads { get; init; }

        public override ValidationResult Validate()
        {
            Limits.RequireInputsWithinMemory(Input);
            return Fps <= 0 || Duration <= 0 || Context < 8 || VisionThreads is < 1 || LlmThreads is < 1
                ? ValidationResult.Error("--fps and --duration must be > 0, --context ≥ 8, thread counts ≥ 1.")
                : ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var job = new BenchmarkJob(BenchmarkJobKind.Mix, null, null, null, Parameters(settings)) { CommandLine = [.. context.Arguments] };
        using var sink = new ResultsDatabaseSink(console, settings, settings.Json);
        var runner = new MixBenchmarkRunner(catalog, loadGuard.RequireLoadable, (platform, cancellation) => ValidateCommand.PlatformOrMeasuredHost(console, catalog, platform, cancellation));
        var outcome = runner.Run(job, new ConsoleBenchmarkProgress(console), sink, cancellationToken);
        var (result, prediction) = (outcome.Result, outcome.Prediction);
        if (settings.Json)
        {
            Output.Json(console, new
            {
                vision = outcome.Vision.DisplayName,
                llm = outcome.Llm.DisplayName,
                fps = settings.Fps,
                measured = new
                {
                    visionAlone = Summary(result.FramesAlone),
                    visionTogether = Summary(result.FramesTogether),
                    llmAloneTokensPerSecond = result.StreamAlone.UnitsPerSecond,
                    llmTogetherTokensPerSecond = result.StreamTogether.UnitsPerSecond,
                    llmSlowdown = result.StreamSlowdown,
                },
                predicted = new
                {
                    visionLatencyAloneMs = prediction.FrameLatencyAloneSeconds * 1000,
                    visionLatencyTogetherMs = prediction.FrameLatencyTogetherSeconds * 1000,
                    visionRateHeld = prediction.FrameRateHeldTogether,
                    llmAloneTokensPerSecond = prediction.StreamRateAlone,
                    llmTogetherTokensPerSecond = prediction.StreamRateTogether,
                    llmSlowdown = prediction.StreamSlowdown,
                    contended = prediction.Contended.ToString().ToLowerInvariant(),
                },
                telemetry = TelemetryText.Lines(outcome.Telemetry),
                verdict = outcome.Verdict,
                manifest = outcome.Records[0].Manifest,
            });
        }
        else
        {
            Render(settings, outcome.Vision, outcome.Llm, outcome.Host, result, prediction);
            RunVerdictText.Write(console, [("mix", outcome.Verdict)]);
        }

        sink.ThrowIfUnsaved();
        return 0;
    }

    /// <summary>The options as the job's parameters (a mix job names its two models as parameters).</summary>
    internal static IReadOnlyDictionary<string, string> Parameters(Settings settings) => new JobParametersBuilder()
        .Add("vision", settings.Vision)
        .Add("input", settings.Input)
        .Add("fps", settings.Fps)
        .Add("llm", settings.Llm)
        .Add("weights", settings.Weights)
        .Add("context", settings.Context)
        .Add("duration", settings.Duration)
        .Add("platform", settings.Platform)
        .Add("vision-threads", settings.VisionThreads)
        .Add("llm-threads", settings.LlmThreads)
        .Build();

    private static object Summary(PeriodicResult r)
    {
        var sorted = r.LatencySeconds.Order().ToArray();
        return new
        {
            frames = r.Frames,
            achievedFps = r.AchievedFramesPerSecond,
            deadlinesMissed = r.DeadlinesMissed,
            latencyP50Ms = LatencyStatistics.Percentile(sorted, 50) * 1000,
            latencyP90Ms = LatencyStatistics.Percentile(sorted, 90) * 1000,
            latencyP99Ms = LatencyStatistics.Percentile(sorted, 99) * 1000,
        };
    }

    private static double P50(PeriodicResult r) => MixBenchmarkOutcome.P50(r);

    private void Render(Settings settings, ModelFile vision, LlmModelFile llm, Platform host, MixResult result, ConcurrencyPrediction prediction)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]{Markup.Escape(vision.DisplayName)}[/] at {Output.Number(settings.Fps)} FPS + [bold]{Markup.Escape(llm.DisplayName)}[/] generating, on this machine")
            .AddColumn("Quantity").AddColumn(new TableColumn("Alone").RightAligned()).AddColumn(new TableColumn("Together").RightAligned())
            .AddColumn(new TableColumn("Change").RightAligned()).AddColumn(new TableColumn("Predicted change").RightAligned());
        table.AddRow("vision latency p50", Output.Ms(P50(result.FramesAlone)), Output.Ms(P50(result.FramesTogether)), Ratio(P50(result.FramesTogether) / P50(result.FramesAlone)), Ratio(prediction.FrameLatencyIncrease));
        table.AddRow("vision frames/s", Output.Number(result.FramesAlone.AchievedFramesPerSecond), Output.Number(result.FramesTogether.AchievedFramesPerSecond), Ratio(result.FramesTogether.AchievedFramesPerSecond / result.FramesAlone.AchievedFramesPerSecond), prediction.FrameRateHeldTogether ? "rate held" : "[yellow]rate not held[/]");
        table.AddRow("vision deadlines missed", result.FramesAlone.DeadlinesMissed.ToString(CultureInfo.InvariantCulture), result.FramesTogether.DeadlinesMissed.ToString(CultureInfo.InvariantCulture), string.Empty, string.Empty);
        table.AddRow("LLM tokens/s", Output.Number(result.StreamAlone.UnitsPerSecond), Output.Number(result.StreamTogether.UnitsPerSecond), Ratio(result.StreamTogether.UnitsPerSecond / result.StreamAlone.UnitsPerSecond), Ratio(prediction.StreamRateTogether / prediction.StreamRateAlone));
        console.Write(table);
        console.MarkupLine($"Predicted on {Markup.Escape(host.Name)}: vision {Output.Ms(prediction.FrameLatencyAloneSeconds)} alone → {Output.Ms(prediction.FrameLatencyTogetherSeconds)} together; LLM {Output.Number(prediction.StreamRateAlone)} → {Output.Number(prediction.StreamRateTogether)} tok/s; most contended: {prediction.Contended.ToString().ToLowerInvariant()}{(host.PrimaryUnit.HeldWhileStalled ? " (a CPU: threads hold their cores while they wait on memory)" : string.Empty)}.");

        static string Ratio(double r) => double.IsFinite(r) ? $"×{r:0.00}" : "–";
    }
}
