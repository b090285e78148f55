using WorkingPoint.Core;
using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Cli.Commands;

public sealed class SolveBandwidthCommand(IAnsiConsole console) : Command<SolveBandwidthCommand.Settings>
{
    public sealed class Settings : WorkingPointSettings
    {
        [CommandOption("-m|--model <ID>")]
        [Description("LLM id or path to a model YAML file.")]
        public string Model { get; init; } = string.Empty;

        [CommandOption("--target-tok-s <N>")]
        [Description("Decode rate to reach, tokens per second per sequence.")]
        public double TargetTokensPerSecond { get; init; }

        [CommandOption("--platform <ID>")]
        [Description("Optional: take the achievable DRAM fraction from this platform and check its compute keeps up.")]
        public string? Platform { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("--model is required.")
            : TargetTokensPerSecond <= 0 ? ValidationResult.Error("--target-tok-s must be a positive number of tokens per second.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var catalog = WorkingPoint.Catalog.Catalog.BuiltIn;
        if (catalog.ResolveModel(settings.Model) is not LlmCatalogModel llm)
        {
            throw new InvalidInputException($"'{settings.Model}' is not an LLM; 'solve bandwidth' answers for decode rates. Use 'solve input' for networks.");
        }

        var platform = settings.Platform is null ? null : catalog.ResolvePlatform(settings.Platform);
        var request = settings.ToRequest(platform);
        var workload = new LlmWorkload(llm.Architecture, request.WeightsFor(llm), request.KvCache ?? KvCacheFormat.F16);
        var fractions = request.Fractions ?? platform?.Achievable ?? AchievableFractions.Defaults;
        var scenario = request.Generation!;
        var answer = BandwidthSolver.Solve(workload, scenario, settings.TargetTokensPerSecond, fractions, platform is null ? null : new Ceilings(platform, fractions));
        if (settings.Json)
        {
            Output.Json(console, answer);
            return 0;
        }

        var t = Output.KeyValueTable($"DRAM bandwidth for {llm.Id} ({workload.Weights.Id}) at {Output.Number(settings.TargetTokensPerSecond)} tok/s");
        t.Row("bytes per token", $"{Output.Bytes(answer.BytesPerToken)} (weights {Output.Bytes(answer.WeightBytesPerToken)}, KV cache at {Output.Number(answer.MeanContextTokens)} tokens of context {Output.Bytes(answer.KvBytesPerToken)})");
        t.Row("effective bandwidth needed", $"{Output.Number(answer.RequiredEffectiveBandwidthGBps)} GB/s");
        t.Row("peak bandwidth needed", $"[bold]{Output.Number(answer.RequiredBandwidthGBps)} GB/s[/] at {answer.DramFraction:P0} achievable");
        t.Row("e.g.", Markup.Escape(string.Join("; ", answer.Interfaces)));
        if (answer.Platform is not null)
        {
            t.Row(answer.Platform, $"{Output.OrUnknown(answer.PlatformPeakBandwidthGBps, v => $"{Output.Number(v)} GB/s")} peak; compute allows {Output.Number(answer.ComputeLimitTokensPerSecond ?? 0)} tok/s: {(answer.PlatformMeetsTarget == true ? "[green]meets the target[/]" : "[red]does not meet the target[/]")}");
        }

        console.Write(t);
        return 0;
    }
}

/// <summary>The answer to "what DRAM bandwidth does this decode rate need".</summary>
internal sealed record BandwidthAnswer(
    string Model,
    string Weights,
    double TargetTokensPerSecond,
    double MeanContextTokens,
    double BytesPerToken,
    double WeightBytesPerToken,
    double KvBytesPerToken,
    double DramFraction,
    double RequiredEffectiveBandwidthGBps,
    double RequiredBandwidthGBps,
    IReadOnlyList<string> Interfaces,
    string? Platform,
    double? PlatformPeakBandwidthGBps,
    double? ComputeLimitTokensPerSecond,
    bool? PlatformMeetsTarget);

internal static class BandwidthSolver
{
    private static readonly (string Name, double MTps)[] Standards = [("LPDDR4X-4266", 4266), ("LPDDR5-6400", 6400), ("LPDDR5X-8533", 8533)];

