using WorkingPoint.Core;
using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Evaluation;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Measurement;
using WorkingPoint.Measurement.LlamaCpp;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Evaluation.ModelFiles;
using WorkingPoint.Evaluation.Validation;
using WorkingPoint.Results;
using WorkingPoint.Runner;

namespace WorkingPoint.Cli.Commands;

/// <summary>
/// <c>wpt validate llm</c>: catalog LLMs synthesized in several sizes and formats, run through llama.cpp, and their prefill and
/// decode rates compared with the analytic model's prediction for the measured <c>host</c> at the default achievable fractions.
/// </summary>
public sealed class ValidateLlmCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<ValidateLlmCommand.Settings>
{
    /// <summary>0.5 B to 3 B, in the two formats edge deployments ship most: each fits an 8 GB board.</summary>
    public const string DefaultModels = "qwen2.5-0.5b,llama-3.2-1b,qwen2.5-1.5b,llama-3.2-3b";
    public const string DefaultFormats = "q8_0,q4_0";

    public sealed class Settings : ValidateSettings
    {
        [CommandOption("-m|--model|--models <LIST>")]
        [Description("Comma-separated catalog LLMs. Default: " + DefaultModels + ". Also --models.")]
        public string Models { get; init; } = DefaultModels;

        [CommandOption("-w|--weights <LIST>")]
        [Description("Comma-separated formats, each model synthesized in each. Default: " + DefaultFormats + ".")]
        public string Weights { get; init; } = DefaultFormats;

        [CommandOption("--prompt <TOKENS>")]
        [Description("Prompt tokens of the prefill test. Default 256.")]
        [DefaultValue(256)]
        [Limit(0, Limits.MaxTokens)]
        public int Prompt { get; init; } = 256;

        [CommandOption("-n|--gen <TOKENS>")]
        [Description("Generated tokens of the decode test. Default 32.")]
        [DefaultValue(32)]
        [Limit(0, Limits.MaxTokens)]
        public int Gen { get; init; } = 32;

        [CommandOption("-r|--reps <N>")]
        [Description("Repetitions of each test. Default 3.")]
        [DefaultValue(3)]
        [Limit(1, 1000)]
        public int Reps { get; init; } = 3;

        [CommandOption("-t|--threads <N>")]
        [Description("llama.cpp threads. Default: one per logical core.")]
        [Limit(1, Limits.ThreadsPerCore, PerLogicalCore = true)]
        public int? Threads { get; init; }

        public override ValidationResult Validate() =>
            Prompt < 1 || Gen < 1 || Reps < 1 || Threads is < 1 ? ValidationResult.Error("--prompt, --gen, --reps and --threads must be ≥ 1.") : RoundsError() ?? ValidationResult.Success();
    }

    public sealed record LlmValidationRow(
        string Model,
        string Weights,
        double WeightGigabytes,
        double PredictedPrefill,
        double MeasuredPrefill,
        double PrefillErrorPercent,
        string PrefillBoundBy,
        double PredictedDecode,
        double MeasuredDecode,
        double DecodeErrorPercent,
        string DecodeBoundBy)
    {
        /// <summary>Rounds the figures are the median of (<c>--rounds</c>); the errors are the median of each round's own error.</summary>
        public int Rounds { get; init; } = 1;

        /// <summary>The measured decode rate's spread over the rounds, (max − min) ÷ median in %; 0 with one round.</summary>
        public double DecodeSpreadPercent { get; init; }

        /// <summary>With <c>--recalibrate</c>: the decode and prefill errors of the stored profile's prediction (what 'wpt predict' says).</summary>
        public double? StoredProfileDecodeErrorPercent { get; init; }

        public double? StoredProfilePrefillErrorPercent { get; init; }
    }

    /// <summary>One model in one format measured in one round, with the round's prediction and the stored profile's.</summary>
    private sealed record RoundRow(LlmWorkload Workload, LlmValidationRow Row, LlmValidationRow Stored);

