using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Catalog.UseCases;
using WorkingPoint.Core;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Evaluation;
using WorkingPoint.Evaluation.ModelFiles;
using WorkingPoint.Evaluation.UseCases;
using WorkingPoint.Measurement;
using WorkingPoint.Measurement.LlamaCpp;
using WorkingPoint.Measurement.OnnxRuntime;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Measurement.Telemetry;
using WorkingPoint.Measurement.UseCases;
using WorkingPoint.Results;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Runner;

namespace WorkingPoint.Cli.Commands;

/// <summary>
/// <c>wpt bench usecase USECASE.yaml</c>: every workload of a use case run at once through its real runtime at its (scaled) rates
/// on this machine — frames paced by the camera, requests arriving as a Poisson process — measured, and set beside the host's
/// prediction of the same use case.
/// </summary>
public sealed class BenchUseCaseCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog, GgufLoadGuard loadGuard) : Command<BenchUseCaseCommand.Settings>
{
    public sealed class Settings : MeasureSettings
    {
        [CommandArgument(0, "<USECASE>")]
        [Description("A use-case YAML file, the one 'wpt evaluate' reads (examples/host-usecase.yaml is sized for a small host).")]
        public string UseCase { get; init; } = string.Empty;

        [CommandOption("--duration <SECONDS>")]
        [Description("How long the workloads run together. Default 30.")]
        [DefaultValue(30.0)]
        [Limit(1, 3600)]
        public double Duration { get; init; } = 30;

        [CommandOption("--scale <FACTOR>")]
        [Description("Every frame rate and request rate (and fps target) multiplied by this, so the use case fits this machine. Default 1.")]
        [DefaultValue(1.0)]
        [Limit(0, 1000, MinimumExclusive = true)]
        public double Scale { get; init; } = 1;