    public static BandwidthAnswer Solve(LlmWorkload workload, LlmScenario scenario, double target, AchievableFractions fractions, Ceilings? platform)
    {
        var context = scenario.PromptTokens + (scenario.GeneratedTokens / 2.0);
        var kv = workload.KvBytesPerTokenPerLayer * (workload.AttendedTokenLayers(context) + workload.Architecture.Layers);
        var bytes = workload.DecodeWeightBytes + kv;
        var required = RequiredPeakBandwidth(workload, context, target, fractions.Dram);
        var interfaces = Standards.Select(s => $"{s.Name} needs a {Math.Ceiling(required / (s.MTps * 1e6 / 8) / 16) * 16:0}-bit bus").ToArray();
        double? computeLimit = null;
        bool? meets = null;
        double? peak = null;
        if (platform is not null)
        {
            var step = LlmPredictor.DecodeStep(workload, platform, context);
            computeLimit = 1 / step.ComputeSeconds;
            peak = platform.Platform.Dram?.PeakBandwidth?.GBps;
            meets = 1 / step.Seconds >= target;
        }

        return new BandwidthAnswer(workload.Architecture.Id, workload.Weights.Id, target, context, bytes, workload.DecodeWeightBytes, kv, fractions.Dram, required * fractions.Dram / 1e9, required / 1e9, interfaces, platform?.Platform.Id, peak, computeLimit, meets);
    }

    /// <summary>Peak DRAM bytes/s for a decode rate: bytes moved per token × rate ÷ the achievable fraction.</summary>
    public static double RequiredPeakBandwidth(LlmWorkload workload, double context, double tokensPerSecond, double dramFraction)
    {
        var kv = workload.KvBytesPerTokenPerLayer * (workload.AttendedTokenLayers(context) + workload.Architecture.Layers);
        return (workload.DecodeWeightBytes + kv) * tokensPerSecond / dramFraction;
    }
}

public sealed class SolveModelCommand(IAnsiConsole console) : Command<SolveModelCommand.Settings>
{
    public sealed class Settings : WorkingPointSettings
    {
        [CommandOption("-p|--platform <ID>")]
        [Description("Platform id or YAML path.")]
        public string Platform { get; init; } = string.Empty;

        [CommandOption("--target-tok-s <N>")]
        [Description("Decode rate each candidate must reach.")]
        public double TargetTokensPerSecond { get; init; }

        [CommandOption("--max-ttft-ms <MS>")]
        [Description("Optional time-to-first-token limit.")]
        public double? MaxTtftMs { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Platform) ? ValidationResult.Error("--platform is required.")
            : TargetTokensPerSecond <= 0 ? ValidationResult.Error("--target-tok-s must be a positive number of tokens per second.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var catalog = WorkingPoint.Catalog.Catalog.BuiltIn;
        var platform = catalog.ResolvePlatform(settings.Platform);
        var request = settings.ToRequest(platform);
        var candidates = catalog.Models.OfType<LlmCatalogModel>().Where(m => m.Category == WorkloadCategory.Generative) // speech models transcribe; they are not candidates for a chat or planning LLM
            .Select(m => (Model: m, Prediction: (LlmModelPrediction)Predictions.Predict(m, platform, request)))
            .OrderByDescending(c => c.Model.Architecture.Parameters)
            .Select(c => new ModelCandidate(
                c.Model.Id,
                c.Model.Architecture.Parameters,
                c.Prediction.Result.DecodeTokensPerSecond,
                c.Prediction.Result.TimeToFirstToken.Milliseconds,
                c.Prediction.Result.Fits,
                c.Prediction.Result.Fits && c.Prediction.Result.DecodeTokensPerSecond >= settings.TargetTokensPerSecond && (settings.MaxTtftMs is null || c.Prediction.Result.TimeToFirstToken.Milliseconds <= settings.MaxTtftMs),
                c.Prediction.Result.Bottleneck.ToId()))
            .ToArray();
        var best = candidates.FirstOrDefault(c => c.Meets);
        if (settings.Json)
        {
            Output.Json(console, new { platform = platform.Id, weights = request.WeightsFor(candidates.Length > 0 ? catalog.ResolveModel(candidates[0].Model) : catalog.Models[0]).Id, targetTokensPerSecond = settings.TargetTokensPerSecond, largestModel = best?.Model, candidates });
            return 0;
        }

        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]LLMs on {Markup.Escape(platform.Id)} against {Output.Number(settings.TargetTokensPerSecond)} tok/s[/]");
        foreach (var c in new[] { "Model", "Parameters", "tok/s", "TTFT", "Fits", "Bottleneck", "Meets" })
        {
            table.AddColumn(c);
        }

        foreach (var c in candidates)
        {
            table.AddRow(Markup.Escape(c.Model), $"{Output.Number(c.Parameters / 1e9)} B", Output.Number(c.DecodeTokensPerSecond), $"{Output.Number(c.TtftMs)} ms", c.Fits ? "yes" : "[red]no[/]", c.Bottleneck, c.Meets ? "[green]yes[/]" : "[red]no[/]");
        }

