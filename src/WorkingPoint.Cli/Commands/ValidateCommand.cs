using WorkingPoint.Core;
using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Measurement;
using WorkingPoint.Measurement.OnnxRuntime;
using WorkingPoint.Measurement.Roofline;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Evaluation;
using WorkingPoint.Evaluation.ModelFiles;
using WorkingPoint.Evaluation.Validation;
using WorkingPoint.Results;
using WorkingPoint.Runner;

namespace WorkingPoint.Cli.Commands;

/// <summary>
/// <c>wpt validate</c>: the analytic model checked against this machine. Catalog networks are exported with random weights, run
/// through ONNX Runtime, and their median latency compared with the prediction for the measured <c>host</c> platform at the
/// default achievable fractions.
/// </summary>
public sealed class ValidateCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<ValidateCommand.Settings>
{
    /// <summary>Networks and sizes that run in seconds on a small CPU, covering dense, depthwise, detection-head and upsampling layers.</summary>
    public const string DefaultModels = "mobilenet-v2@224x224,resnet-50@224x224,yolov8n@640x640,yolov8s@640x640,espcn-x2@480x320,dncnn3@160x160";

    public sealed class Settings : ValidateSettings
    {
        [CommandOption("-m|--model|--models <LIST>")]
        [Description("Comma-separated catalog networks, each optionally @WIDTHxHEIGHT. Default: " + DefaultModels + ". Also --models.")]
        public string Models { get; init; } = DefaultModels;

        [CommandOption("--duration <SECONDS>")]
        [Description("Minimum measuring time per network (SingleStream). Default 3.")]
        [DefaultValue(3.0)]
        [Limit(0, 3600)]
        public double Duration { get; init; } = 3;

        [CommandOption("--min-queries <N>")]
        [Description("Minimum queries per network. Default 10.")]
        [DefaultValue(10)]
        [Limit(1, 1_000_000)]
        public int MinQueries { get; init; } = 10;

        [CommandOption("--threads <N>")]
        [Description("ONNX Runtime intra-op threads. Default: its own choice.")]
        [Limit(1, Limits.ThreadsPerCore, PerLogicalCore = true)]
        public int? Threads { get; init; }

        public override ValidationResult Validate() =>
            Duration < 0 || MinQueries < 1 ? ValidationResult.Error("--duration must be ≥ 0 and --min-queries ≥ 1.") : RoundsError() ?? ValidationResult.Success();
    }

    public sealed record ValidationRow(string Model, int Width, int Height, double GigaOps, double PredictedMs, string Bottleneck, double MeasuredMedianMs, double MeasuredP90Ms, double ErrorPercent)
    {
        /// <summary>Rounds the figures are the median of (<c>--rounds</c>); the error is the median of each round's own error.</summary>
        public int Rounds { get; init; } = 1;

