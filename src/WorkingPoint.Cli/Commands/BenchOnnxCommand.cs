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
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Runner;

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
        var job = new BenchmarkJob(BenchmarkJobKind.Onnx, settings.Model, null, settings.Scenario, Parameters(settings)) { CommandLine = [.. context.Arguments] };
        using var sink = new ResultsDatabaseSink(console, settings, settings.Json, () =>
        {
            if (settings.Plot is { } plot)
            {
                AtomicFile.RefuseUnwritableTarget(plot);
            }
        });
        var outcome = new OnnxBenchmarkRunner(catalog).Run(job, new ConsoleBenchmarkProgress(console), sink, cancellationToken);
        var (records, model, sha, runs, coldStart) = (outcome.Records, outcome.Model, outcome.ModelSha256, outcome.Runs, outcome.ColdStart);
        var plots = settings.Plot is null ? [] : SavePlots(settings, model.DisplayName, outcome);
        if (settings.Json)
        {
            Output.Json(console, new
            {
                model = model.DisplayName,
                modelSha256 = sha,
                inputs = outcome.Inputs,
                outputs = outcome.Outputs,
                provider = settings.Provider,
                onnxRuntime = OnnxRuntimeTarget.RuntimeVersion,
                runs = records.Select(r => new { scenario = r.Parameters["scenario"], verdict = r.Verdict, metrics = r.Metrics.ToDictionary(m => m.Name, m => new { m.Value, m.Unit }) }),
                manifest = records[0].Manifest,
                coldStart = new { processToFirstResultSeconds = coldStart.ProcessToFirstResultSeconds, loadMs = coldStart.LoadSeconds * 1000, firstInferenceMs = coldStart.FirstInferenceSeconds * 1000, firstVersusSteady = double.IsFinite(coldStart.FirstVersusSteady(SteadySeconds(runs[0].Result))) ? coldStart.FirstVersusSteady(SteadySeconds(runs[0].Result)) : (double?)null },
                sustained = settings.SustainedMinutes is null ? null : Sustained(outcome),
                telemetry = TelemetryText.Lines(runs[^1].Telemetry),
                plots,
            });
        }
        else
        {
            Render(settings, outcome, plots);
            console.MarkupLine($"Cold start: {Markup.Escape(coldStart.Describe(SteadySeconds(runs[0].Result)))}.");
        }

        sink.ThrowIfUnsaved();
        return 0;
    }

    /// <summary>The options as the job's parameters (the model and the scenario travel in the job's own slots).</summary>
    internal static IReadOnlyDictionary<string, string> Parameters(Settings settings) => new JobParametersBuilder()
        .Add("input", settings.Input)
        .Add("duration", settings.Duration)
        .Add("min-queries", settings.MinQueries)
        .Flag("quick", settings.Quick)
        .Add("warmup", settings.Warmup)
        .Add("samples-per-query", settings.SamplesPerQuery)
        .Add("target-qps", settings.TargetQps)
        .Add("latency-bound-ms", settings.LatencyBoundMs)
        .Add("concurrency", settings.Concurrency)
        .Add("provider", settings.Provider)
        .Add("threads", settings.Threads)
        .Add("opt", settings.Optimization)
        .Add("seed", settings.Seed)
        .Add("sustained", settings.SustainedMinutes)
        .Add("window", settings.Window)
        .Add("telemetry-interval-ms", settings.TelemetryIntervalMs)
        .Build();

    private static string Name(Scenario scenario) => OnnxScenarios.Name(scenario);

    /// <summary>A sustained run's windows and throttle onset, as --json gives them.</summary>
    private static object Sustained(OnnxBenchmarkOutcome outcome) =>
        SustainedText.Json(OnnxBenchmarkRunner.SustainedOf(outcome.Runs[0].Result, outcome.Window), outcome.Runs[0].Telemetry, (end, rate) => new { endSeconds = end, samplesPerSecond = rate });

    private static double SteadySeconds(ScenarioResult result) => OnnxBenchmarkRunner.SteadySeconds(result);

    private static List<string> SavePlots(Settings settings, string modelName, OnnxBenchmarkOutcome outcome)
    {
        var runs = outcome.Runs;
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
                plotter.SaveThroughputOverTime(title, run.Result.ThroughputOverTime(OnnxBenchmarkRunner.WindowOf(outcome.Window, run.Result)), sensors, path);
            }
            else
            {
                plotter.SaveLatencyHistogram(title, run.Result.Queries.Select(q => q.LatencySeconds * 1000).ToArray(), path);
            }

            paths.Add(path);
        }

        return paths;
    }

    private void Render(Settings settings, OnnxBenchmarkOutcome outcome, IReadOnlyList<string> plots)
    {
        var (model, runs) = (outcome.Model, outcome.Runs);
        var header = Output.KeyValueTable($"{model.DisplayName} on this machine (ONNX Runtime {OnnxRuntimeTarget.RuntimeVersion}, {settings.Provider})");
        header.Row("Inputs", Markup.Escape(string.Join(", ", outcome.Inputs.Select(i => $"{i.Name} {string.Join('x', i.Shape)} {i.ElementType}"))));
        header.Row("Outputs", Markup.Escape(string.Join(", ", outcome.Outputs.Select(i => $"{i.Name} {string.Join('x', i.Shape)}"))));
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
            SustainedText.Write(console, OnnxBenchmarkRunner.SustainedOf(runs[0].Result, outcome.Window), runs[0].Telemetry, "/s");
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