        console.Write(table);
        console.MarkupLine(best is null
            ? "[red]No catalog model meets the target on this platform.[/] Lower the target, use a lower-bit format (--weights), or pick a platform with more bandwidth."
            : $"Largest model that meets the target: [bold]{Markup.Escape(best.Model)}[/] ({Output.Number(best.DecodeTokensPerSecond)} tok/s).");
        return 0;
    }
}

internal sealed record ModelCandidate(string Model, long Parameters, double DecodeTokensPerSecond, double TtftMs, bool Fits, bool Meets, string Bottleneck);

public sealed class SolveInputCommand(IAnsiConsole console) : Command<SolveInputCommand.Settings>
{
    public sealed class Settings : WorkingPointSettings
    {
        [CommandOption("-p|--platform <ID>")]
        [Description("Platform id or YAML path.")]
        public string Platform { get; init; } = string.Empty;

        [CommandOption("-m|--model <ID>")]
        [Description("Network id (e.g. yolov8s).")]
        public string Model { get; init; } = string.Empty;

        [CommandOption("--target-fps <N>")]
        [Description("Frame rate the input must still reach.")]
        public double TargetFps { get; init; }

        [CommandOption("--aspect <W:H>")]
        [Description("Aspect ratio to keep, e.g. 16:9 (default: the model's reference input).")]
        public string? Aspect { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Platform) ? ValidationResult.Error("--platform is required.")
            : string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("--model is required.")
            : TargetFps <= 0 ? ValidationResult.Error("--target-fps must be a positive frame rate.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var catalog = WorkingPoint.Catalog.Catalog.BuiltIn;
        var platform = catalog.ResolvePlatform(settings.Platform);
        if (catalog.ResolveModel(settings.Model) is not GraphCatalogModel graphModel)
        {
            throw new InvalidInputException($"'{settings.Model}' is an LLM; 'solve input' answers for networks. Use 'solve model' or 'solve bandwidth' for LLMs.");
        }

        var model = graphModel.Model;
        var (aw, ah) = settings.Aspect is null ? (model.DefaultWidth, model.DefaultHeight) : ParseAspect(settings.Aspect);
        var request = settings.ToRequest(platform);
        var ceilings = new Ceilings(platform, request.Fractions);
        var weights = request.WeightsFor(graphModel);
        GraphPrediction At(int width) => GraphPredictor.Predict(model.Build(width, Math.Max(1, (int)Math.Round(width * (double)ah / aw))), ceilings, weights, request.Batch);
        double Fps(int width) => At(width).FramesPerSecond;

        // Frame rate falls as the input grows, so bisect on the width in steps of the network's alignment.
        var step = Math.Max(model.Alignment, 8);
        int low = step, high = 8192;
        if (Fps(low) < settings.TargetFps)
        {
            throw new InvalidInputException($"Even a {low}-pixel-wide input misses {settings.TargetFps} FPS for {model.Id} on {platform.Id} ({Output.Number(Fps(low))} FPS); the target is not reachable on this platform.");
        }

        while (high - low > step)
        {
            var mid = (low + high) / 2 / step * step;
            if (Fps(mid) >= settings.TargetFps)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        var height = Math.Max(1, (int)Math.Round(low * (double)ah / aw));
        var prediction = GraphPredictor.Predict(model.Build(low, height), ceilings, weights, request.Batch);
        var next = At(low + step);
        var cliff = InputCliff.Find(At, step, low + step);
        string Size(int width) => $"{width}x{Math.Max(1, (int)Math.Round(width * (double)ah / aw))}";
        var answer = new
        {
            platform = platform.Id, model = model.Id, weights = weights.Id, targetFps = settings.TargetFps, largestInput = $"{low}x{height}", runsAs = prediction.Input.ToString(),
            fps = prediction.FramesPerSecond, latencyMs = prediction.Latency.Milliseconds, bottleneck = prediction.Bottleneck.ToId(),
            nextSize = new { input = Size(low + step), fps = next.FramesPerSecond, bottleneck = next.Bottleneck.ToId() },
            cliff = cliff is { } c ? new { below = Size(c.Below), belowFps = c.BelowPrediction.FramesPerSecond, belowBottleneck = c.BelowPrediction.Bottleneck.ToId(), above = Size(c.Above), aboveFps = c.AbovePrediction.FramesPerSecond, aboveBottleneck = c.AbovePrediction.Bottleneck.ToId(), change = c.Change } : null,
        };
        if (settings.Json)
        {
            Output.Json(console, answer);
            return 0;
        }

        var t = Output.KeyValueTable($"Largest {model.Id} input on {platform.Id} at ≥ {Output.Number(settings.TargetFps)} FPS");
        t.Row("largest input", $"[bold]{low}x{height}[/] (runs as {prediction.Input})");
        t.Row("frame rate there", $"{Output.Number(prediction.FramesPerSecond)} FPS, {Output.Ms(prediction.Latency.Value)} latency");
        t.Row("bottleneck", prediction.Bottleneck.ToId());
        t.Row("next size up", $"{Size(low + step)}: {Output.Number(next.FramesPerSecond)} FPS ({next.Bottleneck.ToId()})");
        t.Row("bottleneck changes", cliff is { } found
            ? $"[bold]{Size(found.Below)} → {Size(found.Above)}[/]: {Output.Number(found.BelowPrediction.FramesPerSecond)} → {Output.Number(found.AbovePrediction.FramesPerSecond)} FPS, {Markup.Escape(found.Change)}"
            : $"none up to {Size(low + step)}: the bottleneck stays {Markup.Escape(prediction.Bottleneck.ToId())}");
        console.Write(t);
        return 0;
    }

    private static (int W, int H) ParseAspect(string text)
    {
        var parts = text.Split(':');
        return parts.Length == 2 && int.TryParse(parts[0], out var w) && int.TryParse(parts[1], out var h) && w > 0 && h > 0
            ? (w, h)
            : throw new InvalidInputException($"--aspect '{text}' must be W:H with positive whole numbers, e.g. 16:9.");
    }
}

/// <summary>
/// Where, up to some input size, the way a network runs changes: the bottleneck, where the weights live, or whether the activations
/// stay on chip. Such a change is often a cliff (a dataflow chip whose weights stop fitting falls from hundreds of FPS to tens), and
/// the largest size that meets a rate says nothing about it.
/// </summary>
internal static class InputCliff
{
    public sealed record Found(int Below, GraphPrediction BelowPrediction, int Above, GraphPrediction AbovePrediction, string Change);

