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
        loadGuard.RequireLoadable(settings.Llm, cancellationToken); // a user's GGUF file is trial-loaded in a child process first
        using var saver = ResultsText.Prepare(console, settings, settings.Json);
        var inputs = settings.Input.Length == 0 && !File.Exists(settings.Vision) ? ["320x320"] : settings.Input;
        var vision = ModelFiles.Resolve(catalog, settings.Vision, inputs);
        var llm = LlmModelFiles.Resolve(catalog, Output.Progress(console), settings.Llm, settings.Weights, settings.Context);
        var host = ValidateCommand.PlatformOrMeasuredHost(console, catalog, settings.Platform, cancellationToken);

        using var onnx = OnnxRuntimeTarget.Load(vision.Path, vision.Shapes, new OnnxRuntimeOptions(IntraOpThreads: settings.VisionThreads));
        using var model = LlamaCppModel.Load(llm.Path, settings.Context, new LlamaCppOptions(settings.LlmThreads));
        onnx.Infer();
        var prediction = Predict(host, vision, onnx, llm, settings);

        MeasurementHooks.Start();
        var started = DateTimeOffset.UtcNow;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var sampler = new TelemetrySampler(TelemetryDiscovery.Discover(), TimeSpan.FromMilliseconds(250));
        var duration = TimeSpan.FromSeconds(settings.Duration);
        MixResult result;
        try
        {
            result = Output.WithProgress(console, $"{vision.DisplayName} at {Output.Number(settings.Fps)} FPS with {llm.DisplayName}", progress =>
                MixRunner.Run(onnx.Infer, settings.Fps, model.NextStreamToken, duration, TimeSpan.FromSeconds(Math.Min(2, settings.Duration / 4)), (_, f) => progress?.Report(f), cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            saver.ReportInterrupted("nothing");
            throw;
        }

        var telemetry = sampler.Stop();

        var record = ToRecord(settings, vision, llm, result, prediction, telemetry, started, clock.Elapsed);
        saver.Save(record);
        if (settings.Json)
        {
            Output.Json(console, new
            {
                vision = vision.DisplayName,
                llm = llm.DisplayName,
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
                telemetry = TelemetryText.Lines(telemetry),
            });
        }
        else
        {
            Render(settings, vision, llm, host, result, prediction);
        }

        saver.ThrowIfUnsaved();
        return 0;
    }

    /// <summary>The host's prediction: the network's layers and one decode step at the mean context, as resource demands.</summary>
    private static ConcurrencyPrediction Predict(Platform host, ModelFile vision, OnnxRuntimeTarget onnx, LlmModelFile llm, Settings settings)
    {
        var ceilings = new Ceilings(host);
        var image = onnx.Inputs.FirstOrDefault(i => i.Shape.Count == 4)
            ?? throw new InvalidInputException($"{vision.DisplayName}: no image input (N×C×H×W) to predict; bench mix takes a vision model.");
        var network = File.Exists(vision.Path) && vision.Path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)
            ? new GraphCatalogModel(OnnxModels.Load(vision.Path))
            : throw new InvalidInputException($"{vision.Path}: not an ONNX file.");
        var request = new PredictionRequest(Weights: WeightFormat.Fp32, InputWidth: (int)image.Shape[3], InputHeight: (int)image.Shape[2]);
        var frame = (GraphModelPrediction)Predictions.Predict(network, host, request);
        var coresHeld = ResourceDemand.HoldsCoresWhileStalled(ceilings);
        var frameDemand = ResourceDemand.Of(frame.Result.Layers.Select(l => l.Cost), coresHeld);
        var workload = new LlmWorkload(llm.Model.Architecture, llm.Model.Weights, KvCacheFormat.F16);
        var tokenDemand = ResourceDemand.Of([LlmPredictor.DecodeStep(workload, ceilings, settings.Context / 2.0)], coresHeld);
        return ConcurrencyPredictor.Predict(frameDemand, settings.Fps, tokenDemand);
    }

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

    private static double P50(PeriodicResult r) => LatencyStatistics.Percentile(r.LatencySeconds.Order().ToArray(), 50);

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

    private static MeasurementRecord ToRecord(Settings settings, ModelFile vision, LlmModelFile llm, MixResult result, ConcurrencyPrediction prediction, TelemetryCapture telemetry, DateTimeOffset started, TimeSpan elapsed)
    {
        var parameters = new Dictionary<string, string>
        {
            ["vision"] = vision.DisplayName,
            ["vision-inputs"] = string.Join(" ", vision.Shapes.Named.Select(kv => $"{kv.Key}={string.Join('x', kv.Value)}")),
            ["fps"] = settings.Fps.ToString(CultureInfo.InvariantCulture),
            ["llm"] = llm.DisplayName,
            ["llm-weights"] = llm.Model.Weights.Id,
            ["context"] = settings.Context.ToString(CultureInfo.InvariantCulture),
            ["duration"] = settings.Duration.ToString(CultureInfo.InvariantCulture),
            ["vision-threads"] = settings.VisionThreads?.ToString(CultureInfo.InvariantCulture) ?? "default",
            ["llm-threads"] = (settings.LlmThreads ?? Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture),
        };
        var metrics = new List<Metric>
        {
            new("vision.alone.latency.p50", P50(result.FramesAlone) * 1000, "ms"),
            new("vision.together.latency.p50", P50(result.FramesTogether) * 1000, "ms"),
            new("vision.alone.fps", result.FramesAlone.AchievedFramesPerSecond, "frames/s"),
            new("vision.together.fps", result.FramesTogether.AchievedFramesPerSecond, "frames/s"),
            new("vision.together.deadlines-missed", result.FramesTogether.DeadlinesMissed, "frames"),
            new("llm.alone.tokens-per-second", result.StreamAlone.UnitsPerSecond, "tok/s"),
            new("llm.together.tokens-per-second", result.StreamTogether.UnitsPerSecond, "tok/s"),
            new("llm.slowdown", result.StreamSlowdown, "ratio"),
            new("predicted.vision.latency-increase", prediction.FrameLatencyIncrease, "ratio"),
            new("predicted.llm.slowdown", prediction.StreamSlowdown, "ratio"),
        };
        var samples = new List<SampleSeries>
        {
            new("vision.alone.latency", "ms", result.FramesAlone.LatencySeconds.Select(s => s * 1000).ToArray(), result.FramesAlone.StartSeconds),
            new("vision.together.latency", "ms", result.FramesTogether.LatencySeconds.Select(s => s * 1000).ToArray(), result.FramesTogether.StartSeconds),
            new("llm.alone.token", "ms", result.StreamAlone.UnitSeconds.Select(s => s * 1000).ToArray()),
            new("llm.together.token", "ms", result.StreamTogether.UnitSeconds.Select(s => s * 1000).ToArray()),
        };
        samples.AddRange(telemetry.ToSampleSeries());
        return new MeasurementRecord(MeasurementKind.Mix, started, elapsed, PlatformFingerprint.OfThisMachine().WithRuntime("ONNX Runtime", OnnxRuntimeTarget.RuntimeVersion).WithRuntime("LLamaSharp (llama.cpp)", LlamaCppModel.RuntimeVersion),
            $"{vision.DisplayName} + {llm.DisplayName}", ModelHash.Sha256Of(llm.Path), parameters, metrics, samples);
    }
}