    private static readonly string[] Columns = ["Model", "Format", "Weights", "pp pred", "pp meas", "pp err", "tg pred", "tg meas", "tg err", "tg bound"];

    public const double DecodeTargetPercent = 10;
    public const double PrefillTargetPercent = 25;

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var architectures = settings.Models.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(id => catalog.ResolveModel(id) as LlmCatalogModel ?? throw new InvalidInputException($"--models: '{id}' is a network; validate llm runs language models (e.g. qwen2.5-0.5b, llama-3.2-1b)."))
            .Select(m => m.Architecture).ToArray();
        var formats = settings.Weights.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(WeightFormat.Parse).ToArray();
        var bench = new LlmBenchSettings(settings.Prompt, settings.Gen, settings.Reps, Combined: false).Validate();
        var hostProfiles = HostProfileChoice.For(settings.Platform);
        var llamaProfile = hostProfiles?.LlamaCppCpu;

        var probeLlm = settings.Recalibrate
            ? catalog.ResolveModel(HostRuntimeProbes.ProbeLlm) as LlmCatalogModel ?? throw new MissingFigureException($"the probe model {HostRuntimeProbes.ProbeLlm} is missing from the catalog; reinstall wpt.")
            : null;
        var probeBench = new LlmBenchSettings(HostRuntimeProbes.ProbePromptTokens, HostRuntimeProbes.ProbeGenTokens, bench.Repetitions, Combined: false).Validate();

        // Everything is checked before the first model is written: a set that cannot run here fails now, not an hour in.
        foreach (var arch in architectures)
        {
            foreach (var format in formats)
            {
                _ = LlmModelFiles.Plan(arch, format);
                LlmModelFiles.RequireMemory(arch, format, bench.ContextTokens, $"{arch.Id} {format.Id}");
            }
        }

        foreach (var format in probeLlm is null ? [] : HostRuntimeProbes.ProbeFormats.Select(WeightFormat.Parse))
        {
            LlmModelFiles.RequireMemory(probeLlm!.Architecture, format, probeBench.ContextTokens, $"probe {probeLlm.Id} {format.Id}");
        }

        using var saver = ResultsText.Prepare(console, settings, settings.Json);
        MeasurementHooks.Start();
        var host = ValidateCommand.PlatformOrMeasuredHost(console, catalog, settings.Platform, cancellationToken);
        var ceilings = new Ceilings(host);
        // The fractions 'wpt predict' uses for a weight format: the platform's usual LLM runtime's, which on a measured host with
        // its own profiles is llama.cpp-cpu with the decode and prefill shares 'wpt measure runtimes' fitted here.
        AchievableFractions FractionsOf(string weights) => Predictions.CeilingsFor(WorkloadKind.Llm, weights, host, new PredictionRequest()).Fractions;
        var profileLabel = HostProfileChoice.Label(hostProfiles, llamaProfile is not null, settings.Platform);
        var options = new LlamaCppOptions(settings.Threads).Validate();
        var rows = new List<LlmValidationRow>();
        var measured = new List<RoundRow>();
        var roundShares = new List<HostLlamaCppProfile>();
        var started = DateTimeOffset.UtcNow;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // The record of the models measured so far, with the fits' summary when they all finished (an interrupted run has none).
        MeasurementRecord RecordOf(IEnumerable<Metric> summary) => new(
            MeasurementKind.Validate,
            started,
            clock.Elapsed,
            PlatformFingerprint.OfThisMachine().WithRuntime("LLamaSharp (llama.cpp)", LlamaCppModel.RuntimeVersion),
            string.Join(",", rows.Select(r => $"{r.Model} {r.Weights}")),
            null,
            new Dictionary<string, string>
            {
                ["validate"] = "llm",
                ["models"] = settings.Models,
                ["weights"] = settings.Weights,
                ["prompt"] = bench.PromptTokens.ToString(CultureInfo.InvariantCulture),
                ["gen"] = bench.GenTokens.ToString(CultureInfo.InvariantCulture),
                ["reps"] = bench.Repetitions.ToString(CultureInfo.InvariantCulture),
                ["threads"] = options.ThreadCount.ToString(CultureInfo.InvariantCulture),
                ["platform"] = host.Name,
                ["profile"] = profileLabel,
                ["rounds"] = settings.Rounds.ToString(CultureInfo.InvariantCulture),
                ["recalibrate"] = settings.Recalibrate ? "yes" : "no",
            },
            [
                .. summary,
                .. rows.SelectMany(r => new[]
                {
                    new Metric($"{r.Model}.{r.Weights}.decode.predicted", r.PredictedDecode, "tok/s"),
                    new Metric($"{r.Model}.{r.Weights}.decode.measured", r.MeasuredDecode, "tok/s"),
                    new Metric($"{r.Model}.{r.Weights}.prefill.predicted", r.PredictedPrefill, "tok/s"),
                    new Metric($"{r.Model}.{r.Weights}.prefill.measured", r.MeasuredPrefill, "tok/s"),
                }),
            ],
            []);

