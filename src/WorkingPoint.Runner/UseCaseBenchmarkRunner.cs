using System.Diagnostics;
using System.Globalization;
using WorkingPoint.Catalog;
using WorkingPoint.Catalog.UseCases;
using WorkingPoint.Core;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Evaluation;
using WorkingPoint.Evaluation.ModelFiles;
using WorkingPoint.Evaluation.UseCases;
using WorkingPoint.Measurement;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Measurement.LlamaCpp;
using WorkingPoint.Measurement.OnnxRuntime;
using WorkingPoint.Results;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Measurement.Telemetry;
using WorkingPoint.Measurement.UseCases;

namespace WorkingPoint.Runner;

/// <summary>A usecase job's outcome: the use case as asked and as run, what was measured, the comparison with the prediction and the verdict.</summary>
public sealed record UseCaseBenchmarkOutcome(
    IReadOnlyList<MeasurementRecord> Records,
    UseCase UseCase,
    UseCase Scaled,
    double Scale,
    int Seed,
    double TimeCompression,
    double CycleSeconds,
    UseCaseBenchResult Result,
    UseCaseBenchmarkRunner.Comparison Report,
    WorkingPoint.Core.Hardware.Platform? Host,
    double CpuShare,
    TelemetryCapture Telemetry,
    IReadOnlyList<string> Skipped,
    RunVerdict Verdict,
    UseCaseScore Score,
    IReadOnlyList<HarnessOverheadResult> Overhead) : BenchmarkOutcome(Records)
{
    /// <summary>A sustained run's workloads over time with their throttle onsets; empty without --sustained.</summary>
    public IReadOnlyList<WorkloadSustained> Sustained { get; init; } = [];
}

/// <summary>
/// The use case's working-point composite score (the one <c>wpt evaluate</c> reports; its reference platform scores 100) from the
/// measured figures beside the prediction's on this machine; null where it cannot be computed, with the reason.
/// </summary>
public sealed record UseCaseScore(string ReferencePlatform, double? Measured, double? Predicted, string? Unavailable)
{
    public double? ErrorPercent => Measured is { } m && Predicted is { } p && p > 0 ? (m / p - 1) * 100 : null;
}

/// <summary>
/// <c>usecase</c> jobs: every workload of a use case run at once through its real runtime at its (scaled) rates on this machine —
/// frames paced by the camera, requests arriving as a Poisson process — measured, and set beside the host's prediction of the
/// same use case (when the host has been measured).
/// </summary>
public sealed class UseCaseBenchmarkRunner(WorkingPoint.Catalog.Catalog catalog, ModelLoadCheck? loadCheck = null) : IBenchmarkRunner
{
    /// <summary>The fastest camera this harness paces per workload; faster asks are scaled down with --scale.</summary>
    public const double MaxFramesPerSecond = 200;

    /// <summary>Requests a short run should expect per request workload, when --time-compression is not given.</summary>
    public const double ExpectedRequests = 3;

    /// <summary>What the comparison says where there is no measured host to predict on.</summary>
    public const string NoHostProfile = "no host profile: run wpt measure roofline";

    public BenchmarkJobKind Kind => BenchmarkJobKind.UseCase;

    /// <summary>A frame workload's plan and what it asked for.</summary>
    private sealed record FrameWorkload(UseCaseWorkload Workload, string DisplayName, double FramesPerSecond, double DeadlineSeconds, bool DeadlineIsTarget, IReadOnlyList<OnnxRuntimeTarget> Sessions);

    private sealed record RequestWorkload(UseCaseWorkload Workload, LlmModelFile File, double RequestsPerSecond, LlamaCppModel Model, string? Skipped);

    /// <summary>The job's parameters, read with the CLI's defaults; a sustained run's length is its duration.</summary>
    private sealed record Options(double Duration, double Scale, double? TimeCompression, int Seed, int? Threads, bool Overhead, double? SustainedMinutes = null, double? WindowSeconds = null);

    /// <summary>Rounds and frames per round (each way) of the harness overhead check: enough for stable medians, seconds per workload.</summary>
    public const int OverheadRounds = 8;

    public const int OverheadFramesPerRound = 16;

    BenchmarkOutcome IBenchmarkRunner.Run(BenchmarkJob job, IBenchmarkProgress progress, IBenchmarkResultSink sink, CancellationToken cancellation) => Run(job, progress, sink, cancellation);

