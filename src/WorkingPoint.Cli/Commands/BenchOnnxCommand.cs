using WorkingPoint.Core.Files;
using WorkingPoint.Core;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Core.Units;
using WorkingPoint.Measurement;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Measurement.OnnxRuntime;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Measurement.Telemetry;
using WorkingPoint.Reporting.ScottPlot;
using WorkingPoint.Evaluation.ModelFiles;
using WorkingPoint.Results;

namespace WorkingPoint.Cli.Commands;

/// <summary><c>wpt bench onnx</c>: real inference through ONNX Runtime under MLPerf-style scenarios, with the machine's sensors sampled.</summary>
public sealed class BenchOnnxCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<BenchOnnxCommand.Settings>
{
    public sealed class Settings : MeasureSettings
    {
        [CommandArgument(0, "<MODEL>")]
        [Description("An .onnx file, or a catalog network id (exported with random weights, see 'wpt models export').")]
        public string Model { get; init; } = string.Empty;

        [CommandOption("-i|--input <SHAPE>")]
        [Description("Shape of a dynamic input: name=1x3x960x960, or 960x960 for the single image input. Repeatable.")]
        public string[] Input { get; init; } = [];

        [CommandOption("-s|--scenario <NAME>")]
        [Description("single-stream (default), multi-stream, server, offline, or all.")]
        [DefaultValue("single-stream")]
        public string Scenario { get; init; } = "single-stream";

        [CommandOption("--duration <SECONDS>")]
        [Description("Minimum timed duration per scenario. Default 10.")]
        [DefaultValue(10.0)]
        [Limit(0, 86_400)]
        public double Duration { get; init; } = 10;

        [CommandOption("--min-queries <N>")]
        [Description("Minimum queries per scenario (both minimums must be met). Default 64.")]
        [DefaultValue(64)]
        [Limit(1, 10_000_000)]
        public int MinQueries { get; init; } = 64;

        [CommandOption("--quick")]
        [Description("A short look (2 s and 16 queries per scenario, 3 warm-up queries), marked as quick; judged by the default run rules, so INVALID.")]
        public bool Quick { get; init; }

        [CommandOption("--warmup <N>")]
        [Description("Untimed warm-up queries (stopped early after 2 s). Default 10.")]
        [DefaultValue(10)]
        [Limit(0, 1_000_000)]
        public int Warmup { get; init; } = 10;

        [CommandOption("--samples-per-query <N>")]
        [Description("MultiStream samples per query. Default 8.")]
        [DefaultValue(8)]
        [Limit(1, 4096)]
        public int SamplesPerQuery { get; init; } = 8;

        [CommandOption("--target-qps <QPS>")]
        [Description("Server arrival rate. Default: 80 % of the SingleStream rate measured in a short probe.")]
        [Limit(0, 1e6, MinimumExclusive = true)]
        public double? TargetQps { get; init; }

        [CommandOption("--latency-bound-ms <MS>")]
        [Description("Server 99th-percentile latency bound to judge the run against. Default: none (the percentiles are reported without a verdict).")]
        [Limit(0, 1e7, MinimumExclusive = true)]
        public double? LatencyBoundMs { get; init; }

        [CommandOption("--concurrency <N>")]
        [Description("Queries in flight at once for Server and Offline. Default 1.")]
        [DefaultValue(1)]
        [Limit(1, 1024)]
        public int Concurrency { get; init; } = 1;

        [CommandOption("--provider <EP>")]
        [Description("Execution provider: cpu (default), cuda, tensorrt, qnn, … where this ONNX Runtime build has it.")]
        [DefaultValue("cpu")]
        public string Provider { get; init; } = "cpu";

        [CommandOption("--threads <N>")]
        [Description("Intra-op threads. Default: ONNX Runtime's choice (one per physical core).")]
        [Limit(1, Limits.ThreadsPerCore, PerLogicalCore = true)]
        public int? Threads { get; init; }

        [CommandOption("--opt <LEVEL>")]
        [Description("Graph optimization: disabled, basic, extended, all (default).")]
        [DefaultValue("all")]
        public string Optimization { get; init; } = "all";

        [CommandOption("--seed <N>")]
        [Description("Seed of the generated inputs and of Server arrivals. Default 1234.")]
        [DefaultValue(1234)]
        public int Seed { get; init; } = 1234;