        /// <summary>With <c>--recalibrate</c>: the error of the stored profile's prediction (what 'wpt predict' says).</summary>
        public double? StoredProfileErrorPercent { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var models = ParseModels(settings.Models, catalog);
        var hostProfiles = HostProfileChoice.For(settings.Platform);
        var onnxProfile = hostProfiles?.OnnxRuntimeCpu;
        using var saver = ResultsText.Prepare(console, settings, settings.Json);
        MeasurementHooks.Start();
        var host = PlatformOrMeasuredHost(console, catalog, settings.Platform, cancellationToken);
        // Predicted as 'wpt predict' predicts: on the platform's usual network runtime, which for a measured host with its own
        // profiles is onnxruntime-cpu with the share and fixed costs 'wpt measure runtimes' fitted here.
        var request = new PredictionRequest(Weights: WeightFormat.Parse("fp32"));
        var profileLabel = HostProfileChoice.Label(hostProfiles, onnxProfile is not null, settings.Platform);
        var rows = new List<ValidationRow>();
        var started = DateTimeOffset.UtcNow;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var fingerprint = PlatformFingerprint.OfThisMachine().WithRuntime("ONNX Runtime", OnnxRuntimeTarget.RuntimeVersion);
        var parameters = new Dictionary<string, string> { ["models"] = settings.Models, ["threads"] = settings.Threads?.ToString(CultureInfo.InvariantCulture) ?? "default", ["weights"] = "fp32", ["platform"] = host.Name, ["profile"] = profileLabel };
        IEnumerable<Metric> RowMetrics() => rows.SelectMany(r => new[] { new Metric($"{r.Model}.predicted", r.PredictedMs, "ms"), new Metric($"{r.Model}.measured-p50", r.MeasuredMedianMs, "ms"), new Metric($"{r.Model}.error", r.ErrorPercent, "%") });
        double gemmFraction;
        var measuredRounds = new List<(ValidationRow Row, ValidationRow Stored)>();
        var roundShares = new List<double>();
        parameters["rounds"] = settings.Rounds.ToString(CultureInfo.InvariantCulture);
        parameters["recalibrate"] = settings.Recalibrate ? "yes" : "no";
        try
        {
            for (var round = 1; round <= settings.Rounds; round++)
            {
                // With --recalibrate each round predicts with the profile its own probes fit just before its networks run, so a
                // machine that drifted since the stored profile was measured is not counted as the model's error.
                var roundHost = host;
                if (settings.Recalibrate)
                {
                    var (profile, _, _) = HostRuntimeProbes.ProbeOnnxRuntime(new ConsoleBenchmarkProgress(console), WptBuild.Current.Version, host, HostRuntimeProbes.ProbeGraphs(), Math.Min(settings.Duration, 1.5), settings.Threads, graph => { if (!settings.Json) { console.MarkupLine($"[grey]Round {round}/{settings.Rounds}: probe {Markup.Escape(graph.Name)}[/]"); } }, cancellationToken);
                    roundShares.Add(profile.NetworkComputeShare.Value);
                    roundHost = catalog.WithHostProfiles(host, new HostRuntimeProfiles(HostPlatform.Id, DateTimeOffset.UtcNow, hostProfiles?.LlamaCppCpu, profile));
                }

                foreach (var (model, width, height) in models)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var file = CatalogExport.Export(model, InputShapes.Parse([$"{width}x{height}"]));
                    using var target = OnnxRuntimeTarget.Load(file.Path, file.Shapes, new OnnxRuntimeOptions(IntraOpThreads: settings.Threads));
                    var scenario = new ScenarioSettings { MinDuration = TimeSpan.FromSeconds(settings.Duration), MinQueryCount = settings.MinQueries, WarmupQueries = 3 };
                    var result = Output.WithStatus(console, $"Running {model.Id} at {width}x{height}…", () => new LoadGenerator(target).Run(scenario, null, cancellationToken));
                    var measured = result.Latency.P50.Milliseconds;
                    var (w, h) = model.AlignedSize(width, height);
                    ValidationRow RowOn(Platform platform)
                    {
                        var prediction = Predictions.Predict(new GraphCatalogModel(model), platform, request with { InputWidth = width, InputHeight = height });
                        var predicted = prediction.Latency.Milliseconds;
                        return new ValidationRow(model.Id, w, h, ((GraphModelPrediction)prediction).Result.OpsPerInference.Giga, predicted, prediction.Bottleneck.ToString(), measured, result.Latency.P90.Milliseconds, (predicted - measured) / measured * 100);
                    }

                    var row = RowOn(roundHost);
                    measuredRounds.Add((row, settings.Recalibrate ? RowOn(host) : row));
                }
            }

            rows = Combine(measuredRounds, settings.Recalibrate);

            gemmFraction = Output.WithStatus(console, "Timing a 1024³ GEMM for the compute fraction…", () => MeasureGemmFraction(host, settings.Threads, cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped (Ctrl-C): the models measured so far are kept, marked interrupted, without the fits that need them all.
            rows = Combine(measuredRounds, settings.Recalibrate);
            if (rows.Count > 0)
            {
                saver.Save(new MeasurementRecord(MeasurementKind.Validate, started, clock.Elapsed, fingerprint, string.Join(",", rows.Select(r => r.Model)), null, parameters, [.. RowMetrics()], []), RunStatus.Interrupted);
            }

            saver.ReportInterrupted($"{rows.Count} of {models.Count} models");
            throw;
        }

        var cases = models.Select(m => new NetworkCase(m.Model, m.Width, m.Height)).ToArray();
        var measuredMs = rows.Select(r => r.MeasuredMedianMs).ToArray();
        var medianAbsoluteError = ValidationFit.MedianAbsoluteError(rows.Select(r => r.ErrorPercent));
        double? storedError = settings.Recalibrate ? ValidationFit.MedianAbsoluteError(rows.Select(r => r.StoredProfileErrorPercent!.Value)) : null;
        var fractions = Predictions.CeilingsFor(WorkloadKind.Network, request.Weights!.Id, host, request).Fractions;
        var fit = NetworkValidation.FitComputeFraction(cases, host, request, measuredMs);
        var gemm = (Fraction: gemmFraction, Error: NetworkValidation.MedianAbsoluteErrorAt(cases, host, request, measuredMs, gemmFraction));
        var record = new MeasurementRecord(
            MeasurementKind.Validate,
            started,
            clock.Elapsed,
            fingerprint,
            string.Join(",", rows.Select(r => r.Model)),
            null,
            parameters,
            [new Metric("median-abs-error", medianAbsoluteError, "%"), .. (storedError is { } stored ? [new Metric("stored-profile-median-abs-error", stored, "%")] : Array.Empty<Metric>()), new Metric("gemm-compute-fraction", gemm.Fraction, "fraction"), new Metric("gemm-median-abs-error", gemm.Error, "%"), new Metric("fitted-compute-fraction", fit.Fraction, "fraction"), new Metric("fitted-median-abs-error", fit.Error, "%"), .. RowMetrics()],
            []);
        saver.Save(record);
        if (settings.Json)
        {
            Output.Json(console, new
            {
                platform = host.Name,
                fractions,
                profile = profileLabel,
                layerOverheadUs = onnxProfile?.LayerOverheadMicroseconds.Value,
                inferenceOverheadUs = onnxProfile?.InferenceOverheadMicroseconds.Value,
                rows,
                medianAbsoluteErrorPercent = medianAbsoluteError,
                gemmComputeFraction = gemm.Fraction,
                gemmMedianAbsoluteErrorPercent = gemm.Error,
                fittedComputeFraction = fit.Fraction,
                fittedMedianAbsoluteErrorPercent = fit.Error,
                rounds = settings.Rounds,
                recalibrated = settings.Recalibrate,
                storedProfileMedianAbsoluteErrorPercent = storedError,
                probedComputeSharesByRound = settings.Recalibrate ? roundShares : null,
            });
        }
        else
        {
            Render(host, fractions, profileLabel, onnxProfile, rows, medianAbsoluteError, gemm, fit);
            if (storedError is { } againstStored)
            {
                console.MarkupLine($"Recalibrated: each round predicted with the profile its own ONNX Runtime probes fitted just before its networks (compute share by round: {string.Join("/", roundShares.Select(v => v.ToString("0.000", CultureInfo.InvariantCulture)))}{(onnxProfile is null ? string.Empty : $", stored {onnxProfile.NetworkComputeShare.Value:0.000}")}). With the stored profile ({Markup.Escape(profileLabel)}) instead: {Output.Number(againstStored, 2)} %; what separates the two figures is how far the machine moved since the profile was measured, not the model.");
            }
        }

        saver.ThrowIfUnsaved();
        return 0;
    }

    /// <summary>
    /// Each network's rounds as one row: predicted and measured latencies the median of the rounds', the error the median of the
    /// rounds' own errors (a round's prediction against the same round's measurement).
    /// </summary>
    private static List<ValidationRow> Combine(IReadOnlyList<(ValidationRow Row, ValidationRow Stored)> measured, bool recalibrated) =>
        measured.GroupBy(m => (m.Row.Model, m.Row.Width, m.Row.Height)).Select(g =>
        {
            var rounds = g.Select(m => m.Row).ToArray();
            return rounds[0] with
            {
                PredictedMs = ValidationFit.Median(rounds.Select(r => r.PredictedMs)),
                MeasuredMedianMs = ValidationFit.Median(rounds.Select(r => r.MeasuredMedianMs)),
                MeasuredP90Ms = ValidationFit.Median(rounds.Select(r => r.MeasuredP90Ms)),
                ErrorPercent = ValidationFit.Median(rounds.Select(r => r.ErrorPercent)),
                Rounds = rounds.Length,
                StoredProfileErrorPercent = recalibrated ? ValidationFit.Median(g.Select(m => m.Stored.ErrorPercent)) : null,
            };
        }).ToList();

    /// <summary>
    /// The share of the measured fp32 peak ONNX Runtime reaches on one large matrix product (a 1 × 1 convolution over 1024
    /// positions, 1024 → 1024 channels: 2.1 GFLOP): a compute fraction measured out of sample, on none of the validated networks.
    /// </summary>
    private static double MeasureGemmFraction(Platform host, int? threads, CancellationToken cancellation)
    {
        var builder = new Core.Workloads.Graphs.GraphBuilder("gemm-probe", 1024, 32, 32);
        builder.Linear(builder.Input, 1024, bias: false);
        var graph = builder.Build();
        var path = Path.Combine(Path.GetTempPath(), "workingpoint-exports", "gemm-probe-1024.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path))
        {
            Onnx.Export.OnnxExporter.Export(graph, path);
        }

        using var target = OnnxRuntimeTarget.Load(path, InputShapes.None, new OnnxRuntimeOptions(IntraOpThreads: threads));
        var result = new LoadGenerator(target).Run(new ScenarioSettings { MinDuration = TimeSpan.FromSeconds(1), MinQueryCount = 10, WarmupQueries = 3 }, null, cancellation);
        var achieved = graph.TotalOps.Value / result.Latency.P50.Value;
        var peak = host.Compute.Peaks.Where(p => p.Precision == Precision.Fp32).Select(p => p.Dense.Value).DefaultIfEmpty(0).Max();
        return peak > 0 ? Math.Min(1, achieved / peak) : 0;
    }

    private static List<(GraphModel Model, int Width, int Height)> ParseModels(string list, WorkingPoint.Catalog.Catalog catalog) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(item =>
        {
            var at = item.IndexOf('@', StringComparison.Ordinal);
            var id = at < 0 ? item : item[..at];
            if (catalog.ResolveModel(id) is not GraphCatalogModel graph)
            {
                throw new InvalidInputException($"--models: '{id}' is a language model; validate runs networks (e.g. yolov8n, resnet-50).");
            }

            var (w, h) = at < 0 ? (graph.Model.DefaultWidth, graph.Model.DefaultHeight) : Parsing.Size(item[(at + 1)..], $"--models {id}@");
            return (graph.Model, w, h);
        }).ToList();

    /// <summary>
    /// The platform a measuring command predicts with: any id or file as given, and for 'host' the measured host, measuring it
    /// first (quick sweep) when this machine has never been measured.
    /// </summary>
    internal static Platform PlatformOrMeasuredHost(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog, string platform, CancellationToken cancellation) =>
        MeasuredHost.Resolve(catalog, platform, () =>
        {
            console.MarkupLine("[grey]This machine has no measured roofline yet; measuring a quick one first (wpt measure roofline for a full one).[/]");
            return Output.WithStatus(console, "Measuring the roofline…", () => RooflineMeasurer.Measure(RooflineOptions.Quick, null, null, cancellation));
        });

    private void Render(Platform host, AchievableFractions fractions, string profileLabel, HostOnnxRuntimeProfile? onnxProfile, IReadOnlyList<ValidationRow> rows, double medianAbsoluteError, (double Fraction, double Error) gemm, (double Fraction, double Error) fit)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]Predicted vs measured on {Markup.Escape(host.Name)}[/]");
        foreach (var column in new[] { "Model", "Input", "GOP", "Predicted", "Bound by", "Measured p50", "p90", "Error" })
        {
            table.AddColumn(new TableColumn(column) { Alignment = column is "Model" or "Input" or "Bound by" ? Justify.Left : Justify.Right });
        }

        foreach (var r in rows)
        {
            var error = $"{(r.ErrorPercent >= 0 ? "+" : string.Empty)}{Output.Number(r.ErrorPercent, 2)} %";
            table.AddRow(r.Model, $"{r.Width}x{r.Height}", Output.Number(r.GigaOps), $"{Output.Number(r.PredictedMs)} ms", r.Bottleneck.ToLowerInvariant(), $"{Output.Number(r.MeasuredMedianMs)} ms", $"{Output.Number(r.MeasuredP90Ms)} ms", Math.Abs(r.ErrorPercent) <= 25 ? error : $"[yellow]{error}[/]");
        }

        console.Write(table);
        console.MarkupLine($"Median absolute error: [bold]{Output.Number(medianAbsoluteError, 2)} %[/] (fp32 weights, achievable fractions compute {fractions.Compute:0.##}, DRAM {fractions.Dram:0.##}, on-chip {fractions.OnChip:0.##}; measured = ONNX Runtime CPU, median of SingleStream).");
        var fixedCosts = onnxProfile is { } p ? $", plus {Output.Number(p.LayerOverheadMicroseconds.Value)} µs per layer and {Output.Number(p.InferenceOverheadMicroseconds.Value)} µs per inference (onnxruntime-cpu's profile here, as wpt predict --platform host uses it)" : string.Empty;
        console.MarkupLine($"Profile: [bold]{Markup.Escape(profileLabel)}[/]{fixedCosts}.");
        console.MarkupLine($"With the compute fraction ONNX Runtime reaches on a 1024³ GEMM here ({gemm.Fraction:0.00}, measured on none of these networks): median absolute error {Output.Number(gemm.Error, 2)} %.");
        console.MarkupLine($"[grey]The fraction that would fit these runs best is {fit.Fraction:0.00} (median absolute error {Output.Number(fit.Error, 2)} %). Both replace only the compute fraction (the runtime's fixed costs stay), reported only; the profile is not changed.[/]");
    }
}
