using System.Globalization;
using WorkingPoint.Core;
using WorkingPoint.Core.Units;
using WorkingPoint.Evaluation;
using WorkingPoint.Evaluation.ModelFiles;
using WorkingPoint.Measurement;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Measurement.OnnxRuntime;
using WorkingPoint.Results;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Measurement.Telemetry;

namespace WorkingPoint.Runner;

/// <summary>One scenario as run: its result, the sensors and the other processes' load during it, and its verdict.</summary>
public sealed record OnnxScenarioRun(ScenarioResult Result, TelemetryCapture Telemetry, DateTimeOffset StartedAt, RunVerdict Verdict, IReadOnlyList<(double Seconds, double OtherCores)> OtherLoad);

/// <summary>An ONNX job's outcome: the model, its inputs and outputs as run, each scenario and the cold start.</summary>
public sealed record OnnxBenchmarkOutcome(
    IReadOnlyList<MeasurementRecord> Records,
    ModelFile Model,
    string ModelSha256,
    IReadOnlyList<ResolvedInput> Inputs,
    IReadOnlyList<ResolvedInput> Outputs,
    IReadOnlyList<OnnxScenarioRun> Runs,
    ColdStart ColdStart,
    TimeSpan? Window) : BenchmarkOutcome(Records);

/// <summary>
/// <c>onnx</c> jobs: real inference through ONNX Runtime under MLPerf-style scenarios, with the machine's sensors and the other
/// processes' load sampled; several scenarios are saved in parts, each as it finishes.
/// </summary>
public sealed class OnnxBenchmarkRunner(WorkingPoint.Catalog.Catalog catalog) : IBenchmarkRunner
{
    /// <summary>How long the idle machine is watched before each scenario, so load that was there before the run is seen apart from ours.</summary>
    private static readonly TimeSpan ContentionLookBefore = TimeSpan.FromMilliseconds(500);

    /// <summary>A quick run's length: enough for a first figure, well short of the rules, so it is never taken for a full run.</summary>
    private static readonly TimeSpan QuickDuration = TimeSpan.FromSeconds(2);

    private const int QuickQueries = 16;

    public BenchmarkJobKind Kind => BenchmarkJobKind.Onnx;

    BenchmarkOutcome IBenchmarkRunner.Run(BenchmarkJob job, IBenchmarkProgress progress, IBenchmarkResultSink sink, CancellationToken cancellation) => Run(job, progress, sink, cancellation);