        try
        {
            for (var round = 1; round <= settings.Rounds; round++)
            {
                // With --recalibrate each round predicts with the shares its own probes fit just before its models run, so a machine
                // that drifts between the stored profile and now (a shared VM moves by tens of percent) is not counted as the model's error.
                var roundHost = host;
                if (probeLlm is not null)
                {
                    var (profile, _) = HostRuntimeProbes.ProbeLlamaCpp(new ConsoleBenchmarkProgress(console), Output.Progress(console), WptBuild.Current.Version, probeLlm.Architecture, HostRuntimeProbes.ThinProbe, host, probeBench, options, format => { if (!settings.Json) { console.MarkupLine($"[grey]Round {round}/{settings.Rounds}: probe {probeLlm.Id} {format.Id}[/]"); } }, cancellationToken);
                    roundShares.Add(profile);
                    roundHost = catalog.WithHostProfiles(host, new HostRuntimeProfiles(HostPlatform.Id, DateTimeOffset.UtcNow, profile, hostProfiles?.OnnxRuntimeCpu));
                }

                foreach (var arch in architectures)
                {
                    foreach (var format in formats)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var path = LlmModelFiles.Synthesize(Output.Progress(console), arch, format, bench.ContextTokens);
                        var file = new LlmModelFile(path, $"{arch.Id} {format.Id}", GgufModels.Load(path), Synthesized: true);
                        var run = LlmRun.Measure(console, file, bench, options, TimeSpan.FromMilliseconds(250), cancellationToken);
                        var workload = new LlmWorkload(file.Model.Architecture, file.Model.Weights, KvCacheFormat.F16);
                        LlmValidationRow RowOn(Platform platform) => RowOf(arch.Id, format.Id, workload, Predictions.CeilingsFor(WorkloadKind.Llm, format.Id, platform, new PredictionRequest()), bench, run.Result);
                        var row = RowOn(roundHost);
                        measured.Add(new RoundRow(workload, row, probeLlm is null ? row : RowOn(host)));
                    }
                }
            }

            rows = Combine(measured, settings.Recalibrate);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped (Ctrl-C): the models measured so far are kept, marked interrupted, without the fits that need them all.
            rows = Combine(measured, settings.Recalibrate);
            if (rows.Count > 0)
            {
                saver.Save(RecordOf([]), RunStatus.Interrupted);
            }