        [CommandOption("--time-compression <FACTOR>")]
        [Description("Request arrivals come this many times faster than requestsPerHour says, so a short run sees some. Default: enough for 3 requests per request workload.")]
        [Limit(1, 1_000_000)]
        public double? TimeCompression { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of the input-size draws and the request arrivals. Default 1.")]
        [DefaultValue(1)]
        [Limit(0, int.MaxValue)]
        public int Seed { get; init; } = 1;

        [CommandOption("-t|--threads <N>")]
        [Description("Threads of each workload's runtime (ONNX Runtime intra-op, llama.cpp). Default: each runtime's own choice.")]
        [Limit(1, Limits.ThreadsPerCore, PerLogicalCore = true)]
        public int? Threads { get; init; }

        [CommandOption("--overhead")]
        [Description("After the run, measure the harness's own overhead: each frame workload through the harness and bare, back to back, in interleaved rounds.")]
        public bool Overhead { get; init; }

        [CommandOption("--sustained <MINUTES>")]
        [Description("Run the use case for this long (instead of --duration) and report each workload's throughput over time (shows thermal throttling).")]
        [Limit(0, 1440, MinimumExclusive = true)]
        public double? SustainedMinutes { get; init; }

        [CommandOption("--window <SECONDS>")]
        [Description("Throughput window of a sustained run. Default: the run split in 30.")]
        [Limit(0, 86_400, MinimumExclusive = true)]
        public double? Window { get; init; }

        public override ValidationResult Validate() =>
            SustainedMinutes is <= 0 ? ValidationResult.Error("--sustained takes a positive number of minutes.")
            : Window is <= 0 ? ValidationResult.Error("--window takes a positive number of seconds.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var job = new BenchmarkJob(BenchmarkJobKind.UseCase, null, null, settings.UseCase, Parameters(settings)) { CommandLine = [.. context.Arguments] };
        using var sink = new ResultsDatabaseSink(console, settings, settings.Json);
        var outcome = new UseCaseBenchmarkRunner(catalog, loadGuard.RequireLoadable).Run(job, new ConsoleBenchmarkProgress(console), sink, cancellationToken);
        if (settings.Json)
        {
            Output.Json(console, Json(outcome));
        }
        else
        {
            Render(outcome);
            foreach (var workload in outcome.Sustained)
            {
                SustainedText.Write(console, workload.Series, outcome.Telemetry, $" {workload.Series.Unit}", $"{workload.Id}, {workload.Figure}", workload.Id);
            }

            RunVerdictText.Write(console, [(outcome.UseCase.Name, outcome.Verdict)]);
        }

        sink.ThrowIfUnsaved();
        return 0;
    }

    /// <summary>The options as the job's parameters (the use-case file travels as the job's scenario).</summary>
    internal static IReadOnlyDictionary<string, string> Parameters(Settings settings) => new JobParametersBuilder()
        .Add("duration", settings.Duration)
        .Add("scale", settings.Scale)
        .Add("time-compression", settings.TimeCompression)
        .Add("seed", settings.Seed)
        .Add("threads", settings.Threads)
        .Flag("overhead", settings.Overhead)
        .Add("sustained", settings.SustainedMinutes)
        .Add("window", settings.Window)
        .Build();

    /// <summary>
    /// The newest complete <c>bench usecase</c> result of the use case named <paramref name="useCaseName"/> in the database, as the
    /// report's "measured on this machine" section; null when there is no database or no such result.
    /// </summary>
    internal static WorkingPoint.Reporting.Html.MeasuredUseCase? LatestMeasured(string? db, string useCaseName)
    {
        if (!ResultsDatabase.Exists(ResultsDatabase.PathFor(db)))
        {
            return null;
        }

        using var store = ResultsDatabase.OpenExisting(db);
        var stored = store.List(MeasurementKind.UseCase, 1000).FirstOrDefault(r => r.Record.Status == RunStatus.Complete && r.Record.Parameters.TryGetValue("usecase", out var name) && name == useCaseName);
        if (stored is null)
        {
            return null;
        }

        var r = stored.Record;
        var figures = new List<WorkingPoint.Reporting.Html.MeasuredFigure>();
        foreach (var measured in r.Metrics.Where(m => m.Name.StartsWith("figure.", StringComparison.Ordinal) && m.Name.EndsWith(".measured", StringComparison.Ordinal)))
        {
            var middle = measured.Name["figure.".Length..^".measured".Length];
            var dot = middle.LastIndexOf('.');
            var predicted = r.Metrics.FirstOrDefault(m => m.Name == $"figure.{middle}.predicted");
            figures.Add(new(middle[..dot], FigureNames.GetValueOrDefault(middle[(dot + 1)..], middle[(dot + 1)..]), measured.Unit, measured.Value, predicted?.Value));
        }

        string P(string key) => r.Parameters.GetValueOrDefault(key, "?");
        var conditions = $"{P("duration")} s, rates × {P("scale")}, requests {P("time-compression")}× faster, seed {P("seed")}; predicted on {P("predicted-on")}";
        double? Metric(string name) => r.Metrics.FirstOrDefault(m => m.Name == name)?.Value;
        return new(stored.Id, r.StartedAt, $"{r.Platform.CpuModel}, {r.Platform.LogicalCores} logical cores", conditions, figures)
        {
            Score = new(r.Parameters.GetValueOrDefault("score-reference"), Metric("score.measured"), Metric("score.predicted")),
            Validity = r.Verdict?.Summary,
        };
    }

    private static readonly Dictionary<string, string> FigureNames = new() { ["fps"] = "frames/s", ["latency-p50"] = "latency p50", ["ttft-p50"] = "TTFT p50", ["tokens-per-second"] = "decode tok/s" };

    private const string NoHostProfile = UseCaseBenchmarkRunner.NoHostProfile;

    private void Render(UseCaseBenchmarkOutcome outcome)
    {
        var (useCase, compression, cycleSeconds, result, report, host, cpuShare, telemetry, skipped) = (outcome.UseCase, outcome.TimeCompression, outcome.CycleSeconds, outcome.Result, outcome.Report, outcome.Host, outcome.CpuShare, outcome.Telemetry, outcome.Skipped);
        console.MarkupLine($"[bold]{Markup.Escape(useCase.Name)}[/] on this machine for {Output.Number(result.DurationSeconds)} s: rates × {Output.Number(outcome.Scale)} (--scale), requests {Output.Number(compression)}× faster than requestsPerHour (--time-compression), duty phases of a {Output.Number(cycleSeconds)} s cycle, seed {outcome.Seed}.");
        var measured = new Table().Border(TableBorder.Rounded).Title("[bold]Measured, all workloads together[/]");
        foreach (var column in new[] { "Workload", "Asked", "Achieved", "Min", "p50", "p90", "p99", "Max", "Misses", "Drops", "Decode tok/s" })
        {
            measured.AddColumn(new TableColumn(column) { Alignment = column is "Workload" ? Justify.Left : Justify.Right });
        }

        foreach (var r in result.Frames)
        {
            var w = useCase.Workloads.First(x => x.Id == r.Id);
            var asked = w.FramesPerSecond * outcome.Scale * w.Duty;
            var l = r.Latency;
            measured.AddRow(Markup.Escape($"{r.Id} (frames)"), $"{Output.Number(asked)}/s", $"{Output.Number(r.AchievedFramesPerSecond(result.DurationSeconds))}/s",
                Ms(l?.Min.Value), Ms(l?.P50.Value), Ms(l?.P90.Value), Ms(l?.P99.Value), Ms(l?.Max.Value), Count(r.Misses), Count(r.Drops), "–");
        }

        foreach (var r in result.Requests)
        {
            var w = useCase.Workloads.First(x => x.Id == r.Id);
            var l = r.TimeToFirstToken;
            measured.AddRow(Markup.Escape($"{r.Id} (requests, TTFT)"), $"{Output.Number(w.RequestsPerHour * outcome.Scale * compression)}/h", $"{Count(r.Served)} served{(r.Unserved > 0 ? $", {r.Unserved} left" : string.Empty)}",
                Ms(l?.Min.Value), Ms(l?.P50.Value), Ms(l?.P90.Value), Ms(l?.P99.Value), Ms(l?.Max.Value), "–", "–", r.MeanDecodeTokensPerSecond is { } t ? Output.Number(t) : "–");
        }

        console.Write(measured);

        var compared = new Table().Border(TableBorder.Rounded).Title(host is null ? $"[bold]Predicted beside measured[/] ({NoHostProfile})" : $"[bold]Predicted beside measured[/] (on {Markup.Escape(host.Name)})");
        foreach (var column in new[] { "Workload", "Figure", "Measured", "Predicted", "Error" })
        {
            compared.AddColumn(new TableColumn(column) { Alignment = column is "Workload" or "Figure" ? Justify.Left : Justify.Right });
        }

        foreach (var f in report.Figures)
        {
            compared.AddRow(Markup.Escape(f.Workload), Markup.Escape(f.Name), Value(f.Measured, f.Unit), host is null ? "–" : Value(f.Predicted, f.Unit), f.ErrorPercent is { } e ? $"{e:+0;-0}%" : "–");
        }

        console.Write(compared);
        if (report.Targets.Count > 0)
        {
            var targets = new Table().Border(TableBorder.Rounded).Title("[bold]Targets[/]: measured verdict beside the predicted one");
            foreach (var column in new[] { "Workload", "Target", "Bound", "Measured", "Measured verdict", "Predicted verdict" })
            {
                targets.AddColumn(new TableColumn(column) { Alignment = column is "Bound" or "Measured" ? Justify.Right : Justify.Left });
            }

            foreach (var t in report.Targets)
            {
                targets.AddRow(Markup.Escape(t.Workload), Markup.Escape(t.Target), Value(t.Bound, t.Unit), Value(t.Measured, t.Unit), Verdict(t.MeasuredMet), host is null ? "–" : Verdict(t.PredictedMet));
            }

            console.Write(targets);
        }

        console.MarkupLine(Markup.Escape(ScoreLine(outcome.Score)));
        if (outcome.Overhead.Count > 0)
        {
            var overhead = new Table().Border(TableBorder.Rounded).Title($"[bold]Harness overhead[/]: the same frames via the harness and bare, {UseCaseBenchmarkRunner.OverheadRounds} interleaved rounds of {UseCaseBenchmarkRunner.OverheadFramesPerRound} each way");
            foreach (var column in new[] { "Workload", "Harness p50", "Bare p50", "Overhead", "Paced bare p50", "Of it, pacing", "Of it, harness", "Start lateness p50", $"Under {Output.Number(HarnessOverhead.TargetPercent)} %" })
            {
                overhead.AddColumn(new TableColumn(column) { Alignment = column is "Workload" ? Justify.Left : Justify.Right });
            }

            foreach (var o in outcome.Overhead)
            {
                overhead.AddRow(Markup.Escape(o.Id), Output.Ms(o.HarnessMedianSeconds), Output.Ms(o.BareMedianSeconds), $"{o.OverheadPercent:+0.00;-0.00} %",
                    o.PacedBareMedianSeconds is { } paced ? Output.Ms(paced) : "–", o.PacingPercent is { } pacing ? $"{pacing:+0.00;-0.00} %" : "–", o.HarnessOverPacedPercent is { } own ? $"{own:+0.00;-0.00} %" : "–",
                    o.StartLatenessSeconds.Count > 0 ? Output.Ms(o.StartLatenessMedianSeconds) : "–", o.WithinTarget ? "[green]yes[/]" : "[red]no[/]");
            }

            console.Write(overhead);
        }

        var notes = new List<string> { $"CPU utilisation (this process, all cores): {cpuShare:P0}" };
        notes.AddRange(TelemetryText.Lines(telemetry).Select(l => $"{l.Key}: {l.Value}"));
        notes.AddRange(skipped);
        if (host is null)
        {
            notes.Add(NoHostProfile + "; measured figures only.");
        }

        Output.Notes(console, "Notes", notes);

        static string Ms(double? seconds) => seconds is { } s ? Output.Ms(s) : "–";
        static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);
        static string Value(double? v, string unit) => v is { } x ? $"{Output.Number(x)} {unit}" : "–";
        static string Verdict(bool? met) => met switch { true => "[green]met[/]", false => "[red]missed[/]", null => "[grey]unknown[/]" };
    }