        [CommandOption("--sustained <MINUTES>")]
        [Description("Run back to back for this long and report throughput over time (shows thermal throttling).")]
        [Limit(0, 1440, MinimumExclusive = true)]
        public double? SustainedMinutes { get; init; }

        [CommandOption("--window <SECONDS>")]
        [Description("Throughput window of a sustained run. Default: the run split in 30.")]
        [Limit(0, 86_400, MinimumExclusive = true)]
        public double? Window { get; init; }

        [CommandOption("--telemetry-interval-ms <MS>")]
        [Description("How often sensors are read. Default 250.")]
        [DefaultValue(250)]
        [Limit(10, 60_000)]
        public int TelemetryIntervalMs { get; init; } = 250;

        [CommandOption("--plot <FILE>")]
        [Description("Latency histogram (or, sustained, throughput over time) as .png or .svg; with several scenarios, one file each.")]
        public string? Plot { get; init; }

        public override ValidationResult Validate()
        {
            Limits.RequireInputsWithinMemory(Input);
            return string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("Give a model: an .onnx file or a catalog network id.")
            : Duration < 0 || MinQueries < 1 || Warmup < 0 || SamplesPerQuery < 1 || Concurrency < 1 || TelemetryIntervalMs < 10 ? ValidationResult.Error("--duration ≥ 0, --min-queries ≥ 1, --warmup ≥ 0, --samples-per-query ≥ 1, --concurrency ≥ 1 and --telemetry-interval-ms ≥ 10.")
            : SustainedMinutes is <= 0 ? ValidationResult.Error("--sustained takes a positive number of minutes.")
            : Quick && SustainedMinutes is not null ? ValidationResult.Error("--quick and --sustained exclude each other; drop one.")
            : Window is <= 0 ? ValidationResult.Error("--window takes a positive number of seconds.")
            : Plot is not null && !RooflinePlotter.SupportedExtensions.Contains(Path.GetExtension(Plot).ToLowerInvariant()) ? ValidationResult.Error($"--plot must end in .png or .svg, got '{Plot}'.")
            : ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var scenarios = ParseScenarios(settings.Scenario, settings.SustainedMinutes is not null);
        var optimization = Enum.TryParse<GraphOptimization>(settings.Optimization, ignoreCase: true, out var level)
            ? level
            : throw new InvalidInputException($"--opt '{settings.Optimization}' is not an optimization level; use disabled, basic, extended or all.");
        var model = ModelFiles.Resolve(catalog, settings.Model, settings.Input);
        if (settings.Plot is { } plot)
        {
            AtomicFile.RefuseUnwritableTarget(plot);
        }

        using var saver = ResultsText.Prepare(console, settings, settings.Json);
        var options = new OnnxRuntimeOptions(settings.Provider, settings.Threads, optimization, settings.Seed);
        // The load and one inference are timed as the cold start: what a product that starts on demand pays for its first answer.
        var (loaded, coldStart) = ColdStart.Measure(() => OnnxRuntimeTarget.Load(model.Path, model.Shapes, options), t => t.Infer());
        using var target = loaded;
        var sha = ModelHash.Sha256Of(model.Path);
        var fingerprint = PlatformFingerprint.OfThisMachine().WithRuntime("ONNX Runtime", OnnxRuntimeTarget.RuntimeVersion);
        var sources = TelemetryDiscovery.Discover();
        var manifest = RunManifest.Collect(context.Arguments.ToArray(), settings.Threads, new Dictionary<string, string> { [model.DisplayName] = sha });
        var runs = new List<ScenarioRun>();
        var inParts = scenarios.Length > 1;
        ScenarioRun? interrupted = null;
        MeasurementHooks.Start();
        foreach (var scenario in scenarios)
        {
            try
            {
                var scenarioSettings = SettingsFor(scenario, settings, target, cancellationToken);
                var startedAt = DateTimeOffset.UtcNow;
                using var contention = new ContentionSampler(ContentionLookBefore, TimeSpan.FromMilliseconds(Math.Max(settings.TelemetryIntervalMs, 100)));
                using var sampler = new TelemetrySampler(sources, TimeSpan.FromMilliseconds(settings.TelemetryIntervalMs));
                ScenarioResult result;
                try
                {
                    result = Output.WithProgress(console, $"{Name(scenario)}{(settings.SustainedMinutes is { } m ? $" (sustained {Output.Number(m)} min)" : string.Empty)}", p => new LoadGenerator(target).Run(scenarioSettings, p, cancellationToken));
                }
                catch (ScenarioInterruptedException ex) when (cancellationToken.IsCancellationRequested && ex.Partial is { } partial)
                {
                    // The scenario running at the stop keeps the queries it completed, saved as interrupted (short of its run rules).
                    var stopped = new ScenarioRun(partial, sampler.Stop(), startedAt, Judge(partial, settings, interrupted: true).WithContention(contention.Stop()), contention.Readings);
                    interrupted = stopped;
                    if (inParts)
                    {
                        saver.SavePart(ToRecord(stopped, settings, model, sha, fingerprint, target, manifest, coldStart));
                    }
                    else
                    {
                        saver.Save(ToRecord(stopped, settings, model, sha, fingerprint, target, manifest, coldStart), RunStatus.Interrupted);
                    }

                    throw;
                }

                var telemetry = sampler.Stop();
                runs.Add(new ScenarioRun(result, telemetry, startedAt, Judge(result, settings, interrupted: false).WithContention(contention.Stop()), contention.Readings));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped (Ctrl-C): the finished scenarios and the queries the running one completed are kept, marked interrupted.
                saver.FinishParts(RunStatus.Interrupted);
                var finished = $"{runs.Count} finished scenario{(runs.Count == 1 ? string.Empty : "s")} of {scenarios.Length}";
                saver.ReportInterrupted(interrupted is { } stoppedRun ? $"{finished}, and the {stoppedRun.Result.QueryCount} queries of the stopped {Name(stoppedRun.Result.Settings.Scenario)} scenario" : finished);
                throw;
            }

            if (inParts)
            {
                // Each scenario lands as it finishes, marked incomplete until the last one does: a kill keeps what finished, marked as partial.
                saver.SavePart(ToRecord(runs[^1], settings, model, sha, fingerprint, target, manifest, coldStart));
            }
        }

        var records = runs.Select(r => ToRecord(r, settings, model, sha, fingerprint, target, manifest, coldStart)).ToArray();

        // Saved before anything else can fail (a plot, the terminal): the measurement is kept first.
        if (inParts)
        {
            saver.FinishParts(RunStatus.Complete);
        }
        else
        {
            saver.Save(records[0]);
        }

        var plots = settings.Plot is null ? [] : SavePlots(settings, model.DisplayName, runs);
        if (settings.Json)
        {
            Output.Json(console, new
            {
                model = model.DisplayName,
                modelSha256 = sha,
                inputs = target.Inputs,
                outputs = target.Outputs,
                provider = settings.Provider,
                onnxRuntime = OnnxRuntimeTarget.RuntimeVersion,
                runs = records.Select(r => new { scenario = r.Parameters["scenario"], verdict = r.Verdict, metrics = r.Metrics.ToDictionary(m => m.Name, m => new { m.Value, m.Unit }) }),
                manifest = records[0].Manifest,
                coldStart = new { processToFirstResultSeconds = coldStart.ProcessToFirstResultSeconds, loadMs = coldStart.LoadSeconds * 1000, firstInferenceMs = coldStart.FirstInferenceSeconds * 1000, firstVersusSteady = double.IsFinite(coldStart.FirstVersusSteady(SteadySeconds(runs[0].Result))) ? coldStart.FirstVersusSteady(SteadySeconds(runs[0].Result)) : (double?)null },
                telemetry = TelemetryText.Lines(runs[^1].Telemetry),
                plots,
            });
        }
        else
        {
            Render(settings, model, target, runs, plots);
            console.MarkupLine($"Cold start: {Markup.Escape(coldStart.Describe(SteadySeconds(runs[0].Result)))}.");
        }

        saver.ThrowIfUnsaved();
        return 0;
    }