    public OnnxBenchmarkOutcome Run(BenchmarkJob job, IBenchmarkProgress progress, IBenchmarkResultSink sink, CancellationToken cancellation)
    {
        var values = RunnerSupport.Validate(job, Kind);
        var options = Options.Of(values);
        if (options.Quick && options.SustainedMinutes is not null)
        {
            throw new InvalidInputException("--quick and --sustained exclude each other; drop one.");
        }

        var scenarios = OnnxScenarios.Parse(job.Scenario ?? OnnxScenarios.Default, options.SustainedMinutes is not null);
        var optimization = Enum.TryParse<GraphOptimization>(options.Optimization, ignoreCase: true, out var level)
            ? level
            : throw new InvalidInputException($"--opt '{options.Optimization}' is not an optimization level; use disabled, basic, extended or all.");
        var model = ModelFiles.Resolve(catalog, job.Model!, values.Shapes("input"));
        sink.Open();

        var runtimeOptions = new OnnxRuntimeOptions(options.Provider, options.Threads, optimization, options.Seed);
        // The load and one inference are timed as the cold start: what a product that starts on demand pays for its first answer.
        var (loaded, coldStart) = ColdStart.Measure(() => OnnxRuntimeTarget.Load(model.Path, model.Shapes, runtimeOptions), t => t.Infer());
        using var target = loaded;
        var sha = ModelHash.Sha256Of(model.Path);
        var fingerprint = PlatformFingerprint.OfThisMachine().WithRuntime("ONNX Runtime", OnnxRuntimeTarget.RuntimeVersion);
        var sources = TelemetryDiscovery.Discover();
        var manifest = RunManifest.Collect(job.Provenance, options.Threads, new Dictionary<string, string> { [model.DisplayName] = sha });
        var runs = new List<OnnxScenarioRun>();
        var inParts = scenarios.Length > 1;
        OnnxScenarioRun? interrupted = null;
        MeasurementRecord Record(OnnxScenarioRun run) => ToRecord(run, options, model, sha, fingerprint, target, manifest, coldStart);
        sink.MeasurementStarts();
        foreach (var scenario in scenarios)
        {
            try
            {
                var scenarioSettings = SettingsFor(scenario, options, target, cancellation);
                var startedAt = DateTimeOffset.UtcNow;
                using var contention = new ContentionSampler(ContentionLookBefore, TimeSpan.FromMilliseconds(Math.Max(options.TelemetryIntervalMs, 100)));
                using var sampler = new TelemetrySampler(sources, TimeSpan.FromMilliseconds(options.TelemetryIntervalMs));
                ScenarioResult result;
                try
                {
                    var phase = $"{OnnxScenarios.Name(scenario)}{(options.SustainedMinutes is { } m ? $" (sustained {Formatting.Number(m)} min)" : string.Empty)}";
                    result = progress.Phase(phase, (IProgress<double>? p) => new LoadGenerator(target).Run(scenarioSettings, p, cancellation));
                }
                catch (ScenarioInterruptedException ex) when (cancellation.IsCancellationRequested && ex.Partial is { } partial)
                {
                    // The scenario running at the stop keeps the queries it completed, saved as interrupted (short of its run rules).
                    var stopped = new OnnxScenarioRun(partial, sampler.Stop(), startedAt, Judge(partial, options, interrupted: true).WithContention(contention.Stop()), contention.Readings);
                    interrupted = stopped;
                    if (inParts)
                    {
                        sink.SavePart(Record(stopped));
                    }
                    else
                    {
                        sink.Save(Record(stopped), RunStatus.Interrupted);
                    }

                    throw;
                }

                var telemetry = sampler.Stop();
                runs.Add(new OnnxScenarioRun(result, telemetry, startedAt, Judge(result, options, interrupted: false).WithContention(contention.Stop()), contention.Readings));
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                // Stopped (Ctrl-C): the finished scenarios and the queries the running one completed are kept, marked interrupted.
                sink.FinishParts(RunStatus.Interrupted);
                var finished = $"{runs.Count} finished scenario{(runs.Count == 1 ? string.Empty : "s")} of {scenarios.Length}";
                sink.ReportInterrupted(interrupted is { } stoppedRun ? $"{finished}, and the {stoppedRun.Result.QueryCount} queries of the stopped {OnnxScenarios.Name(stoppedRun.Result.Settings.Scenario)} scenario" : finished);
                throw;
            }

            if (inParts)
            {
                // Each scenario lands as it finishes, marked incomplete until the last one does: a kill keeps what finished, marked as partial.
                sink.SavePart(Record(runs[^1]));
            }
        }

        var records = runs.Select(Record).ToArray();

        // Saved before anything else can fail (a plot, the terminal): the measurement is kept first.
        if (inParts)
        {
            sink.FinishParts(RunStatus.Complete);
        }
        else
        {
            sink.Save(records[0]);
        }

        return new OnnxBenchmarkOutcome(records, model, sha, target.Inputs, target.Outputs, runs, coldStart, options.Window is { } w ? TimeSpan.FromSeconds(w) : null);
    }

    /// <summary>The job's parameters, read with the CLI's defaults.</summary>
    private sealed record Options(double Duration, int MinQueries, bool Quick, int Warmup, int SamplesPerQuery, double? TargetQps, double? LatencyBoundMs, int Concurrency, string Provider, int? Threads, string Optimization, int Seed, double? SustainedMinutes, double? Window, int TelemetryIntervalMs)
    {
        public static Options Of(JobParameterValues v) => new(
            v.Number("duration", 10), v.Integer("min-queries", 64), v.Flag("quick"), v.Integer("warmup", 10), v.Integer("samples-per-query", 8),
            v.Number("target-qps"), v.Number("latency-bound-ms"), v.Integer("concurrency", 1), v.Text("provider", "cpu"), v.Integer("threads"),
            v.Text("opt", "all"), v.Integer("seed", 1234), v.Number("sustained"), v.Number("window"), v.Integer("telemetry-interval-ms", 250));
    }

    /// <summary>
    /// The rules a scenario is judged by: its own duration and min-queries (10 s and 64 unless given), as LoadGen judges a run by
    /// its settings; a quick run is judged by the defaults it deliberately falls short of; a sustained run by its length.
    /// </summary>
    private static RunRules RulesFor(Scenario scenario, Options options) =>
        options.Quick ? RunRules.For(scenario)
        : options.SustainedMinutes is { } minutes ? RunRules.For(scenario, TimeSpan.FromMinutes(minutes), 1)
        : RunRules.For(scenario, TimeSpan.FromSeconds(options.Duration), options.MinQueries);

    private static RunVerdict Judge(ScenarioResult result, Options options, bool interrupted) =>
        RunJudge.Judge(result, RulesFor(result.Settings.Scenario, options).Validate(), options.Quick, interrupted);

