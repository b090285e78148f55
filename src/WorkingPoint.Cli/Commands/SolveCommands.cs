using WorkingPoint.Core;
using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Evaluation.Solvers;

namespace WorkingPoint.Cli.Commands;

public sealed class SolveBandwidthCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<SolveBandwidthCommand.Settings>
{
    public sealed class Settings : WorkingPointSettings
    {
        [CommandOption("-m|--model <ID>")]
        [Description("LLM id or path to a model YAML file.")]
        public string Model { get; init; } = string.Empty;

        [CommandOption("--target-tok-s <N>")]
        [Description("Decode rate to reach, tokens per second per sequence.")]
        [Limit(0, 1e6, MinimumExclusive = true)]
        public double TargetTokensPerSecond { get; init; }

        [CommandOption("-p|--platform <ID>")]
        [Description("Optional: take the achievable DRAM fraction from this platform and check its compute keeps up.")]
        public string? Platform { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("--model is required.")
            : TargetTokensPerSecond <= 0 ? ValidationResult.Error("--target-tok-s must be a positive number of tokens per second.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (catalog.ResolveModel(settings.Model) is LlmCatalogModel llm)
        {
            settings.RequireWithinContext(llm);
        }

        var platform = settings.Platform is null ? null : catalog.ResolvePlatform(settings.Platform);
        var answer = BandwidthSolver.Solve(catalog, settings.Model, settings.TargetTokensPerSecond, platform, settings.ToRequest(catalog));
        if (settings.Json)
        {
            Output.Json(console, answer);
            return 0;
        }

        var t = Output.KeyValueTable($"DRAM bandwidth for {answer.Model} ({answer.Weights}) at {Output.Number(settings.TargetTokensPerSecond)} tok/s");
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

public sealed class SolveModelCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<SolveModelCommand.Settings>
{
    public sealed class Settings : WorkingPointSettings
    {
        [CommandOption("-p|--platform <ID>")]
        [Description("Platform id or YAML path.")]
        public string Platform { get; init; } = string.Empty;

        [CommandOption("--target-tok-s <N>")]
        [Description("Decode rate each candidate must reach.")]
        [Limit(0, 1e6, MinimumExclusive = true)]
        public double TargetTokensPerSecond { get; init; }

        [CommandOption("--max-ttft-ms <MS>")]
        [Description("Optional time-to-first-token limit.")]
        [Limit(0, 1e9, MinimumExclusive = true)]
        public double? MaxTtftMs { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Platform) ? ValidationResult.Error("--platform is required.")
            : TargetTokensPerSecond <= 0 ? ValidationResult.Error("--target-tok-s must be a positive number of tokens per second.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var platform = catalog.ResolvePlatform(settings.Platform);
        var answer = ModelSolver.Solve(catalog, platform, settings.ToRequest(catalog), settings.TargetTokensPerSecond, settings.MaxTtftMs);
        var candidates = answer.Candidates;
        var best = candidates.FirstOrDefault(c => c.Meets);
        if (settings.Json)
        {
            Output.Json(console, answer, records: answer.Candidates);
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

public sealed class SolveGpuLayersCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<SolveGpuLayersCommand.Settings>
{
    public sealed class Settings : WorkingPointSettings
    {
        [CommandOption("-p|--platform <ID>")]
        [Description("Platform id or YAML path: one with a CPU and a GPU.")]
        public string Platform { get; init; } = string.Empty;

        [CommandOption("-m|--model <ID>")]
        [Description("LLM id or path to a model YAML file.")]
        public string Model { get; init; } = string.Empty;

        [CommandOption("--target-tok-s <N>")]
        [Description("Decode rate to reach, tokens per second per sequence.")]
        [Limit(0, 1e6, MinimumExclusive = true)]
        public double TargetTokensPerSecond { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Platform) ? ValidationResult.Error("--platform is required.")
            : string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("--model is required.")
            : TargetTokensPerSecond <= 0 ? ValidationResult.Error("--target-tok-s must be a positive number of tokens per second.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var platform = catalog.ResolvePlatform(settings.Platform);
        var model = catalog.ResolveModel(settings.Model);
        settings.RequireWithinContext(model);
        var answer = GpuLayersSolver.Solve(catalog, platform, model, settings.ToRequest(catalog), settings.TargetTokensPerSecond);
        if (settings.Json)
        {
            Output.Json(console, answer, records: answer.Candidates);
            return 0;
        }

        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(answer.Model)} ({answer.Weights}) on {Markup.Escape(platform.Id)}: GPU layers against {Output.Number(settings.TargetTokensPerSecond)} tok/s[/]");
        foreach (var c in new[] { "GPU layers", "On the GPU", "tok/s", "TTFT", "Fits", "Bottleneck", "Meets" })
        {
            table.AddColumn(c);
        }

        foreach (var c in answer.Candidates)
        {
            var onGpu = c.GpuLayers == 0 ? "nothing" : c.GpuLayers == 1 ? "output layer" : c.GpuLayers == 2 ? "1 layer + output" : $"{c.GpuLayers - 1} layers + output";
            table.AddRow(c.GpuLayers.ToString(System.Globalization.CultureInfo.InvariantCulture), onGpu, Output.Number(c.DecodeTokensPerSecond), $"{Output.Number(c.TtftMs)} ms", c.Fits ? "yes" : "[red]no[/]", c.Bottleneck, c.Meets ? "[green]yes[/]" : "[red]no[/]");
        }

        console.Write(table);
        console.MarkupLine(Markup.Escape($"CPU layers on {answer.CpuRuntime}, GPU layers on {answer.GpuRuntime}; {answer.Layers} layers + the output layer."));
        console.MarkupLine(answer.GpuLayers is { } n
            ? $"Fewest GPU layers that meet the target: [bold]{n}[/] (--gpu-layers {n}, llama.cpp -ngl {n}): {Output.Number(answer.DecodeTokensPerSecond ?? 0)} tok/s."
            : $"[red]No offload meets the target:[/] the best is {Output.Number(answer.BestDecodeTokensPerSecond)} tok/s at {answer.BestGpuLayers} GPU layers. Lower the target, use a lower-bit format (--weights), or a platform with more bandwidth.");
        return 0;
    }
}

public sealed class SolveInputCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<SolveInputCommand.Settings>
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
        [Limit(0, 1e6, MinimumExclusive = true)]
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
        var platform = catalog.ResolvePlatform(settings.Platform);
        var answer = InputSolver.Solve(catalog, platform, settings.Model, settings.ToRequest(catalog), settings.TargetFps, settings.Aspect is null ? null : ParseAspect(settings.Aspect));
        if (settings.Json)
        {
            Output.Json(console, answer);
            return 0;
        }

        var t = Output.KeyValueTable($"Largest {answer.Model} input on {platform.Id} at ≥ {Output.Number(settings.TargetFps)} FPS");
        t.Row("largest input", $"[bold]{answer.LargestInput}[/] (runs as {answer.RunsAs})");
        t.Row("frame rate there", $"{Output.Number(answer.Fps)} FPS, {Output.Number(answer.LatencyMs)} ms latency");
        t.Row("bottleneck", answer.Bottleneck);
        t.Row("next size up", $"{answer.NextSize.Input}: {Output.Number(answer.NextSize.Fps)} FPS ({answer.NextSize.Bottleneck})");
        t.Row("bottleneck changes", answer.Cliff is { } found
            ? $"[bold]{found.Below} → {found.Above}[/]: {Output.Number(found.BelowFps)} → {Output.Number(found.AboveFps)} FPS, {Markup.Escape(found.Change)}"
            : $"none up to {answer.NextSize.Input}: the bottleneck stays {Markup.Escape(answer.Bottleneck)}");
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
