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

namespace WorkingPoint.Cli.Commands;

/// <summary>
/// <c>wpt bench usecase USECASE.yaml</c>: every workload of a use case run at once through its real runtime at its (scaled) rates
/// on this machine — frames paced by the camera, requests arriving as a Poisson process — measured, and set beside the host's
/// prediction of the same use case.
/// </summary>
public sealed class BenchUseCaseCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog, GgufLoadGuard loadGuard) : Command<BenchUseCaseCommand.Settings>
{
    /// <summary>The fastest camera this harness paces per workload; faster asks are scaled down with --scale.</summary>
    public const double MaxFramesPerSecond = 200;

    /// <summary>Requests a short run should expect per request workload, when --time-compression is not given.</summary>
    public const double ExpectedRequests = 3;

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
    }

    /// <summary>A frame workload's plan and what it asked for.</summary>
    private sealed record FrameWorkload(UseCaseWorkload Workload, string DisplayName, double FramesPerSecond, double DeadlineSeconds, bool DeadlineIsTarget, IReadOnlyList<OnnxRuntimeTarget> Sessions);

    private sealed record RequestWorkload(UseCaseWorkload Workload, LlmModelFile File, double RequestsPerSecond, LlamaCppModel Model, string? Skipped);

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var useCase = UseCaseYaml.Load(settings.UseCase, catalog);
        var scaled = Scaled(useCase, settings.Scale);
        foreach (var w in scaled.Workloads.Where(w => w.Arrival == ArrivalKind.Frames && w.FramesPerSecond > MaxFramesPerSecond))
        {
            throw new InvalidInputException($"{w.Id}: {Output.Number(w.FramesPerSecond)} FPS after --scale {Output.Number(settings.Scale)} is more than this harness paces ({MaxFramesPerSecond} FPS); pass a smaller --scale.");
        }

        var requestRates = scaled.Workloads.Where(w => w.Arrival == ArrivalKind.Requests && w.Category != WorkloadCategory.Speech).Select(w => w.RequestsPerHour / 3600).ToArray();
        var compression = settings.TimeCompression ?? (requestRates.Length == 0 ? 1 : Math.Max(1, ExpectedRequests / (requestRates.Min() * settings.Duration)));
        using var saver = ResultsText.Prepare(console, settings, settings.Json);

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
                        return OnnxRuntimeTarget.Load(file.Path, file.Shapes, new OnnxRuntimeOptions(IntraOpThreads: settings.Threads));
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
                    loadGuard.RequireLoadable(source, cancellationToken);
                    var contextTokens = w.Request.PromptTokens + w.Request.GeneratedTokens + 8;
                    var file = LlmModelFiles.Resolve(catalog, Output.Progress(console), source, w.ModelSource is { } s && LooksLikeFile(s) ? null : w.Weights?.Id, contextTokens);
                    var model = LlamaCppModel.Load(file.Path, contextTokens, new LlamaCppOptions(settings.Threads));
                    var note = w.Request.Images > 0 ? $"{w.Id}: the vision encoder ({w.Request.Images} image(s) of {w.Request.ImageWidth}x{w.Request.ImageHeight}) is not run; the language tower is, and the prediction beside it leaves the encoder out too."
                        : w.Request.AudioSeconds > 0 ? $"{w.Id}: the audio encoder is not run; the prediction beside it leaves it out too." : null;
                    if (note is not null)
                    {
                        skipped.Add(note);
                    }

                    requests.Add(new RequestWorkload(w, file, w.RequestsPerHour / 3600 * compression, model, note));
                }
            }

            return Run(settings, [.. context.Arguments], useCase, scaled, compression, frames, requests, skipped, saver, cancellationToken);
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

    private int Run(Settings settings, IReadOnlyList<string> commandLine, UseCase useCase, UseCase scaled, double compression, List<FrameWorkload> frames, List<RequestWorkload> requests, List<string> skipped, ResultSaver saver, CancellationToken cancellationToken)
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
        var prediction = host is null ? null : new UseCaseEvaluator(catalog).EvaluateOn(AsRun(scaled, requests), host);

        MeasurementHooks.Start();
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        using var contention = new ContentionSampler(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(250));
        using var sampler = new TelemetrySampler(TelemetryDiscovery.Discover(), TimeSpan.FromMilliseconds(250));
        var result = Output.WithProgress(console, $"{useCase.Name}: {frames.Count + requests.Count} workloads for {Output.Number(duration)} s", progress =>
            UseCaseBench.Run(framePlans, requestPlans, duration, new StopwatchBenchClock(), f => progress?.Report(f), cancellationToken));
        var telemetry = sampler.Stop();
        var load = contention.Stop();
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var cpuShare = cpuSeconds / Math.Max(wall.Elapsed.TotalSeconds, 1e-9) / Environment.ProcessorCount;

        var report = Compare(scaled, frames, requests, result, prediction);
        // The run rules for a use case: the minimum duration, at least one finished unit per workload, and each workload's
        // variation across its units (frames or requests) as a warning; no percentile early stopping (rates are the use case's).
        var rules = new RunRules { MinQueryCount = 1, TargetPercentile = null };
        var series = result.Frames.Select(f => (f.Id, f.LatencySeconds)).Concat(result.Requests.Select(r => (r.Id, r.TimeToFirstTokenSeconds))).ToArray();
        var verdict = RunJudge.JudgeRepetitions(series, result.DurationSeconds, rules, quick: false, result.Interrupted).WithContention(load);
        var hashes = frames.SelectMany(f => f.Sessions.Select(s => s.ModelPath)).Concat(requests.Select(r => r.File.Path)).Distinct()
            .GroupBy(path => Path.GetFileName(path)).ToDictionary(g => g.Key, g => ModelHash.Sha256Of(g.First()));
        var record = ToRecord(settings, useCase, compression, cycleSeconds, frames, requests, result, report, prediction, cpuShare, telemetry, skipped, started, wall.Elapsed) with
        {
            Verdict = verdict,
            Manifest = RunManifest.Collect(commandLine, settings.Threads, hashes),
        };
        if (load is not null)
        {
            record = record with { Metrics = [.. record.Metrics, new Metric("cpu.other-processes", load.OtherCoresDuring, "cores"), new Metric("cpu.steal", load.StealPercentDuring, "%")] };
        }

        if (result.Interrupted)
        {
            saver.Save(record, RunStatus.Interrupted);
            saver.ReportInterrupted($"what the {result.Frames.Sum(f => f.FramesRun)} frames and {result.Requests.Sum(r => r.Served)} requests that finished measured");
            throw new OperationCanceledException(cancellationToken);
        }

        saver.Save(record);
        if (settings.Json)
        {
            Output.Json(console, Json(settings, useCase, compression, result, report, host, cpuShare, telemetry, skipped, record));
        }
        else
        {
            Render(settings, useCase, compression, cycleSeconds, result, report, host, cpuShare, telemetry, skipped);
            RunVerdictText.Write(console, [(useCase.Name, verdict)]);
        }

        saver.ThrowIfUnsaved();
        return 0;
    }

    /// <summary>One measured figure beside its prediction (null when there is no host profile or the model has none).</summary>
    public sealed record Figure(string Workload, string Key, string Name, string Unit, double? Measured, double? Predicted)
    {
        public double? ErrorPercent => Measured is { } m && Predicted is { } p && p > 0 ? (m / p - 1) * 100 : null;
    }

    /// <summary>A target with the measured and the predicted verdict.</summary>
    public sealed record TargetCheck(string Workload, string Target, double Bound, string Unit, double? Measured, bool? MeasuredMet, bool? PredictedMet);

    private sealed record Comparison(IReadOnlyList<Figure> Figures, IReadOnlyList<TargetCheck> Targets);

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
        return new(stored.Id, r.StartedAt, $"{r.Platform.CpuModel}, {r.Platform.LogicalCores} logical cores", conditions, figures);
    }

    private static readonly Dictionary<string, string> FigureNames = new() { ["fps"] = "frames/s", ["latency-p50"] = "latency p50", ["ttft-p50"] = "TTFT p50", ["tokens-per-second"] = "decode tok/s" };

    private const string NoHostProfile = "no host profile: run wpt measure roofline";

    private void Render(Settings settings, UseCase useCase, double compression, double cycleSeconds, UseCaseBenchResult result, Comparison report, WorkingPoint.Core.Hardware.Platform? host, double cpuShare, TelemetryCapture telemetry, List<string> skipped)
    {
        console.MarkupLine($"[bold]{Markup.Escape(useCase.Name)}[/] on this machine for {Output.Number(result.DurationSeconds)} s: rates × {Output.Number(settings.Scale)} (--scale), requests {Output.Number(compression)}× faster than requestsPerHour (--time-compression), duty phases of a {Output.Number(cycleSeconds)} s cycle, seed {settings.Seed}.");
        var measured = new Table().Border(TableBorder.Rounded).Title("[bold]Measured, all workloads together[/]");
        foreach (var column in new[] { "Workload", "Asked", "Achieved", "Min", "p50", "p90", "p99", "Max", "Misses", "Drops", "Decode tok/s" })
        {
            measured.AddColumn(new TableColumn(column) { Alignment = column is "Workload" ? Justify.Left : Justify.Right });
        }

        foreach (var r in result.Frames)
        {
            var w = useCase.Workloads.First(x => x.Id == r.Id);
            var asked = w.FramesPerSecond * settings.Scale * w.Duty;
            var l = r.Latency;
            measured.AddRow(Markup.Escape($"{r.Id} (frames)"), $"{Output.Number(asked)}/s", $"{Output.Number(r.AchievedFramesPerSecond(result.DurationSeconds))}/s",
                Ms(l?.Min.Value), Ms(l?.P50.Value), Ms(l?.P90.Value), Ms(l?.P99.Value), Ms(l?.Max.Value), Count(r.Misses), Count(r.Drops), "–");
        }

        foreach (var r in result.Requests)
        {
            var w = useCase.Workloads.First(x => x.Id == r.Id);
            var l = r.TimeToFirstToken;
            measured.AddRow(Markup.Escape($"{r.Id} (requests, TTFT)"), $"{Output.Number(w.RequestsPerHour * settings.Scale * compression)}/h", $"{Count(r.Served)} served{(r.Unserved > 0 ? $", {r.Unserved} left" : string.Empty)}",
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

    private static object Json(Settings settings, UseCase useCase, double compression, UseCaseBenchResult result, Comparison report, WorkingPoint.Core.Hardware.Platform? host, double cpuShare, TelemetryCapture telemetry, List<string> skipped, MeasurementRecord record) => new
    {
        useCase = useCase.Name,
        durationSeconds = result.DurationSeconds,
        scale = settings.Scale,
        timeCompression = compression,
        seed = settings.Seed,
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
        cpuUtilisation = cpuShare,
        telemetry = TelemetryText.Lines(telemetry),
        notRun = skipped,
        verdict = record.Verdict,
        manifest = record.Manifest,
    };

    private static object? Stats(LatencyStatistics? s) => s is null ? null : new { count = s.Count, min = s.Min.Value * 1000, p50 = s.P50.Value * 1000, p90 = s.P90.Value * 1000, p99 = s.P99.Value * 1000, max = s.Max.Value * 1000 };

    private static MeasurementRecord ToRecord(Settings settings, UseCase useCase, double compression, double cycleSeconds, List<FrameWorkload> frames, List<RequestWorkload> requests, UseCaseBenchResult result, Comparison report, PlatformEvaluation? prediction, double cpuShare, TelemetryCapture telemetry, List<string> skipped, DateTimeOffset started, TimeSpan elapsed)
    {
        static string Inv(double v) => v.ToString(CultureInfo.InvariantCulture);
        var parameters = new Dictionary<string, string>
        {
            ["usecase"] = useCase.Name,
            ["usecase-file"] = Path.GetFullPath(settings.UseCase),
            ["duration"] = Inv(settings.Duration),
            ["scale"] = Inv(settings.Scale),
            ["time-compression"] = Inv(compression),
            ["duty-cycle"] = Inv(cycleSeconds),
            ["seed"] = settings.Seed.ToString(CultureInfo.InvariantCulture),
            ["threads"] = settings.Threads?.ToString(CultureInfo.InvariantCulture) ?? "default",
            ["predicted-on"] = prediction?.Platform.Id ?? NoHostProfile,
        };
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

        samples.AddRange(telemetry.ToSampleSeries());
        var notes = string.Join('\n', new[] { TelemetryText.NotesOf(telemetry) }.Concat(skipped).Where(n => n is not null));
        return new MeasurementRecord(MeasurementKind.UseCase, started, elapsed,
            PlatformFingerprint.OfThisMachine().WithRuntime("ONNX Runtime", OnnxRuntimeTarget.RuntimeVersion).WithRuntime("LLamaSharp (llama.cpp)", LlamaCppModel.RuntimeVersion),
            useCase.Name, null, parameters, metrics, samples, notes.Length == 0 ? null : notes);
    }
}