    public UseCaseBenchmarkOutcome Run(BenchmarkJob job, IBenchmarkProgress progress, IBenchmarkResultSink sink, CancellationToken cancellation)
    {
        var values = RunnerSupport.Validate(job, Kind);
        var sustainedMinutes = values.Number("sustained");
        var options = new Options(sustainedMinutes is { } minutes ? minutes * 60 : values.Number("duration", 30), values.Number("scale", 1), values.Number("time-compression"), values.Integer("seed", 1), values.Integer("threads"), values.Flag("overhead"), sustainedMinutes, values.Number("window"));
        var threads = options.Threads;
        var useCase = UseCaseYaml.Load(job.Scenario!, catalog);
        var scaled = Scaled(useCase, options.Scale);
        foreach (var w in scaled.Workloads.Where(w => w.Arrival == ArrivalKind.Frames && w.FramesPerSecond > MaxFramesPerSecond))
        {
            throw new InvalidInputException($"{w.Id}: {Formatting.Number(w.FramesPerSecond)} FPS after --scale {Formatting.Number(options.Scale)} is more than this harness paces ({MaxFramesPerSecond} FPS); pass a smaller --scale.");
        }

        var requestRates = scaled.Workloads.Where(w => w.Arrival == ArrivalKind.Requests && w.Category != WorkloadCategory.Speech).Select(w => w.RequestsPerHour / 3600).ToArray();
        // A sustained run expects its requests in its reference period (first minute or tenth), so the onset has requests before and after.
        var expectedOver = options.SustainedMinutes is null ? options.Duration : ThrottleOnset.ReferencePeriodFor(options.Duration);
        var compression = options.TimeCompression ?? (requestRates.Length == 0 ? 1 : Math.Max(1, ExpectedRequests / (requestRates.Min() * expectedOver)));
        sink.Open();

        var skipped = new List<string>();
        var frames = new List<FrameWorkload>();
        var requests = new List<RequestWorkload>();
        try
        {
            foreach (var w in scaled.Workloads)
            {
                var source = w.ModelSource ?? w.Model.Id;
                if (w.Arrival == ArrivalKind.Frames)
                {
                    var sessions = w.Inputs.Select(size =>
                    {
                        var file = ModelFiles.Resolve(catalog, source, [$"{size.Width}x{size.Height}"]);
                        return OnnxRuntimeTarget.Load(file.Path, file.Shapes, new OnnxRuntimeOptions(IntraOpThreads: threads, SpinWhenIdle: false));
                    }).ToList();
                    var deadline = w.Targets.LatencyMs is { } ms ? ms / 1000 : 1 / w.FramesPerSecond;
                    frames.Add(new FrameWorkload(w, $"{w.Model.Id} fp32", w.FramesPerSecond, deadline, w.Targets.LatencyMs is not null, sessions));
                }
                else if (w.Category == WorkloadCategory.Speech)
                {
                    skipped.Add($"{w.Id} ({w.Model.Id}): not run — a speech model's audio encoder and decoder have no runtime here yet.");
                }
                else
                {
                    loadCheck?.Invoke(source, cancellation);
                    var contextTokens = w.Request.PromptTokens + w.Request.GeneratedTokens + 8;
                    var file = LlmModelFiles.Resolve(catalog, RunnerSupport.Show(progress).Run, source, w.ModelSource is { } s && LooksLikeFile(s) ? null : w.Weights?.Id, contextTokens);
                    var model = LlamaCppModel.Load(file.Path, contextTokens, new LlamaCppOptions(threads));
                    var note = w.Request.Images > 0 ? $"{w.Id}: the vision encoder ({w.Request.Images} image(s) of {w.Request.ImageWidth}x{w.Request.ImageHeight}) is not run; the language tower is, and the prediction beside it leaves the encoder out too."
                        : w.Request.AudioSeconds > 0 ? $"{w.Id}: the audio encoder is not run; the prediction beside it leaves it out too." : null;
                    if (note is not null)
                    {
                        skipped.Add(note);
                    }

                    requests.Add(new RequestWorkload(w, file, w.RequestsPerHour / 3600 * compression, model, note));
                }
            }

            return Run(job, options, useCase, scaled, compression, frames, requests, skipped, progress, sink, cancellation);
        }
        finally
        {
            frames.SelectMany(f => f.Sessions).ToList().ForEach(s => s.Dispose());
            requests.ForEach(r => r.Model.Dispose());
        }
    }

