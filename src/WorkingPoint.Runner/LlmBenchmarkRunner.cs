using System.Globalization;
using WorkingPoint.Evaluation.ModelFiles;
using WorkingPoint.Measurement;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Measurement.LlamaCpp;
using WorkingPoint.Results;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Measurement.Telemetry;

namespace WorkingPoint.Runner;

/// <summary>One llama.cpp benchmark run with its telemetry and the record it saves; what llm jobs, validate llm and measure runtimes measure.</summary>
public sealed record LlmMeasurement(LlmBenchResult Result, TelemetryCapture Telemetry, MeasurementRecord Record, LlmColdStart ColdStart)
{
    /// <summary>A sustained run's decode throughput over time and its throttle onset; null for llama-bench's repeated tests.</summary>
    public SustainedSeries? Sustained { get; init; }

    /// <summary>
    /// Loads <paramref name="model"/>, runs llama-bench's tests with the sensors and the other processes' load sampled, and judges
    /// the run; stopped through <paramref name="cancellation"/>, throws <see cref="LlmMeasurementInterruptedException"/> with
    /// the record of the tests that finished. A sustained run (<see cref="LlmBenchSettings.Sustained"/>) reads its decode
    /// throughput in windows of <paramref name="sustainedWindow"/> (default: the run split in 30).
    /// </summary>
    public static LlmMeasurement Measure(IBenchmarkProgress progress, LlmModelFile model, LlmBenchSettings bench, LlamaCppOptions options, TimeSpan telemetryInterval, CancellationToken cancellation, IReadOnlyDictionary<string, string>? extraParameters = null, IReadOnlyList<string>? commandLine = null, TimeSpan? sustainedWindow = null)
    {
        var sha = ModelHash.Sha256Of(model.Path);
        var fingerprint = PlatformFingerprint.OfThisMachine().WithRuntime("LLamaSharp (llama.cpp)", LlamaCppModel.RuntimeVersion);
        // The load and the first token after it are timed as the cold start (what a product that starts on demand pays for its
        // first answer), then one decode step; the cache is emptied after, so the tests start as they always do.
        var promptTokens = Math.Max(1, bench.PromptTokens);
        var (cold, coldToFirstToken) = WorkingPoint.Measurement.Scenarios.ColdStart.Measure(() => LlamaCppModel.Load(model.Path, bench.ContextTokens, options), m =>
        {
            m.ClearCache();
            m.Prefill(promptTokens);
            _ = m.GreedyToken();
        });
        using var loaded = cold;
        double? firstDecode = bench.GenTokens > 0 && promptTokens < bench.ContextTokens ? loaded.Generate(1, promptTokens)[0] : null;
        loaded.ClearCache();
        var coldStart = new LlmColdStart(coldToFirstToken, promptTokens, firstDecode);
        var startedAt = DateTimeOffset.UtcNow;
        using var contention = new ContentionSampler(TimeSpan.FromMilliseconds(500), telemetryInterval);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var sampler = new TelemetrySampler(TelemetryDiscovery.Discover(), telemetryInterval);
        LlmBenchResult result;
        try
        {
            result = progress.Phase($"llama.cpp: {model.DisplayName}", (IProgress<double>? p) => LlamaBench.Run(loaded, bench, (_, fraction) => p?.Report(fraction), cancellation));
        }
        catch (LlmBenchInterruptedException ex) when (ex.Partial is { } partial)
        {
            // Stopped (Ctrl-C): what finished becomes a record too, for the caller to keep as interrupted.
            throw new LlmMeasurementInterruptedException(RunOf(partial, interrupted: true), ex);
        }

        return RunOf(result, interrupted: false);

        LlmMeasurement RunOf(LlmBenchResult measured, bool interrupted)
        {
            var telemetry = sampler.Stop();
            var elapsed = clock.Elapsed;

            // llama-bench's rules: every test repeated --reps times (no minimum duration, no percentile); the variation across repetitions is checked.
            // A sustained run is judged by its length, as bench onnx judges one.
            var rules = bench.Sustained is { } length
                ? new RunRules { MinDuration = length, MinQueryCount = 1, TargetPercentile = null }
                : new RunRules { MinDuration = TimeSpan.Zero, MinQueryCount = bench.Repetitions, TargetPercentile = null };
            var load = contention.Stop();
            var verdict = RunJudge.JudgeRepetitions(measured.Tests.Select(t => (t.Name, t.Seconds)).ToArray(), elapsed.TotalSeconds, rules, quick: false, interrupted).WithContention(load);
            var parameters = new Dictionary<string, string>
            {
                ["prompt"] = bench.PromptTokens.ToString(CultureInfo.InvariantCulture),
                ["gen"] = bench.GenTokens.ToString(CultureInfo.InvariantCulture),
                ["reps"] = bench.Repetitions.ToString(CultureInfo.InvariantCulture),
                ["depths"] = string.Join(",", bench.DepthList),
                ["threads"] = measured.Threads.ToString(CultureInfo.InvariantCulture),
                ["batch-size"] = measured.BatchSize.ToString(CultureInfo.InvariantCulture),
                ["ubatch-size"] = measured.MicroBatchSize.ToString(CultureInfo.InvariantCulture),
                ["gpu-layers"] = options.GpuLayers.ToString(CultureInfo.InvariantCulture),
                ["file"] = model.Path,
                ["architecture"] = model.Model.File.Architecture ?? "unknown",
                ["weights"] = model.Model.Weights.Id,
                ["parameters"] = model.Model.Architecture.Parameters.ToString(CultureInfo.InvariantCulture),
                ["weight-bytes"] = model.Model.TensorBytes.ToString(CultureInfo.InvariantCulture),
                ["synthetic"] = model.Synthesized ? "true" : "false",
                ["cpu-features"] = LlamaCppModel.SystemInfo,
            };
            if (model.CatalogId is { } catalogId)
            {
                parameters[ResultSubject.CatalogModelParameter] = catalogId;
            }

            var sustained = measured.SustainedDecode is { RunSeconds: > 0 } decode ? SustainedOf(decode, sustainedWindow) : null;
            if (bench.Sustained is { } sustainedLength)
            {
                parameters["sustained-minutes"] = sustainedLength.TotalMinutes.ToString(CultureInfo.InvariantCulture);
            }

            if (sustained is not null)
            {
                parameters["window"] = sustained.Window.TotalSeconds.ToString(CultureInfo.InvariantCulture);
            }

            foreach (var (key, value) in extraParameters ?? new Dictionary<string, string>())
            {
                parameters[key] = value;
            }

            var metrics = Metrics(measured, telemetry).Concat(ColdStartMetrics(coldStart, measured)).ToList();
            if (verdict.VariationPercent is { } variation)
            {
                metrics.Add(new Metric("variation", variation, "%"));
            }

            metrics.AddRange(RunnerSupport.ContentionMetrics(load));
            var samples = Samples(measured, telemetry).ToList();
            if (sustained is not null)
            {
                metrics.AddRange(sustained.Metrics(telemetry));
                samples.Add(sustained.Samples("throughput"));
            }

            var record = new MeasurementRecord(MeasurementKind.Llm, startedAt, elapsed, fingerprint, model.DisplayName, sha, parameters, metrics, samples.ToArray(), TelemetryNotes.Of(telemetry))
            {
                Verdict = verdict,
                Manifest = RunManifest.Collect(commandLine, measured.Threads, new Dictionary<string, string> { [model.DisplayName] = sha }),
            };
            return new LlmMeasurement(measured, telemetry, record, coldStart) { Sustained = sustained };
        }
    }