    private sealed record ScenarioRun(ScenarioResult Result, TelemetryCapture Telemetry, DateTimeOffset StartedAt, RunVerdict Verdict, IReadOnlyList<(double Seconds, double OtherCores)> OtherLoad);

    /// <summary>How long the idle machine is watched before each scenario, so load that was there before the run is seen apart from ours.</summary>
    private static readonly TimeSpan ContentionLookBefore = TimeSpan.FromMilliseconds(500);

    /// <summary>A quick run's length: enough for a first figure, well short of the rules, so it is never taken for a full run.</summary>
    private static readonly TimeSpan QuickDuration = TimeSpan.FromSeconds(2);

    private const int QuickQueries = 16;

    /// <summary>
    /// The rules a scenario is judged by: its own --duration and --min-queries (10 s and 64 unless given), as LoadGen judges a run by
    /// its settings; a quick run is judged by the defaults it deliberately falls short of; a sustained run by its length.
    /// </summary>
    internal static RunRules RulesFor(Scenario scenario, Settings settings) =>
        settings.Quick ? RunRules.For(scenario)
        : settings.SustainedMinutes is { } minutes ? RunRules.For(scenario, TimeSpan.FromMinutes(minutes), 1)
        : RunRules.For(scenario, TimeSpan.FromSeconds(settings.Duration), settings.MinQueries);