    /// <summary>The composite score line: measured beside predicted with the error, or why one is missing.</summary>
    internal static string ScoreLine(UseCaseScore score)
    {
        var measured = score.Measured is { } m ? Output.Number(m) : $"not computed ({score.Unavailable})";
        var predicted = score.Predicted is { } p ? Output.Number(p) : score.Unavailable is null ? NoHostProfile : "–";
        var error = score.ErrorPercent is { } e ? $" ({e:+0;-0} %)" : string.Empty;
        return $"Composite score at the working point ({score.ReferencePlatform} = 100): measured {measured}, predicted {predicted}{error}.";
    }

    private static object Json(UseCaseBenchmarkOutcome outcome)
    {
        var (useCase, compression, result, report, host, cpuShare, telemetry, skipped, record) = (outcome.UseCase, outcome.TimeCompression, outcome.Result, outcome.Report, outcome.Host, outcome.CpuShare, outcome.Telemetry, outcome.Skipped, outcome.Records[0]);
        return Json(useCase, compression, result, report, host, cpuShare, telemetry, skipped, record, outcome.Scale, outcome.Seed, outcome.Score, outcome.Overhead, outcome.Sustained);
    }

    private static object Json(UseCase useCase, double compression, UseCaseBenchResult result, UseCaseBenchmarkRunner.Comparison report, WorkingPoint.Core.Hardware.Platform? host, double cpuShare, TelemetryCapture telemetry, IReadOnlyList<string> skipped, MeasurementRecord record, double scale, int seed, UseCaseScore score, IReadOnlyList<HarnessOverheadResult> overhead, IReadOnlyList<WorkloadSustained> sustained) => new
    {
        useCase = useCase.Name,
        durationSeconds = result.DurationSeconds,
        scale,
        timeCompression = compression,
        seed,
        predictedOn = host?.Id,
        noPrediction = host is null ? NoHostProfile : null,
        frames = result.Frames.Select(r => new
        {
            id = r.Id,
            framesDue = r.FramesDue,
            framesRun = r.FramesRun,
            achievedFps = r.AchievedFramesPerSecond(result.DurationSeconds),
            misses = r.Misses,
            drops = r.Drops,
            latencyMs = Stats(r.Latency),
            wakeUpLatencyMs = r.WakeUpLatencySeconds.Select(s => s * 1000).ToArray(),
        }),
        requests = result.Requests.Select(r => new
        {
            id = r.Id,
            served = r.Served,
            unserved = r.Unserved,
            ttftMs = Stats(r.TimeToFirstToken),
            perRequest = r.ArrivalSeconds.Select((a, i) => new { arrivalSeconds = a, ttftMs = r.TimeToFirstTokenSeconds[i] * 1000, decodeTokensPerSecond = r.DecodeTokensPerSecond[i] }),
        }),
        figures = report.Figures.Select(f => new { workload = f.Workload, figure = f.Name, unit = f.Unit, measured = f.Measured, predicted = f.Predicted, errorPercent = f.ErrorPercent }),
        targets = report.Targets.Select(t => new { workload = t.Workload, target = t.Target, bound = t.Bound, unit = t.Unit, measured = t.Measured, measuredMet = t.MeasuredMet, predictedMet = t.PredictedMet }),
        score = new { reference = score.ReferencePlatform, measured = score.Measured, predicted = score.Predicted, errorPercent = score.ErrorPercent, unavailable = score.Unavailable },
        overhead = overhead.Select(o => new { id = o.Id, rounds = o.Rounds, harnessP50Ms = o.HarnessMedianSeconds * 1000, bareP50Ms = o.BareMedianSeconds * 1000, overheadPercent = o.OverheadPercent, pacedBareP50Ms = o.PacedBareMedianSeconds * 1000, pacingPercent = o.PacingPercent, harnessOverPacedPercent = o.HarnessOverPacedPercent, startLatenessP50Ms = o.StartLatenessSeconds.Count > 0 ? o.StartLatenessMedianSeconds * 1000 : (double?)null, withinTarget = o.WithinTarget }),
        // A sustained run's workloads over time, each with its throttle onset (as bench onnx --sustained gives its one); null otherwise.
        sustained = sustained.Count == 0 ? null : sustained.Select(w => new
        {
            id = w.Id,
            figure = w.Figure,
            series = SustainedText.Json(w.Series, telemetry, (end, value) => new { endSeconds = end, value }),
            achievedFps = w.AchievedFramesPerSecond?.Select(a => new { endSeconds = a.WindowEndSeconds, framesPerSecond = a.SamplesPerSecond }).ToArray(),
        }).ToArray(),
        cpuUtilisation = cpuShare,
        telemetry = TelemetryText.Lines(telemetry),
        notRun = skipped,
        verdict = record.Verdict,
        manifest = record.Manifest,
    };

    private static object? Stats(LatencyStatistics? s) => s is null ? null : new { count = s.Count, min = s.Min.Value * 1000, p50 = s.P50.Value * 1000, p90 = s.P90.Value * 1000, p99 = s.P99.Value * 1000, max = s.Max.Value * 1000 };
}