    /// <summary>A sustained run's decode tokens per second in windows (the one asked for, else the run split in 30) and the throttle onset in them.</summary>
    public static SustainedSeries SustainedOf(SustainedDecode decode, TimeSpan? window)
    {
        ArgumentNullException.ThrowIfNull(decode);
        var width = window ?? ThroughputWindows.DefaultFor(decode.RunSeconds);
        return SustainedSeries.Of("tok/s", width, decode.TokensPerSecond(width), decode.RunSeconds);
    }

    /// <summary>The steady-state time to first token a cold start compares with: the ppP+tgN test's mean TTFT, else the ppP test's mean prefill; null without a prompt.</summary>
    public static double? SteadyFirstTokenSeconds(LlmBenchResult result) =>
        result.MeanTimeToFirstTokenSeconds ?? (result.Prompt is { Seconds.Count: > 0 } pp ? pp.Seconds.Average() : null);

    /// <summary>The steady-state decode step a cold start's first step compares with: one over the tgN test's mean rate; null without one.</summary>
    public static double? SteadyDecodeSeconds(LlmBenchResult result) =>
        result.Generation is { MeanTokensPerSecond: > 0 } tg ? 1 / tg.MeanTokensPerSecond : null;

    private static IEnumerable<Metric> ColdStartMetrics(LlmColdStart cold, LlmBenchResult result)
    {
        yield return new Metric("cold.process-to-first-token", cold.ToFirstToken.ProcessToFirstResultSeconds, "s");
        yield return new Metric("cold.load", cold.ToFirstToken.LoadSeconds * 1000, "ms");
        yield return new Metric("cold.load-to-first-token", cold.ToFirstToken.LoadToFirstResultSeconds, "s");
        yield return new Metric("cold.first-token", cold.ToFirstToken.FirstInferenceSeconds * 1000, "ms");
        if (double.IsFinite(cold.FirstTokenVersusSteady(SteadyFirstTokenSeconds(result))))
        {
            yield return new Metric("cold.first-token-vs-steady", cold.FirstTokenVersusSteady(SteadyFirstTokenSeconds(result)), "×");
        }

        if (cold.FirstDecodeSeconds is { } decode)
        {
            yield return new Metric("cold.first-decode", decode * 1000, "ms");
            if (double.IsFinite(cold.FirstDecodeVersusSteady(SteadyDecodeSeconds(result))))
            {
                yield return new Metric("cold.first-decode-vs-steady", cold.FirstDecodeVersusSteady(SteadyDecodeSeconds(result)), "×");
            }
        }
    }

