using System.Globalization;
using WorkingPoint.Catalog;
using WorkingPoint.Core;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Evaluation;
using WorkingPoint.Evaluation.ModelFiles;
using WorkingPoint.Measurement;
using WorkingPoint.Measurement.Concurrency;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Measurement.LlamaCpp;
using WorkingPoint.Measurement.OnnxRuntime;
using WorkingPoint.Results;
using WorkingPoint.Measurement.Roofline;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Measurement.Telemetry;

namespace WorkingPoint.Runner;

/// <summary>A mix job's outcome: both models, the platform predicted on, what was measured and what was predicted.</summary>
public sealed record MixBenchmarkOutcome(
    IReadOnlyList<MeasurementRecord> Records,
    ModelFile Vision,
    LlmModelFile Llm,
    double FramesPerSecond,
    Platform Host,
    MixResult Result,
    ConcurrencyPrediction Prediction,
    TelemetryCapture Telemetry,
    RunVerdict Verdict) : BenchmarkOutcome(Records)
{
    /// <summary>The median frame latency of a phase, in seconds.</summary>
    public static double P50(PeriodicResult r) => LatencyStatistics.Percentile(r.LatencySeconds.Order().ToArray(), 50);
}

/// <summary>
/// <c>mix</c> jobs: a vision model at a fixed frame rate and an LLM generating at the same time, each measured alone and together,
/// next to the analytic model's prediction of the same interference from shared compute and bandwidth.
/// </summary>
public sealed class MixBenchmarkRunner(WorkingPoint.Catalog.Catalog catalog, ModelLoadCheck? loadCheck = null, PlatformResolver? resolvePlatform = null) : IBenchmarkRunner
{
    public BenchmarkJobKind Kind => BenchmarkJobKind.Mix;

    BenchmarkOutcome IBenchmarkRunner.Run(BenchmarkJob job, IBenchmarkProgress progress, IBenchmarkResultSink sink, CancellationToken cancellation) => Run(job, progress, sink, cancellation);

    public MixBenchmarkOutcome Run(BenchmarkJob job, IBenchmarkProgress progress, IBenchmarkResultSink sink, CancellationToken cancellation)
    {
        var values = RunnerSupport.Validate(job, Kind);
        var visionSource = values.Text("vision", "yolov8n");
        var llmSource = values.Text("llm", "qwen2.5-0.5b");
        var fps = values.Number("fps", 5);
        var context = values.Integer("context", 256);
        var durationSeconds = values.Number("duration", 15);
        var visionThreads = values.Integer("vision-threads");
        var llmThreads = values.Integer("llm-threads");
        loadCheck?.Invoke(llmSource, cancellation); // a user's GGUF file is checked before this process loads it
        sink.Open();
        var shapes = values.Shapes("input");
        var inputs = shapes.Count == 0 && !File.Exists(visionSource) ? ["320x320"] : shapes;
        var vision = ModelFiles.Resolve(catalog, visionSource, inputs);
        var llm = LlmModelFiles.Resolve(catalog, RunnerSupport.Show(progress).Run, llmSource, values.Text("weights"), context);
        var platform = values.Text("platform", HostPlatform.Id);
        var host = resolvePlatform is null
            ? MeasuredHost.Resolve(catalog, platform, () => RooflineMeasurer.Measure(RooflineOptions.Quick, null, null, cancellation))
            : resolvePlatform(platform, cancellation);

        using var onnx = OnnxRuntimeTarget.Load(vision.Path, vision.Shapes, new OnnxRuntimeOptions(IntraOpThreads: visionThreads));
        using var model = LlamaCppModel.Load(llm.Path, context, new LlamaCppOptions(llmThreads));
        onnx.Infer();
        var prediction = Predict(host, vision, onnx, llm, fps, context);

        sink.MeasurementStarts();
        var started = DateTimeOffset.UtcNow;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var contention = new ContentionSampler(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(250));
        using var sampler = new TelemetrySampler(TelemetryDiscovery.Discover(), TimeSpan.FromMilliseconds(250));
        var duration = TimeSpan.FromSeconds(durationSeconds);
        MixResult result;
        try
        {
            result = progress.Phase($"{vision.DisplayName} at {Formatting.Number(fps)} FPS with {llm.DisplayName}", (IProgress<double>? p) =>
                MixRunner.Run(onnx.Infer, fps, model.NextStreamToken, duration, TimeSpan.FromSeconds(Math.Min(2, durationSeconds / 4)), (_, f) => p?.Report(f), cancellation));
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            sink.ReportInterrupted("nothing");
            throw;
        }

        var telemetry = sampler.Stop();
        var load = contention.Stop();
        var verdict = Judge(result, load);
        var parameters = new Dictionary<string, string>
        {
            ["vision"] = vision.DisplayName,
            ["vision-inputs"] = string.Join(" ", vision.Shapes.Named.Select(kv => $"{kv.Key}={string.Join('x', kv.Value)}")),
            ["fps"] = fps.ToString(CultureInfo.InvariantCulture),
            ["llm"] = llm.DisplayName,
            ["llm-weights"] = llm.Model.Weights.Id,
            ["context"] = context.ToString(CultureInfo.InvariantCulture),
            ["duration"] = durationSeconds.ToString(CultureInfo.InvariantCulture),
            ["vision-threads"] = visionThreads?.ToString(CultureInfo.InvariantCulture) ?? "default",
            ["llm-threads"] = (llmThreads ?? Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture),
        };
        var hashes = new Dictionary<string, string> { [vision.DisplayName] = ModelHash.Sha256Of(vision.Path), [llm.DisplayName] = ModelHash.Sha256Of(llm.Path) };
        var record = ToRecord(parameters, vision, llm, result, prediction, telemetry, started, clock.Elapsed) with
        {
            Verdict = verdict,
            // One threads field: the LLM's, which sets how many cores the generator keeps busy (the vision threads are a parameter).
            Manifest = RunManifest.Collect(job.Provenance, llmThreads ?? Environment.ProcessorCount, hashes),
        };
        record = record with { Metrics = [.. record.Metrics, .. RunnerSupport.ContentionMetrics(load), .. verdict.VariationPercent is { } v ? [new Metric("variation", v, "%")] : Array.Empty<Metric>()] };
        sink.Save(record);
        return new MixBenchmarkOutcome([record], vision, llm, fps, host, result, prediction, telemetry, verdict);
    }