    private static ScenarioSettings SettingsFor(Scenario scenario, Options options, OnnxRuntimeTarget target, CancellationToken cancellation)
    {
        var sustained = options.SustainedMinutes is not null;
        var baseSettings = new ScenarioSettings
        {
            Scenario = scenario,
            MinDuration = sustained ? TimeSpan.FromMinutes(options.SustainedMinutes!.Value) : options.Quick ? QuickDuration : TimeSpan.FromSeconds(options.Duration),
            MinQueryCount = sustained ? 1 : options.Quick ? QuickQueries : options.MinQueries,
            WarmupQueries = options.Quick ? Math.Min(options.Warmup, 3) : options.Warmup,
            SamplesPerQuery = options.SamplesPerQuery,
            LatencyBound = options.LatencyBoundMs is { } boundMs ? Seconds.FromMilliseconds(boundMs) : null,
            Concurrency = options.Concurrency,
            Seed = options.Seed,
        };
        if (scenario != Scenario.Server)
        {
            return baseSettings;
        }

        if (options.TargetQps is { } qps)
        {
            return baseSettings with { TargetQps = qps };
        }

        // No rate given: probe the single-stream rate briefly and offer 80 % of it, a load the system should sustain.
        var probe = new LoadGenerator(target).Run(new ScenarioSettings { MinDuration = TimeSpan.FromSeconds(1), MinQueryCount = 5, WarmupQueries = 2 }, null, cancellation);
        return baseSettings with { TargetQps = Math.Max(0.1, 0.8 * probe.SamplesPerSecond * options.Concurrency) };
    }

    private static MeasurementRecord ToRecord(OnnxScenarioRun run, Options options, ModelFile model, string sha, PlatformFingerprint fingerprint, OnnxRuntimeTarget target, RunManifest manifest, ColdStart coldStart)
    {
        var (result, telemetry, startedAt, _, _) = run;
        var s = result.Settings;
        var parameters = new Dictionary<string, string>
        {
            ["scenario"] = OnnxScenarios.Name(s.Scenario),
            ["provider"] = options.Provider,
            ["threads"] = options.Threads?.ToString(CultureInfo.InvariantCulture) ?? "default",
            ["opt"] = options.Optimization.ToLowerInvariant(),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["inputs"] = string.Join(", ", target.Inputs.Select(i => $"{i.Name}={string.Join('x', i.Shape)} {i.ElementType}")),
            ["duration"] = s.MinDuration.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ["min-queries"] = s.MinQueryCount.ToString(CultureInfo.InvariantCulture),
            ["warmup"] = s.WarmupQueries.ToString(CultureInfo.InvariantCulture),
            ["concurrency"] = s.Concurrency.ToString(CultureInfo.InvariantCulture),
        };
        if (s.Scenario == Scenario.MultiStream)
        {
            parameters["samples-per-query"] = s.SamplesPerQuery.ToString(CultureInfo.InvariantCulture);
        }

        if (s.Scenario == Scenario.Server)
        {
            parameters["target-qps"] = s.TargetQps.ToString("G6", CultureInfo.InvariantCulture);
            if (s.LatencyBound is { } bound)
            {
                parameters["latency-bound-ms"] = bound.Milliseconds.ToString("G6", CultureInfo.InvariantCulture);
            }
        }

        if (options.SustainedMinutes is { } minutes)
        {
            parameters["sustained-minutes"] = minutes.ToString(CultureInfo.InvariantCulture);
        }

        if (options.Quick)
        {
            parameters["quick"] = "true";
        }

        if (model.CatalogId is { } catalogId)
        {
            parameters[ResultSubject.CatalogModelParameter] = catalogId;
        }

        var metrics = Metrics(run).ToList();
        var steady = SteadySeconds(result);
        metrics.Add(new Metric("cold.process-to-first-result", coldStart.ProcessToFirstResultSeconds, "s"));
        metrics.Add(new Metric("cold.load", coldStart.LoadSeconds * 1000, "ms"));
        metrics.Add(new Metric("cold.first-inference", coldStart.FirstInferenceSeconds * 1000, "ms"));
        if (double.IsFinite(coldStart.FirstVersusSteady(steady)))
        {
            metrics.Add(new Metric("cold.first-vs-steady", coldStart.FirstVersusSteady(steady), "×"));
        }

        var samples = new List<SampleSeries>
        {
            new("latency", "ms", result.Queries.Select(q => q.LatencySeconds * 1000).ToArray(), result.Queries.Select(q => q.IssuedAtSeconds).ToArray()),
        };
        if (options.SustainedMinutes is not null)
        {
            var sustained = SustainedOf(result, options.Window is { } w ? TimeSpan.FromSeconds(w) : null);
            samples.Add(sustained.Samples("throughput"));
            metrics.AddRange(sustained.Metrics(telemetry));
        }

        samples.AddRange(telemetry.ToSampleSeries());
        if (run.OtherLoad.Count > 0)
        {
            samples.Add(new SampleSeries("cpu.other-processes", "cores", run.OtherLoad.Select(r => r.OtherCores).ToArray(), run.OtherLoad.Select(r => r.Seconds).ToArray()));
        }

        return new MeasurementRecord(MeasurementKind.Onnx, startedAt, TimeSpan.FromSeconds(result.Duration.Value), fingerprint, model.DisplayName, sha, parameters, metrics, samples, TelemetryNotes.Of(telemetry))
        {
            Verdict = run.Verdict,
            Manifest = manifest,
        };
    }