    private static RunVerdict Judge(ScenarioResult result, Settings settings, bool interrupted) =>
        RunJudge.Judge(result, RulesFor(result.Settings.Scenario, settings).Validate(), settings.Quick, interrupted);

    private static Scenario[] ParseScenarios(string text, bool sustained)
    {
        var names = text.Equals("all", StringComparison.OrdinalIgnoreCase) ? Enum.GetValues<Scenario>() : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseScenario).ToArray();
        if (sustained && names.Length != 1)
        {
            throw new InvalidInputException("--sustained runs one scenario; pick it with --scenario (offline shows throughput best).");
        }

        return names;
    }

    private static Scenario ParseScenario(string name) =>
        Enum.GetValues<Scenario>().FirstOrDefault(s => Name(s).Equals(name, StringComparison.OrdinalIgnoreCase) || s.ToString().Equals(name, StringComparison.OrdinalIgnoreCase)) is var s
        && (Name(s).Equals(name, StringComparison.OrdinalIgnoreCase) || s.ToString().Equals(name, StringComparison.OrdinalIgnoreCase))
            ? s
            : throw new InvalidInputException($"--scenario '{name}' is not a scenario; use single-stream, multi-stream, server, offline or all.");

    internal static string Name(Scenario scenario) => scenario switch
    {
        Scenario.SingleStream => "single-stream",
        Scenario.MultiStream => "multi-stream",
        Scenario.Server => "server",
        _ => "offline",
    };

    private ScenarioSettings SettingsFor(Scenario scenario, Settings settings, OnnxRuntimeTarget target, CancellationToken cancellation)
    {
        var sustained = settings.SustainedMinutes is { } minutes;
        var baseSettings = new ScenarioSettings
        {
            Scenario = scenario,
            MinDuration = sustained ? TimeSpan.FromMinutes(settings.SustainedMinutes!.Value) : settings.Quick ? QuickDuration : TimeSpan.FromSeconds(settings.Duration),
            MinQueryCount = sustained ? 1 : settings.Quick ? QuickQueries : settings.MinQueries,
            WarmupQueries = settings.Quick ? Math.Min(settings.Warmup, 3) : settings.Warmup,
            SamplesPerQuery = settings.SamplesPerQuery,
            LatencyBound = settings.LatencyBoundMs is { } boundMs ? Seconds.FromMilliseconds(boundMs) : null,
            Concurrency = settings.Concurrency,
            Seed = settings.Seed,
        };
        if (scenario != Scenario.Server)
        {
            return baseSettings;
        }

        if (settings.TargetQps is { } qps)
        {
            return baseSettings with { TargetQps = qps };
        }

        // No rate given: probe the single-stream rate briefly and offer 80 % of it, a load the system should sustain.
        var probe = new LoadGenerator(target).Run(new ScenarioSettings { MinDuration = TimeSpan.FromSeconds(1), MinQueryCount = 5, WarmupQueries = 2 }, null, cancellation);
        return baseSettings with { TargetQps = Math.Max(0.1, 0.8 * probe.SamplesPerSecond * settings.Concurrency) };
    }