    /// <summary>
    /// The run rules of a mix, as of a use case: each of the three phases at least the minimum duration (its shortest phase is
    /// judged), at least one frame and one token in each, and the variation of each series (frame latencies, token times) as a warning.
    /// </summary>
    public static RunVerdict Judge(MixResult result, CpuContention? load)
    {
        ArgumentNullException.ThrowIfNull(result);
        var series = new (string, IReadOnlyList<double>)[]
        {
            ("vision alone", result.FramesAlone.LatencySeconds),
            ("llm alone", result.StreamAlone.UnitSeconds),
            ("vision together", result.FramesTogether.LatencySeconds),
            ("llm together", result.StreamTogether.UnitSeconds),
        };
        var shortest = new[] { result.FramesAlone.DurationSeconds, result.StreamAlone.DurationSeconds, result.FramesTogether.DurationSeconds, result.StreamTogether.DurationSeconds }.Min();
        return RunnerSupport.JudgeRatedRun(series, shortest, interrupted: false, load);
    }

    /// <summary>The host's prediction: the network's layers and one decode step at the mean context, as resource demands.</summary>
    private static ConcurrencyPrediction Predict(Platform host, ModelFile vision, OnnxRuntimeTarget onnx, LlmModelFile llm, double fps, int context)
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
        var tokenDemand = ResourceDemand.Of([LlmPredictor.DecodeStep(workload, ceilings, context / 2.0)], coresHeld);
        return ConcurrencyPredictor.Predict(frameDemand, fps, tokenDemand);
    }

    private static MeasurementRecord ToRecord(Dictionary<string, string> parameters, ModelFile vision, LlmModelFile llm, MixResult result, ConcurrencyPrediction prediction, TelemetryCapture telemetry, DateTimeOffset started, TimeSpan elapsed)
    {
        var metrics = new List<Metric>
        {
            new("vision.alone.latency.p50", MixBenchmarkOutcome.P50(result.FramesAlone) * 1000, "ms"),
            new("vision.together.latency.p50", MixBenchmarkOutcome.P50(result.FramesTogether) * 1000, "ms"),
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