    /// <summary>Energy per generated token in joules, where a power sensor was read and tokens were generated.</summary>
    public static double? EnergyPerToken(LlmBenchResult result, TelemetryCapture telemetry) =>
        telemetry.MeanTotalPower is { } power && result.Generation is { } tg ? power.Value / tg.MeanTokensPerSecond : null;

    private static IEnumerable<Metric> Metrics(LlmBenchResult result, TelemetryCapture telemetry)
    {
        foreach (var test in result.Tests)
        {
            yield return new Metric($"{test.Name}.tokens-per-second", test.MeanTokensPerSecond, "tok/s");
            yield return new Metric($"{test.Name}.stddev", test.StdDevTokensPerSecond, "tok/s");
        }

        if (result.Prompt is { } pp)
        {
            yield return new Metric("prefill.tokens-per-second", pp.MeanTokensPerSecond, "tok/s");
        }

        if (result.Generation is { } tg)
        {
            yield return new Metric("decode.tokens-per-second", tg.MeanTokensPerSecond, "tok/s");
        }

        if (result.MeanTimeToFirstTokenSeconds is { } ttft)
        {
            yield return new Metric("ttft.mean", ttft * 1000, "ms");
        }

        if (telemetry.MeanTotalPower is { } power)
        {
            yield return new Metric("power.mean", power.Value, "W");
            if (EnergyPerToken(result, telemetry) is { } joules)
            {
                yield return new Metric("energy.per-token", joules * 1000, "mJ");
            }
        }

        if (telemetry.Max(TelemetryQuantity.Temperature) is { } temperature)
        {
            yield return new Metric("temperature.max", temperature, "°C");
        }
    }