    private static MeasurementRecord ToRecord(ScenarioRun run, Settings settings, ModelFile model, string sha, PlatformFingerprint fingerprint, OnnxRuntimeTarget target, RunManifest manifest, ColdStart coldStart)
    {
        var (result, telemetry, startedAt, _, _) = run;
        var s = result.Settings;
        var parameters = new Dictionary<string, string>
        {
            ["scenario"] = Name(s.Scenario),
            ["provider"] = settings.Provider,
            ["threads"] = settings.Threads?.ToString(CultureInfo.InvariantCulture) ?? "default",
            ["opt"] = settings.Optimization.ToLowerInvariant(),
            ["seed"] = settings.Seed.ToString(CultureInfo.InvariantCulture),
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

        if (settings.SustainedMinutes is { } minutes)
        {
            parameters["sustained-minutes"] = minutes.ToString(CultureInfo.InvariantCulture);
        }

        if (settings.Quick)
        {
            parameters["quick"] = "true";
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
        if (settings.SustainedMinutes is not null)
        {
            var windows = result.ThroughputOverTime(WindowOf(settings, result));
            samples.Add(new SampleSeries("throughput", "samples/s", windows.Select(w => w.SamplesPerSecond).ToArray(), windows.Select(w => w.WindowEndSeconds).ToArray()));
        }

        samples.AddRange(telemetry.ToSampleSeries());
        if (run.OtherLoad.Count > 0)
        {
            samples.Add(new SampleSeries("cpu.other-processes", "cores", run.OtherLoad.Select(r => r.OtherCores).ToArray(), run.OtherLoad.Select(r => r.Seconds).ToArray()));
        }

        return new MeasurementRecord(MeasurementKind.Onnx, startedAt, TimeSpan.FromSeconds(result.Duration.Value), fingerprint, model.DisplayName, sha, parameters, metrics, samples, TelemetryText.NotesOf(telemetry))
        {
            Verdict = run.Verdict,
            Manifest = manifest,
        };
    }

    private static IEnumerable<Metric> Metrics(ScenarioRun run)
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
    private static double SteadySeconds(ScenarioResult result) =>
        LatencyStatistics.Percentile(result.Queries.Select(q => (q.CompletedAtSeconds - q.StartedAtSeconds) / q.Samples).Order().ToArray(), 50);

    private static TimeSpan WindowOf(Settings settings, ScenarioResult result) =>
        TimeSpan.FromSeconds(settings.Window ?? Math.Max(result.Duration.Value / 30, 0.5));

    private static List<string> SavePlots(Settings settings, string modelName, IReadOnlyList<ScenarioRun> runs)
    {
        var plotter = new MeasurementPlotter();
        var paths = new List<string>();
        foreach (var run in runs)
        {
            var path = runs.Count == 1 ? settings.Plot! : Path.ChangeExtension(settings.Plot!, null) + $"-{Name(run.Result.Settings.Scenario)}" + Path.GetExtension(settings.Plot!);
            var title = $"{modelName}, {Name(run.Result.Settings.Scenario)}";
            if (settings.SustainedMinutes is not null)
            {
                var sensors = run.Telemetry.Series.Where(s => s.Quantity == TelemetryQuantity.Temperature && s.Values.Count > 0)
                    .Select(s => new TimeSeries(s.Name, TelemetryQuantity.Temperature.Unit(), s.SecondsFromStart, s.Values)).ToArray();
                plotter.SaveThroughputOverTime(title, run.Result.ThroughputOverTime(WindowOf(settings, run.Result)), sensors, path);
            }
            else
            {
                plotter.SaveLatencyHistogram(title, run.Result.Queries.Select(q => q.LatencySeconds * 1000).ToArray(), path);
            }

            paths.Add(path);
        }

        return paths;
    }

    private void Render(Settings settings, ModelFile model, OnnxRuntimeTarget target, IReadOnlyList<ScenarioRun> runs, IReadOnlyList<string> plots)
    {
        var header = Output.KeyValueTable($"{model.DisplayName} on this machine (ONNX Runtime {OnnxRuntimeTarget.RuntimeVersion}, {settings.Provider})");
        header.Row("Inputs", Markup.Escape(string.Join(", ", target.Inputs.Select(i => $"{i.Name} {string.Join('x', i.Shape)} {i.ElementType}"))));
        header.Row("Outputs", Markup.Escape(string.Join(", ", target.Outputs.Select(i => $"{i.Name} {string.Join('x', i.Shape)}"))));
        header.Row("Threads", settings.Threads?.ToString(CultureInfo.InvariantCulture) ?? "ONNX Runtime default");
        header.Row("Graph optimization", Markup.Escape(settings.Optimization.ToLowerInvariant()));
        console.Write(header);

        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Scenarios[/] (latency in ms; warm-up excluded)");
        foreach (var column in new[] { "Scenario", "Queries", "Min", "Mean", "p50", "p90", "p99", "Max", "Throughput", "Result" })
        {
            table.AddColumn(new TableColumn(column) { Alignment = column is "Scenario" or "Result" ? Justify.Left : Justify.Right });
        }

        foreach (var (result, _, _, _, _) in runs)
        {
            var l = result.Latency;
            table.AddRow(
                Name(result.Settings.Scenario),
                result.QueryCount.ToString(CultureInfo.InvariantCulture),
                Output.Number(l.Min.Milliseconds), Output.Number(l.Mean.Milliseconds), Output.Number(l.P50.Milliseconds), Output.Number(l.P90.Milliseconds), Output.Number(l.P99.Milliseconds), Output.Number(l.Max.Milliseconds),
                $"{Output.Number(result.SamplesPerSecond)}/s",
                Markup.Escape(Headline(result)));
        }

        console.Write(table);
        RunVerdictText.Write(console, runs.Select(r => (Name(r.Result.Settings.Scenario), r.Verdict)));
        var telemetry = Output.KeyValueTable("Sensors during the last run");
        foreach (var (name, value) in TelemetryText.Lines(runs[^1].Telemetry))
        {
            telemetry.Row(name, value == TelemetryCapture.NotMeasurable ? $"[grey]{value}[/]" : Markup.Escape(value));
        }

        if (runs[^1].Telemetry.EnergyPerSample(runs[^1].Result.Duration, runs[^1].Result.SampleCount) is { } energy)
        {
            telemetry.Row("energy per inference", $"{Output.Number(energy.Value * 1000)} mJ");
        }
        else
        {
            telemetry.Row("energy per inference", $"[grey]{TelemetryCapture.NotMeasurable} (no power sensor)[/]");
        }

        console.Write(telemetry);
        if (settings.SustainedMinutes is not null)
        {
            var windows = runs[0].Result.ThroughputOverTime(WindowOf(settings, runs[0].Result));
            var first = windows[0].SamplesPerSecond;
            var last = windows[^1].SamplesPerSecond;
            console.MarkupLine($"Sustained throughput: {Output.Number(first)}/s in the first window, {Output.Number(last)}/s in the last ({(last >= first ? "+" : string.Empty)}{Output.Number(((last / first) - 1) * 100, 2)} %).");
        }

        foreach (var plot in plots)
        {
            OutputFiles.SayWrote(console, plot);
        }
    }

    private static string Headline(ScenarioResult result) => result.Settings.Scenario switch
    {
        Scenario.SingleStream => $"p90 {Output.Number(result.Latency.P90.Milliseconds)} ms",
        Scenario.MultiStream => $"p99 {Output.Number(result.Latency.P99.Milliseconds)} ms per {result.Settings.SamplesPerQuery} samples",
        Scenario.Server => result.Settings.LatencyBound is { } bound
            ? $"{Output.Number(result.Settings.TargetQps)} QPS: p99 {Output.Number(result.Latency.P99.Milliseconds)} ms {(result.LatencyBoundMet == true ? "meets" : "MISSES")} the {Output.Number(bound.Milliseconds)} ms bound"
            : $"{Output.Number(result.Settings.TargetQps)} QPS: p50 {Output.Number(result.Latency.P50.Milliseconds)} ms, p90 {Output.Number(result.Latency.P90.Milliseconds)} ms, p99 {Output.Number(result.Latency.P99.Milliseconds)} ms (no bound set: --latency-bound-ms judges one)",
        _ => $"{Output.Number(result.SamplesPerSecond)} samples/s",
    };
}