    private static IEnumerable<Metric> Metrics(OnnxScenarioRun run)
    {
        var (result, telemetry, _, verdict, _) = run;
        var latency = result.Latency;
        var headline = result.Settings.Scenario switch
        {
            Scenario.SingleStream => new Metric("latency.p90", latency.P90.Milliseconds, "ms"),
            Scenario.MultiStream => new Metric("latency.p99", latency.P99.Milliseconds, "ms"),
            Scenario.Server => new Metric("server.qps", result.QueriesPerSecond, "queries/s"),
            _ => new Metric("throughput", result.SamplesPerSecond, "samples/s"),
        };
        yield return headline;
        if (result.Settings.Scenario == Scenario.Server)
        {
            yield return new Metric("server.target-qps", result.Settings.TargetQps, "queries/s");
        }

        if (result.LatencyBoundMet is { } met)
        {
            yield return new Metric("server.latency-bound-met", met ? 1 : 0, "bool");
        }

        foreach (var (name, value) in new[] { ("min", latency.Min), ("mean", latency.Mean), ("p50", latency.P50), ("p90", latency.P90), ("p99", latency.P99), ("max", latency.Max) })
        {
            if ($"latency.{name}" != headline.Name)
            {
                yield return new Metric($"latency.{name}", value.Milliseconds, "ms");
            }
        }

        if (headline.Name != "throughput")
        {
            yield return new Metric("throughput", result.SamplesPerSecond, "samples/s");
        }

        yield return new Metric("queries", result.QueryCount, "queries");
        yield return new Metric("samples", result.SampleCount, "samples");
        if (telemetry.MeanTotalPower is { } power)
        {
            yield return new Metric("power.mean", power.Value, "W");
            yield return new Metric("energy.per-sample", telemetry.EnergyPerSample(result.Duration, result.SampleCount)!.Value.Value * 1000, "mJ");
        }

        if (telemetry.Max(TelemetryQuantity.Temperature) is { } temperature)
        {
            yield return new Metric("temperature.max", temperature, "°C");
        }

        if (verdict.EarlyStoppingEstimateMs is { } estimate)
        {
            yield return new Metric($"latency.p{verdict.EarlyStoppingPercentile!.Value.ToString(CultureInfo.InvariantCulture)}.early-stopping", estimate, "ms");
        }

        if (verdict.VariationPercent is { } variation)
        {
            yield return new Metric("variation", variation, "%");
        }

        if (verdict.Contention is { } load)
        {
            yield return new Metric("cpu.other-processes", load.OtherCoresDuring, "cores");
            yield return new Metric("cpu.steal", load.StealPercentDuring, "%");
        }

        var clocks = telemetry.Series.Where(s => s.Quantity == TelemetryQuantity.ClockFrequency && s.Values.Count > 0).ToArray();
        if (clocks.Length > 0)
        {
            yield return new Metric("clock.mean", clocks[0].Values.Average(), "MHz");
        }
    }

    /// <summary>The steady state a cold start is compared with: the median per-sample service time of the timed run.</summary>
    public static double SteadySeconds(ScenarioResult result) =>
        LatencyStatistics.Percentile(result.Queries.Select(q => (q.CompletedAtSeconds - q.StartedAtSeconds) / q.Samples).Order().ToArray(), 50);

    /// <summary>A sustained run's throughput windows and the throttle onset in them.</summary>
    public static SustainedSeries SustainedOf(ScenarioResult result, TimeSpan? window)
    {
        var width = WindowOf(window, result);
        return SustainedSeries.Of("samples/s", width, result.ThroughputOverTime(width), result.Duration.Value);
    }

    /// <summary>The throughput window of a sustained run: the one asked for, else the run split in 30 (at least 0.5 s).</summary>
    public static TimeSpan WindowOf(TimeSpan? window, ScenarioResult result) =>
        window ?? ThroughputWindows.DefaultFor(result.Duration.Value);
}