    private static bool LooksLikeFile(string source) => File.Exists(source) || source.Contains('/', StringComparison.Ordinal) || source.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) || source.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>The use case with every rate (and fps target) multiplied by <paramref name="scale"/>; latency targets stay as they are.</summary>
    public static UseCase Scaled(UseCase useCase, double scale) => useCase with
    {
        Workloads = useCase.Workloads.Select(w => w with
        {
            FramesPerSecond = w.FramesPerSecond * scale,
            RequestsPerHour = w.RequestsPerHour * scale,
            Targets = w.Targets with { Fps = w.Targets.Fps * scale },
        }).ToArray(),
    };

    /// <summary>The use case as it runs here, for the prediction: networks in fp32 (what the exported graphs run), LLMs in the synthesized format, encoders left out.</summary>
    private static UseCase AsRun(UseCase scaled, IReadOnlyList<RequestWorkload> requests) => scaled with
    {
        Workloads = scaled.Workloads.Where(w => w.Category != WorkloadCategory.Speech).Select(w => w.Arrival == ArrivalKind.Frames
            ? w with { Weights = WeightFormat.Fp32 }
            : w with { Weights = requests.First(r => r.Workload.Id == w.Id).File.Model.Weights, Request = w.Request with { Images = 0, AudioSeconds = 0 } }).ToArray(),
    };

    private UseCaseBenchmarkOutcome Run(BenchmarkJob job, Options settings, UseCase useCase, UseCase scaled, double compression, List<FrameWorkload> frames, List<RequestWorkload> requests, List<string> skipped, IBenchmarkProgress progress, IBenchmarkResultSink saver, CancellationToken cancellationToken)
    {
        var duration = settings.Duration;
        var cycleSeconds = Math.Min(10, duration / 2);
        var framePlans = frames.Select((f, i) =>
        {
            var arrivals = ArrivalSchedule.Frames(f.FramesPerSecond, f.Workload.Duty, f.Workload.Inputs.Select(s => s.Share).ToArray(), duration, cycleSeconds, settings.Seed + i);
            return new FrameWorkloadPlan(f.Workload.Id, arrivals, f.DeadlineSeconds, size => f.Sessions[size].Infer());
        }).ToArray();
        var requestPlans = requests.Select((r, i) =>
        {
            var arrivals = ArrivalSchedule.Poisson(r.RequestsPerSecond, duration, settings.Seed + 1000 + i);
            return new RequestWorkloadPlan(r.Workload.Id, arrivals, () =>
            {
                r.Model.ClearCache();
                var prefill = r.Model.Prefill(r.Workload.Request.PromptTokens);
                var decode = r.Model.Generate(r.Workload.Request.GeneratedTokens, r.Workload.Request.PromptTokens);
                return new RequestTiming(prefill, decode.Sum(), decode.Length);
            });
        }).ToArray();

        // One untimed unit of each, so first-run allocation is not taken for the working point.
        foreach (var session in frames.SelectMany(f => f.Sessions))
        {
            session.Infer();
        }

        foreach (var r in requests)
        {
            r.Model.ClearCache();
            r.Model.Prefill(Math.Max(1, Math.Min(8, r.Workload.Request.PromptTokens)));
        }

        var host = MeasuredHost.Measured(catalog);
        var evaluator = new UseCaseEvaluator(catalog);
        var asRun = AsRun(scaled, requests);
        // The composite is scored against the reference platform's prediction of the use case as it runs here (fp32 networks, the LLM's format).
        var referenceProfile = evaluator.ReferenceProfile(asRun);
        var prediction = host is null ? null : evaluator.EvaluateOn(asRun, host, referenceProfile);

        saver.MeasurementStarts();
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        using var contention = new ContentionSampler(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(250));
        using var sampler = new TelemetrySampler(TelemetryDiscovery.Discover(), TimeSpan.FromMilliseconds(250));
        var result = progress.Phase($"{useCase.Name}: {frames.Count + requests.Count} workloads for {Formatting.Number(duration)} s", (IProgress<double>? p) =>
            UseCaseBench.Run(framePlans, requestPlans, duration, new StopwatchBenchClock(), f => p?.Report(f), cancellationToken));
        var telemetry = sampler.Stop();
        var load = contention.Stop();
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var cpuShare = cpuSeconds / Math.Max(wall.Elapsed.TotalSeconds, 1e-9) / Environment.ProcessorCount;

        var overhead = new List<HarnessOverheadResult>();
        if (settings.Overhead && !result.Interrupted)
        {
            // The same sessions, after the run: each frame workload through the harness and bare, interleaved (docs/bench-usecase.md).
            progress.Phase<object?>($"Harness overhead: {frames.Count} frame workload{(frames.Count == 1 ? string.Empty : "s")}, {OverheadRounds} rounds each way", (IProgress<double>? p) =>
            {
                for (var i = 0; i < frames.Count && !cancellationToken.IsCancellationRequested; i++)
                {
                    var f = frames[i];
                    try
                    {
                        overhead.Add(HarnessOverhead.Measure(f.Workload.Id, size => f.Sessions[size].Infer(), framePlans[i].Arrivals.Select(a => a.SizeIndex).ToArray(), OverheadRounds, OverheadFramesPerRound, cancellationToken));
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        // The run itself finished: it is saved without the check that was stopped.
                        skipped.Add($"harness overhead: stopped (Ctrl-C) during {f.Workload.Id}");
                    }

                    p?.Report((i + 1.0) / frames.Count);
                }

                return null;
            });
        }

        var report = Compare(scaled, frames, requests, result, prediction);
        var score = Score(asRun, result, referenceProfile, prediction);
        // Each workload is a series of units (frame latencies, times to first token) judged by the rules of a rated run.
        var series = result.Frames.Select(f => (f.Id, f.LatencySeconds)).Concat(result.Requests.Select(r => (r.Id, r.TimeToFirstTokenSeconds))).ToArray();
        var verdict = RunnerSupport.JudgeRatedRun(series, result.DurationSeconds, result.Interrupted, load);
        var hashes = frames.SelectMany(f => f.Sessions.Select(s => s.ModelPath)).Concat(requests.Select(r => r.File.Path)).Distinct()
            .GroupBy(path => Path.GetFileName(path)).ToDictionary(g => g.Key, g => ModelHash.Sha256Of(g.First()));
        var record = ToRecord(settings, job.Scenario!, useCase, compression, cycleSeconds, frames, requests, result, report, prediction, cpuShare, telemetry, skipped, started, wall.Elapsed, score, overhead) with
        {
            Verdict = verdict,
            Manifest = RunManifest.Collect(job.Provenance, settings.Threads, hashes),
        };
        record = record with { Metrics = [.. record.Metrics, .. RunnerSupport.ContentionMetrics(load)] };
        IReadOnlyList<WorkloadSustained> sustained = settings.SustainedMinutes is null ? [] : WorkloadSustained.Of(result, settings.WindowSeconds is { } window ? TimeSpan.FromSeconds(window) : null);
        if (settings.SustainedMinutes is { } sustainedMinutes)
        {
            record = WithSustained(record, sustainedMinutes, sustained, telemetry);
        }

        if (result.Interrupted)
        {
            saver.Save(record, RunStatus.Interrupted);
            saver.ReportInterrupted($"what the {result.Frames.Sum(f => f.FramesRun)} frames and {result.Requests.Sum(r => r.Served)} requests that finished measured");
            throw new OperationCanceledException(cancellationToken);
        }

        saver.Save(record);
        return new UseCaseBenchmarkOutcome([record], useCase, scaled, settings.Scale, settings.Seed, compression, cycleSeconds, result, report, host, cpuShare, telemetry, skipped, verdict, score, overhead) { Sustained = sustained };
    }

    /// <summary>
    /// A sustained run's figures added to its record, per workload as bench onnx --sustained saves its one: ID.sustained.*
    /// metrics (reference, last window, onset with temperature and clock) and the windows as ID.sustained.throughput (with a
    /// frame workload's achieved frames/s as ID.sustained.achieved-fps).
    /// </summary>
    private static MeasurementRecord WithSustained(MeasurementRecord record, double minutes, IReadOnlyList<WorkloadSustained> sustained, TelemetryCapture telemetry)
    {
        var parameters = new Dictionary<string, string>(record.Parameters) { ["sustained-minutes"] = minutes.ToString(CultureInfo.InvariantCulture) };
        if (sustained.Count > 0)
        {
            parameters["window"] = sustained[0].Series.Window.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        }

        var metrics = record.Metrics.Concat(sustained.SelectMany(w => w.Series.Metrics(telemetry, $"{w.Id}.sustained"))).ToArray();
        var samples = record.Samples.Concat(sustained.SelectMany(w => w.AchievedFramesPerSecond is { } achieved
            ? new[] { w.Series.Samples($"{w.Id}.sustained.throughput"), new SampleSeries($"{w.Id}.sustained.achieved-fps", "frames/s", achieved.Select(a => a.SamplesPerSecond).ToArray(), achieved.Select(a => a.WindowEndSeconds).ToArray()) }
            : [w.Series.Samples($"{w.Id}.sustained.throughput")])).ToArray();
        return record with { Parameters = parameters, Metrics = metrics, Samples = samples };
    }

    /// <summary>
    /// The measured working-point composite: per workload of the use case as run, in the prediction's terms — frames: 1 / mean
    /// frame latency (with the others running, as measured); requests: √(mean decode tok/s × 1 / mean time to first token) —
    /// scored against the reference platform as <c>wpt evaluate</c> scores; beside it the prediction's for this machine.
    /// </summary>
    public static UseCaseScore Score(UseCase asRun, UseCaseBenchResult result, IReadOnlyList<double>? referenceProfile, PlatformEvaluation? prediction)
    {
        ArgumentNullException.ThrowIfNull(asRun);
        ArgumentNullException.ThrowIfNull(result);
        var measured = asRun.Workloads.Select(w =>
        {
            if (result.Frames.FirstOrDefault(f => f.Id == w.Id) is { } frames)
            {
                return frames.FramesRun > 0 ? 1 / frames.LatencySeconds.Average() : (double?)null;
            }

            return result.Requests.FirstOrDefault(r => r.Id == w.Id) is { Served: > 0 } requests && requests.MeanDecodeTokensPerSecond is { } decode
                ? Math.Sqrt(decode / requests.TimeToFirstTokenSeconds.Average())
                : null;
        }).ToArray();
        var unavailable = referenceProfile is null ? $"the reference platform {asRun.ReferencePlatform} cannot be predicted for this use case"
            : measured.Any(m => m is null) ? $"nothing finished for {string.Join(", ", asRun.Workloads.Where((_, i) => measured[i] is null).Select(w => w.Id))}"
            : null;
        return new UseCaseScore(asRun.ReferencePlatform, CompositeScore.MeasuredWorkingPoint(asRun, measured, referenceProfile), prediction?.Score?.WorkingPoint, unavailable);
    }

    /// <summary>One measured figure beside its prediction (null when there is no host profile or the model has none).</summary>
    public sealed record Figure(string Workload, string Key, string Name, string Unit, double? Measured, double? Predicted)
    {
        public double? ErrorPercent => Measured is { } m && Predicted is { } p && p > 0 ? (m / p - 1) * 100 : null;
    }

    /// <summary>A target with the measured and the predicted verdict.</summary>
    public sealed record TargetCheck(string Workload, string Target, double Bound, string Unit, double? Measured, bool? MeasuredMet, bool? PredictedMet);

    public sealed record Comparison(IReadOnlyList<Figure> Figures, IReadOnlyList<TargetCheck> Targets);

    private static Comparison Compare(UseCase scaled, List<FrameWorkload> frames, List<RequestWorkload> requests, UseCaseBenchResult result, PlatformEvaluation? prediction)
    {
        var figures = new List<Figure>();
        var targets = new List<TargetCheck>();
        WorkloadOutcome? Predicted(string id) => prediction?.Workloads.FirstOrDefault(o => o.Id == id);
        foreach (var (f, r) in frames.Zip(result.Frames))
        {
            var o = Predicted(f.Workload.Id);
            var latency = r.Latency;
            var rate = r.AchievedFramesPerSecond(result.DurationSeconds);
            figures.Add(new Figure(f.Workload.Id, "fps", "frames/s", "frames/s", rate, o?.Rate));
            // The prediction's latency is its worst input size's with the others running; with one size the p50 compares directly.
            figures.Add(new Figure(f.Workload.Id, "latency-p50", "latency p50", "ms", latency?.P50.Value * 1000, o?.LatencyMs));
            if (f.Workload.Targets.Fps is { } fps)
            {
                targets.Add(new TargetCheck(f.Workload.Id, "fps", fps, "frames/s", rate, rate >= fps * 0.98, o is null ? null : o.Rate >= fps));
            }

            if (f.Workload.Targets.LatencyMs is { } ms)
            {
                var p99 = latency?.P99.Value * 1000;
                targets.Add(new TargetCheck(f.Workload.Id, "latency p99", ms, "ms", p99, p99 is { } m ? m <= ms && r.Misses == 0 : null, o is null ? null : o.LatencyMs <= ms));
            }
        }

        foreach (var (q, r) in requests.Zip(result.Requests))
        {
            var o = Predicted(q.Workload.Id);
            var ttft = r.TimeToFirstToken;
            figures.Add(new Figure(q.Workload.Id, "ttft-p50", "TTFT p50", "ms", ttft?.P50.Value * 1000, o?.LatencyMs));
            figures.Add(new Figure(q.Workload.Id, "tokens-per-second", "decode tok/s", "tok/s", r.MeanDecodeTokensPerSecond, o?.Rate));
            if (q.Workload.Targets.TimeToFirstTokenMs is { } t)
            {
                var max = ttft?.Max.Value * 1000;
                targets.Add(new TargetCheck(q.Workload.Id, "TTFT max", t, "ms", max, max <= t, o is null ? null : o.LatencyMs <= t));
            }

            if (q.Workload.Targets.TokensPerSecond is { } tps)
            {
                var min = r.Served > 0 ? r.DecodeTokensPerSecond.Min() : (double?)null;
                targets.Add(new TargetCheck(q.Workload.Id, "decode tok/s min", tps, "tok/s", min, min >= tps, o is null ? null : o.Rate >= tps));
            }
        }

        return new Comparison(figures, targets);
    }

    private static MeasurementRecord ToRecord(Options settings, string useCaseFile, UseCase useCase, double compression, double cycleSeconds, List<FrameWorkload> frames, List<RequestWorkload> requests, UseCaseBenchResult result, Comparison report, PlatformEvaluation? prediction, double cpuShare, TelemetryCapture telemetry, List<string> skipped, DateTimeOffset started, TimeSpan elapsed, UseCaseScore score, IReadOnlyList<HarnessOverheadResult> overhead)
    {
        static string Inv(double v) => v.ToString(CultureInfo.InvariantCulture);
        var parameters = new Dictionary<string, string>
        {
            ["usecase"] = useCase.Name,
            ["usecase-file"] = Path.GetFullPath(useCaseFile),
            ["duration"] = Inv(settings.Duration),
            ["scale"] = Inv(settings.Scale),
            ["time-compression"] = Inv(compression),
            ["duty-cycle"] = Inv(cycleSeconds),
            ["seed"] = settings.Seed.ToString(CultureInfo.InvariantCulture),
            ["threads"] = settings.Threads?.ToString(CultureInfo.InvariantCulture) ?? "default",
            ["predicted-on"] = prediction?.Platform.Id ?? NoHostProfile,
            ["score-reference"] = score.ReferencePlatform,
        };
        if (settings.Overhead)
        {
            parameters["overhead"] = "true";
        }
        foreach (var f in frames)
        {
            parameters[$"{f.Workload.Id}.model"] = f.DisplayName;
        }

        foreach (var r in requests)
        {
            parameters[$"{r.Workload.Id}.model"] = r.File.DisplayName;
        }

        var metrics = new List<Metric>();
        foreach (var r in result.Frames)
        {
            metrics.Add(new($"{r.Id}.fps", r.AchievedFramesPerSecond(result.DurationSeconds), "frames/s"));
            metrics.Add(new($"{r.Id}.misses", r.Misses, "frames"));
            metrics.Add(new($"{r.Id}.drops", r.Drops, "frames"));
            if (r.Latency is { } l)
            {
                metrics.Add(new($"{r.Id}.latency.min", l.Min.Value * 1000, "ms"));
                metrics.Add(new($"{r.Id}.latency.p50", l.P50.Value * 1000, "ms"));
                metrics.Add(new($"{r.Id}.latency.p90", l.P90.Value * 1000, "ms"));
                metrics.Add(new($"{r.Id}.latency.p99", l.P99.Value * 1000, "ms"));
                metrics.Add(new($"{r.Id}.latency.max", l.Max.Value * 1000, "ms"));
            }
        }

        foreach (var r in result.Requests)
        {
            metrics.Add(new($"{r.Id}.requests", r.Served, "requests"));
            if (r.TimeToFirstToken is { } t)
            {
                metrics.Add(new($"{r.Id}.ttft.p50", t.P50.Value * 1000, "ms"));
                metrics.Add(new($"{r.Id}.ttft.max", t.Max.Value * 1000, "ms"));
                metrics.Add(new($"{r.Id}.tokens-per-second", r.MeanDecodeTokensPerSecond!.Value, "tok/s"));
            }
        }

        // Each compared figure as a measured/predicted pair under one name, which 'wpt report' reads back.
        foreach (var f in report.Figures)
        {
            if (f.Measured is { } m)
            {
                metrics.Add(new($"figure.{f.Workload}.{f.Key}.measured", m, f.Unit));
            }

            if (f.Predicted is { } p)
            {
                metrics.Add(new($"figure.{f.Workload}.{f.Key}.predicted", p, f.Unit));
            }
        }

        if (score.Measured is { } measuredScore)
        {
            metrics.Add(new("score.measured", measuredScore, "score"));
        }

        if (score.Predicted is { } predictedScore)
        {
            metrics.Add(new("score.predicted", predictedScore, "score"));
        }

        foreach (var o in overhead)
        {
            metrics.Add(new($"overhead.{o.Id}.harness-p50", o.HarnessMedianSeconds * 1000, "ms"));
            metrics.Add(new($"overhead.{o.Id}.bare-p50", o.BareMedianSeconds * 1000, "ms"));
            metrics.Add(new($"overhead.{o.Id}.percent", o.OverheadPercent, "%"));
            if (o.PacedBareMedianSeconds is { } paced)
            {
                metrics.Add(new($"overhead.{o.Id}.paced-bare-p50", paced * 1000, "ms"));
                metrics.Add(new($"overhead.{o.Id}.pacing-percent", o.PacingPercent!.Value, "%"));
                metrics.Add(new($"overhead.{o.Id}.harness-over-paced-percent", o.HarnessOverPacedPercent!.Value, "%"));
            }

            if (o.StartLatenessSeconds.Count > 0)
            {
                metrics.Add(new($"overhead.{o.Id}.start-lateness-p50", o.StartLatenessMedianSeconds * 1000, "ms"));
            }
        }

        metrics.Add(new("cpu.utilisation", cpuShare * 100, "%"));
        foreach (var t in report.Targets.Where(t => t.MeasuredMet is not null))
        {
            metrics.Add(new($"target.{t.Workload}.{t.Target.Replace(' ', '-')}.met", t.MeasuredMet!.Value ? 1 : 0, "bool"));
        }

        var samples = new List<SampleSeries>();
        foreach (var r in result.Frames)
        {
            samples.Add(new($"{r.Id}.latency", "ms", r.LatencySeconds.Select(s => s * 1000).ToArray(), r.StartSeconds));
        }

        foreach (var r in result.Requests)
        {
            samples.Add(new($"{r.Id}.ttft", "ms", r.TimeToFirstTokenSeconds.Select(s => s * 1000).ToArray(), r.ArrivalSeconds));
            samples.Add(new($"{r.Id}.decode", "tok/s", r.DecodeTokensPerSecond, r.ArrivalSeconds));
        }

        foreach (var o in overhead)
        {
            samples.Add(new($"overhead.{o.Id}.harness", "ms", o.HarnessSeconds.Select(x => x * 1000).ToArray()));
            samples.Add(new($"overhead.{o.Id}.bare", "ms", o.BareSeconds.Select(x => x * 1000).ToArray()));
        }

        samples.AddRange(telemetry.ToSampleSeries());
        var notes = string.Join('\n', new[] { TelemetryNotes.Of(telemetry) }.Concat(skipped).Where(n => n is not null));
        return new MeasurementRecord(MeasurementKind.UseCase, started, elapsed,
            PlatformFingerprint.OfThisMachine().WithRuntime("ONNX Runtime", OnnxRuntimeTarget.RuntimeVersion).WithRuntime("LLamaSharp (llama.cpp)", LlamaCppModel.RuntimeVersion),
            useCase.Name, null, parameters, metrics, samples, notes.Length == 0 ? null : notes);
    }
}