            saver.ReportInterrupted($"{measured.Count} of {architectures.Length * formats.Length * settings.Rounds} model runs");
            throw;
        }

        var runs = measured.GroupBy(m => (m.Row.Model, m.Row.Weights)).Select(g => (Workload: g.First().Workload, Row: rows.Single(r => (r.Model, r.Weights) == g.Key))).ToArray();
        var stored = settings.Recalibrate
            ? (Decode: ValidationFit.MedianAbsoluteError(rows.Select(r => r.StoredProfileDecodeErrorPercent!.Value)), Prefill: ValidationFit.MedianAbsoluteError(rows.Select(r => r.StoredProfilePrefillErrorPercent!.Value)))
            : ((double Decode, double Prefill)?)null;

        var fits = LlmValidation.Fit((w, fractions) => Predictions.CeilingsFor(WorkloadKind.Llm, w.Weights.Id, host, new PredictionRequest(Fractions: fractions)), w => FractionsOf(w.Weights.Id), bench.PromptTokens, bench.GenTokens, runs.Select(r => new LlmMeasured(r.Workload, r.Row.MeasuredPrefill, r.Row.MeasuredDecode)).ToArray());
        var (_, _, fittedDram, fittedCompute, crossDecode, crossPrefill) = fits;

        // The rows' own errors: each round's prediction against that round's measurement (with one round and no --recalibrate
        // the same figures the fit computes).
        var decodeError = ValidationFit.MedianAbsoluteError(rows.Select(r => r.DecodeErrorPercent));
        var prefillError = ValidationFit.MedianAbsoluteError(rows.Select(r => r.PrefillErrorPercent));
        var probedShares = roundShares.Count == 0 ? null : HostRuntimeProbes.ProbeFormats.ToDictionary(f => f, f => roundShares.Select(p => p.ByWeights[f].DecodeDramShare!.Value).ToArray());
        if (settings.Json)
        {
            Output.Json(console, new
            {
                platform = host.Name,
                fractions = ceilings.Fractions,
                profile = profileLabel,
                fractionsByWeights = formats.ToDictionary(f => f.Id, f => FractionsOf(f.Id)),
                prompt = bench.PromptTokens,
                gen = bench.GenTokens,
                threads = options.ThreadCount,
                rows,
                decodeMedianAbsoluteErrorPercent = decodeError,
                prefillMedianAbsoluteErrorPercent = prefillError,
                decodeTargetPercent = DecodeTargetPercent,
                prefillTargetPercent = PrefillTargetPercent,
                fittedDramFraction = fittedDram.Fraction,
                fittedDramDecodeErrorPercent = fittedDram.Error,
                fittedComputeFraction = fittedCompute.Fraction,
                fittedComputePrefillErrorPercent = fittedCompute.Error,
                leaveOneOutDecodeErrorPercent = double.IsNaN(crossDecode) ? (double?)null : crossDecode,
                leaveOneOutPrefillErrorPercent = double.IsNaN(crossPrefill) ? (double?)null : crossPrefill,
                rounds = settings.Rounds,
                recalibrated = settings.Recalibrate,
                storedProfileDecodeMedianAbsoluteErrorPercent = stored?.Decode,
                storedProfilePrefillMedianAbsoluteErrorPercent = stored?.Prefill,
                probedDecodeDramSharesByRound = probedShares,
            });
        }
        else
        {
            Render(host, profileLabel, formats.Select(f => (f.Id, FractionsOf(f.Id))).ToArray(), bench, rows, decodeError, prefillError, fittedDram, fittedCompute, (crossDecode, crossPrefill));
            if (stored is { } againstStored)
            {
                var shares = string.Join(", ", probedShares!.Select(kv => $"{kv.Key} {string.Join("/", kv.Value.Select(v => v.ToString("0.000", CultureInfo.InvariantCulture)))}{(llamaProfile?.ByWeights.TryGetValue(kv.Key, out var w) == true && w.DecodeDramShare is { } was ? $" (stored {was.Value:0.000})" : string.Empty)}"));
                console.MarkupLine($"Recalibrated: each round predicted with the shares its own {HostRuntimeProbes.ProbeLlm} probes fitted just before its models (decode DRAM share by round: {Markup.Escape(shares)}). With the stored profile ({Markup.Escape(profileLabel)}) instead: decode {Output.Number(againstStored.Decode, 2)} %, prefill {Output.Number(againstStored.Prefill, 2)} %; what separates the two is how far the machine moved since the profile was measured, not the model.");
            }
        }

        saver.Save(RecordOf(
        [
            new Metric("decode.median-abs-error", decodeError, "%"),
            new Metric("prefill.median-abs-error", prefillError, "%"),
            .. (stored is { } s ? [new Metric("decode.stored-profile-median-abs-error", s.Decode, "%"), new Metric("prefill.stored-profile-median-abs-error", s.Prefill, "%")] : Array.Empty<Metric>()),
            new Metric("fitted-dram-fraction", fittedDram.Fraction, "fraction"),
            new Metric("fitted-compute-fraction", fittedCompute.Fraction, "fraction"),
            .. (runs.Length < 2 ? Array.Empty<Metric>() : [new Metric("decode.leave-one-out-error", crossDecode, "%"), new Metric("prefill.leave-one-out-error", crossPrefill, "%")]),
        ]));
        saver.ThrowIfUnsaved();
        return 0;
    }

    /// <summary>Prefill of the prompt from an empty cache, and decode over the generated tokens from an empty cache: the tests as run.</summary>
    internal static (double Prefill, Resource PrefillBinding, double Decode, Resource DecodeBinding) Predict(LlmWorkload workload, Ceilings ceilings, LlmBenchSettings bench) =>
        LlmValidation.Predict(workload, ceilings, bench.PromptTokens, bench.GenTokens);

    private static LlmValidationRow RowOf(string model, string weights, LlmWorkload workload, Ceilings ceilings, LlmBenchSettings bench, LlmBenchResult result)
    {
        var predicted = Predict(workload, ceilings, bench);
        var measuredPrefill = result.Prompt!.MeanTokensPerSecond;
        var measuredDecode = result.Generation!.MeanTokensPerSecond;
        return new LlmValidationRow(
            model, weights, workload.WeightBytes / 1e9,
            predicted.Prefill, measuredPrefill, Error(predicted.Prefill, measuredPrefill), predicted.PrefillBinding.ToString().ToLowerInvariant(),
            predicted.Decode, measuredDecode, Error(predicted.Decode, measuredDecode), predicted.DecodeBinding.ToString().ToLowerInvariant());
    }

    private static double Error(double predicted, double measured) => ValidationFit.ErrorPercent(predicted, measured);

    /// <summary>
    /// Each model's rounds as one row: predicted and measured rates the median of the rounds', each error the median of the
    /// rounds' own errors (a round's prediction against the same round's measurement), the decode spread over the rounds.
    /// </summary>
    private static List<LlmValidationRow> Combine(IReadOnlyList<RoundRow> measured, bool recalibrated) =>
        measured.GroupBy(m => (m.Row.Model, m.Row.Weights)).Select(g =>
        {
            var rounds = g.Select(m => m.Row).ToArray();
            var first = rounds[0];
            var decode = ValidationFit.Median(rounds.Select(r => r.MeasuredDecode));
            return first with
            {
                PredictedPrefill = ValidationFit.Median(rounds.Select(r => r.PredictedPrefill)),
                MeasuredPrefill = ValidationFit.Median(rounds.Select(r => r.MeasuredPrefill)),
                PrefillErrorPercent = ValidationFit.Median(rounds.Select(r => r.PrefillErrorPercent)),
                PredictedDecode = ValidationFit.Median(rounds.Select(r => r.PredictedDecode)),
                MeasuredDecode = decode,
                DecodeErrorPercent = ValidationFit.Median(rounds.Select(r => r.DecodeErrorPercent)),
                Rounds = rounds.Length,
                DecodeSpreadPercent = (rounds.Max(r => r.MeasuredDecode) - rounds.Min(r => r.MeasuredDecode)) / decode * 100,
                StoredProfileDecodeErrorPercent = recalibrated ? ValidationFit.Median(g.Select(m => m.Stored.DecodeErrorPercent)) : null,
                StoredProfilePrefillErrorPercent = recalibrated ? ValidationFit.Median(g.Select(m => m.Stored.PrefillErrorPercent)) : null,
            };
        }).ToList();

    private void Render(Platform host, string profileLabel, IReadOnlyList<(string Weights, AchievableFractions Fractions)> fractions, LlmBenchSettings bench, IReadOnlyList<LlmValidationRow> rows, double decodeError, double prefillError, (double Fraction, double Error) fittedDram, (double Fraction, double Error) fittedCompute, (double Decode, double Prefill) crossValidated)
    {
        var table = new Table().Border(TableBorder.Rounded).Expand().Title($"[bold]LLMs predicted vs measured on {Markup.Escape(host.Name)}[/] (tokens/s; pp{bench.PromptTokens}, tg{bench.GenTokens})");
        var rounds = rows.Count > 0 ? rows.Max(r => r.Rounds) : 1;
        if (rounds > 1)
        {
            table.Title = new TableTitle($"[bold]LLMs predicted vs measured on {Markup.Escape(host.Name)}[/] (tokens/s; pp{bench.PromptTokens}, tg{bench.GenTokens}; median of {rounds} rounds)");
        }

        foreach (var column in rounds > 1 ? [.. Columns, "tg spread"] : Columns)
        {
            table.AddColumn(new TableColumn(column) { Alignment = column is "Model" or "Format" or "tg bound" ? Justify.Left : Justify.Right });
        }

        foreach (var r in rows)
        {
            string[] cells =
            [
                r.Model, r.Weights, $"{Output.Number(r.WeightGigabytes)} GB",
                Output.Number(r.PredictedPrefill), Output.Number(r.MeasuredPrefill), Percent(r.PrefillErrorPercent, PrefillTargetPercent),
                Output.Number(r.PredictedDecode), Output.Number(r.MeasuredDecode), Percent(r.DecodeErrorPercent, DecodeTargetPercent),
                r.DecodeBoundBy,
            ];
            table.AddRow(rounds > 1 ? [.. cells, $"{Output.Number(r.DecodeSpreadPercent, 2)} %"] : cells);
        }

        console.Write(table);
        var used = fractions.DistinctBy(f => (f.Fractions.Compute, f.Fractions.Dram)).Count() == 1
            ? $"compute {fractions[0].Fractions.Compute:0.##}, DRAM {fractions[0].Fractions.Dram:0.##}"
            : string.Join("; ", fractions.Select(f => $"{f.Weights} compute {f.Fractions.Compute:0.##}, DRAM {f.Fractions.Dram:0.##}"));
        console.MarkupLine($"Median absolute error: decode [bold]{Output.Number(decodeError, 2)} %[/] (target ≤ {DecodeTargetPercent} %), prefill [bold]{Output.Number(prefillError, 2)} %[/] (target ≤ {PrefillTargetPercent} %); achievable fractions {used}; measured = llama.cpp CPU, mean of {bench.Repetitions}.");
        console.MarkupLine($"Profile: [bold]{Markup.Escape(profileLabel)}[/].");
        console.MarkupLine($"[grey]Fractions that would fit these runs best: DRAM {fittedDram.Fraction:0.00} (decode error {Output.Number(fittedDram.Error, 2)} %), compute {fittedCompute.Fraction:0.00} (prefill error {Output.Number(fittedCompute.Error, 2)} %). Reported only; the profile is not changed.[/]");
        if (!double.IsNaN(crossValidated.Decode))
        {
            console.MarkupLine($"[grey]Out of sample (each model predicted with the fractions fitted on the others): decode {Output.Number(crossValidated.Decode, 2)} %, prefill {Output.Number(crossValidated.Prefill, 2)} %.[/]");
        }

        static string Percent(double error, double target)
        {
            var text = $"{(error >= 0 ? "+" : string.Empty)}{Output.Number(error, 2)} %";
            return Math.Abs(error) <= target ? text : $"[yellow]{text}[/]";
        }
    }
}