    private static IEnumerable<SampleSeries> Samples(LlmBenchResult result, TelemetryCapture telemetry)
    {
        foreach (var test in result.Tests)
        {
            yield return new SampleSeries($"{test.Name}.seconds", "s", test.Seconds);
        }

        if (result.TimeToFirstTokenSeconds.Count > 0)
        {
            yield return new SampleSeries("ttft", "ms", result.TimeToFirstTokenSeconds.Select(s => s * 1000).ToArray());
        }

        if (result.DecodeByContext.Count > 0)
        {
            yield return new SampleSeries("decode-by-context", "tok/s", result.DecodeByContext.Select(d => d.TokensPerSecond).ToArray(), result.DecodeByContext.Select(d => (double)d.ContextTokens).ToArray());
        }

        foreach (var series in telemetry.ToSampleSeries())
        {
            yield return series;
        }
    }
}

/// <summary>A llama.cpp run stopped by Ctrl-C, with the record of the tests that finished, to be kept as interrupted.</summary>
public sealed class LlmMeasurementInterruptedException(LlmMeasurement partial, Exception inner)
    : OperationCanceledException("The benchmark was stopped before its last test.", inner)
{
    public LlmMeasurement Partial { get; } = partial;
}

/// <summary>An llm job's outcome: the model file as run and the measurement.</summary>
public sealed record LlmBenchmarkOutcome(IReadOnlyList<MeasurementRecord> Records, LlmModelFile Model, LlmBenchSettings Bench, LlmMeasurement Measurement) : BenchmarkOutcome(Records);

/// <summary><c>llm</c> jobs: prompt processing and generation through llama.cpp, measured as llama-bench measures them.</summary>
public sealed class LlmBenchmarkRunner(WorkingPoint.Catalog.Catalog catalog, ModelLoadCheck? loadCheck = null) : IBenchmarkRunner
{
    public BenchmarkJobKind Kind => BenchmarkJobKind.Llm;

    BenchmarkOutcome IBenchmarkRunner.Run(BenchmarkJob job, IBenchmarkProgress progress, IBenchmarkResultSink sink, CancellationToken cancellation) => Run(job, progress, sink, cancellation);

    public LlmBenchmarkOutcome Run(BenchmarkJob job, IBenchmarkProgress progress, IBenchmarkResultSink sink, CancellationToken cancellation)
    {
        var values = RunnerSupport.Validate(job, Kind);
        var bench = new LlmBenchSettings(values.Integer("prompt", 512), values.Integer("gen", 128), values.Integer("reps", 5), values.IntegerList("depths"),
            Sustained: values.Number("sustained") is { } minutes ? TimeSpan.FromMinutes(minutes) : null).Validate();
        var options = new LlamaCppOptions(values.Integer("threads"), values.Integer("batch-size", 2048), values.Integer("ubatch-size", 512), values.Integer("gpu-layers", 0)).Validate();

        // A user's file is checked before this process loads it (the CLI trial-loads it in a child process).
        loadCheck?.Invoke(job.Model!, cancellation);
        sink.Open();
        var model = LlmModelFiles.Resolve(catalog, RunnerSupport.Show(progress).Run, job.Model!, values.Text("weights"), bench.ContextTokens);
        sink.MeasurementStarts();
        LlmMeasurement run;
        try
        {
            run = LlmMeasurement.Measure(progress, model, bench, options, TimeSpan.FromMilliseconds(values.Integer("telemetry-interval-ms", 250)), cancellation, commandLine: job.Provenance,
                sustainedWindow: values.Number("window") is { } window ? TimeSpan.FromSeconds(window) : null);
        }
        catch (OperationCanceledException ex) when (cancellation.IsCancellationRequested)
        {
            if (ex is LlmMeasurementInterruptedException { Partial: var partial })
            {
                sink.Save(partial.Record, RunStatus.Interrupted);
            }

            sink.ReportInterrupted(ex is LlmMeasurementInterruptedException { Partial.Result.Tests: var done } ? $"{done.Count} test{(done.Count == 1 ? string.Empty : "s")} ({string.Join(", ", done.Select(t => $"{t.Name} × {t.Seconds.Count}"))})" : "nothing");
            throw;
        }

        sink.Save(run.Record);
        return new LlmBenchmarkOutcome([run.Record], model, bench, run);
    }
}