    /// <summary>The change nearest to <paramref name="upTo"/> among widths step, 2·step, …, <paramref name="upTo"/>; null when none.</summary>
    public static Found? Find(Func<int, GraphPrediction> at, int step, int upTo)
    {
        // A coarse scan (at most about 128 predictions), then bisection down to one step between the last two differing sizes.
        var stride = step * Math.Max(1, (int)Math.Ceiling(upTo / (double)step / 128));
        var widths = Enumerable.Range(0, (upTo / stride) + 1).Select(i => Math.Max(step, i * stride)).Append(upTo).Distinct().Order().ToArray();
        var states = widths.Select(w => (Width: w, Prediction: at(w))).ToArray();
        for (var i = states.Length - 1; i > 0; i--)
        {
            if (State(states[i - 1].Prediction) == State(states[i].Prediction))
            {
                continue;
            }

            var (low, lowPrediction, high, highPrediction) = (states[i - 1].Width, states[i - 1].Prediction, states[i].Width, states[i].Prediction);
            while (high - low > step)
            {
                var mid = (low + high) / 2 / step * step;
                var midPrediction = at(mid);
                if (State(midPrediction) == State(highPrediction))
                {
                    (high, highPrediction) = (mid, midPrediction);
                }
                else
                {
                    (low, lowPrediction) = (mid, midPrediction);
                }
            }

            return new Found(low, lowPrediction, high, highPrediction, Describe(lowPrediction, highPrediction));
        }

        return null;
    }

    private static (Bottleneck, WeightResidence, bool) State(GraphPrediction p) => (p.Bottleneck, p.WeightResidence, p.ActivationsOnChip);

    private static string Describe(GraphPrediction below, GraphPrediction above)
    {
        var parts = new List<string>();
        if (below.WeightResidence != above.WeightResidence)
        {
            parts.Add(below.WeightResidence == WeightResidence.OnChip
                ? $"the weights no longer fit on chip ({(above.WeightResidence == WeightResidence.HostLink ? "streamed over the host link" : "read from DRAM")})"
                : $"the weights move from {Where(below.WeightResidence)} to {Where(above.WeightResidence)}");
        }

        if (below.ActivationsOnChip != above.ActivationsOnChip)
        {
            parts.Add(below.ActivationsOnChip ? "the activations no longer fit on chip" : "the activations fit on chip again");
        }

        if (below.Bottleneck != above.Bottleneck)
        {
            parts.Add($"the bottleneck changes from {below.Bottleneck.ToId()} to {above.Bottleneck.ToId()}");
        }

        return string.Join("; ", parts);
    }

    private static string Where(WeightResidence residence) => residence switch
    {
        WeightResidence.OnChip => "on chip",
        WeightResidence.Dram => "DRAM",
        _ => "the host link",
    };
}
