using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Evaluation;

namespace WorkingPoint.Cli.Commands;

public sealed class PredictCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<PredictCommand.Settings>
{
    public sealed class Settings : WorkingPointSettings
    {
        [CommandOption("-p|--platform <ID>")]
        [Description("Platform id or path to a platform YAML file.")]
        public string Platform { get; init; } = string.Empty;

        [CommandOption("-m|--model <ID>")]
        [Description("Model id or path to a model YAML file.")]
        public string Model { get; init; } = string.Empty;

        [CommandOption("--layers")]
        [Description("Show the per-layer breakdown (networks).")]
        public bool Layers { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Platform) ? ValidationResult.Error("--platform is required (a catalog id such as hailo-10h, or a YAML path).")
            : string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("--model is required (a catalog id such as llama-3.2-1b, or a YAML path).")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var platform = catalog.ResolvePlatform(settings.Platform);
        var model = catalog.ResolveModel(settings.Model);
        settings.RequireWithinContext(model);
        var prediction = Predictions.Predict(model, platform, settings.ToRequest(catalog));
        if (settings.Json)
        {
            Output.Json(console, PredictionJson.From(prediction, settings.Layers));
            return 0;
        }

        PredictionView.Write(console, prediction, settings.Layers);
        return 0;
    }
}

/// <summary>Human rendering of a prediction.</summary>
internal static class PredictionView
{
    /// <summary>"llama.cpp-cuda on the gpu (1024-core Ampere GPU), prior profile".</summary>
    public static string RuntimeText(ModelPrediction prediction) => Markup.Escape(prediction.Runtime is { } runtime
        ? $"{runtime.Id} on the {prediction.Unit.Id}{(prediction.Unit.Name == "the whole platform" ? string.Empty : $" ({prediction.Unit.Name})")}, {(runtime.Profile.FollowsPlatform ? "the platform's achievable fractions" : $"{runtime.Profile.Origin} profile")}"
        : $"none: the {prediction.Unit.Id} at the platform's achievable fractions");

    public static void Write(IAnsiConsole console, ModelPrediction prediction, bool layers)
    {
        var p = prediction.Platform;
        switch (prediction)
        {
            case LlmModelPrediction llm:
                WriteLlm(console, llm, p);
                break;
            case GraphModelPrediction graph:
                WriteGraph(console, graph, p, layers);
                break;
        }

        Output.Notes(console, "Assumptions", prediction.Assumptions);
    }

    private static void WriteLlm(IAnsiConsole console, LlmModelPrediction prediction, Platform p)
    {
        var r = prediction.Result;
        var s = r.Scenario;
        var t = Output.KeyValueTable($"{r.ModelId} on {p.Name} — {r.WeightFormat} weights, KV {r.KvCacheFormat}, prompt {s.PromptTokens}{(s.Images > 0 ? $" + {s.Images} image(s)" : string.Empty)}, gen {s.GeneratedTokens}, batch {s.Batch}");
        t.Row("decode", $"[bold]{Output.Number(r.DecodeTokensPerSecond)} tok/s[/] per sequence ({Output.Ms(r.DecodeStep.Value)}/token){(s.Batch > 1 ? $", {Output.Number(r.AggregateDecodeTokensPerSecond)} tok/s in all" : string.Empty)}, bound by {r.DecodeBinding.ToId()}");
        t.Row("prefill", $"{Output.Number(r.PrefillTokensPerSecond)} tok/s over {r.PromptTokensWithImages} tokens, bound by {r.PrefillBinding.ToId()}");
        if (r.VisionEncode.Value > 0)
        {
            t.Row("vision encoder", Output.Ms(r.VisionEncode.Value));
        }

        t.Row("time to first token", $"[bold]{Output.Ms(r.TimeToFirstToken.Value)}[/]");
        t.Row("whole request", Output.Ms(r.Total.Value));
        t.Row("weights", $"{Output.Bytes(r.WeightBytes.Value)} in {r.WeightResidence.ToString().ToLowerInvariant()}, {Output.Bytes(r.DecodeBytesPerToken.Value)} moved per token");
        t.Row("KV cache", Output.Bytes(r.KvCacheBytes.Value));
        t.Row("memory", $"{Output.Bytes(r.MemoryRequired.Value)} needed of {Output.OrUnknown(r.MemoryAvailable?.Value, Output.Bytes)} usable: {(r.Fits ? "[green]fits[/]" : "[red]does not fit[/]")}");
        t.Row("energy", $"{Output.OrUnknown(r.EnergyPerToken?.Value, v => $"{Output.Number(v * 1000)} mJ/token")}, {Output.OrUnknown(r.EnergyPerRequest?.Value, v => $"{Output.Number(v)} J/request")}");
        t.Row("average power (decode)", Output.PowerOn(p, r.AverageDecodePower?.Value) + (r.Throttled ? $" [yellow]throttled ×{r.ThrottleSlowdown:0.00} to the sustained cap[/]" : string.Empty));
        t.Row("bottleneck", $"[bold]{r.Bottleneck.ToId()}[/]");
        t.Row("executed precision", r.ExecutedPrecision.ToId());
        t.Row("runtime", RuntimeText(prediction));
        t.Row("error band", BandText(prediction, PredictedQuantity.Decode, r.DecodeTokensPerSecond, "tok/s") + "; " + BandText(prediction, PredictedQuantity.Prefill, r.PrefillTokensPerSecond, "tok/s"));
        console.Write(t);
    }

    /// <summary>"decode ±19 % (n = 31, llama.cpp-metal): 19.0–26.9 tok/s", or "decode uncalibrated: datasheet only".</summary>
    public static string BandText(ModelPrediction prediction, PredictedQuantity quantity, double predicted, string unit)
    {
        var u = prediction.UncertaintyOf(quantity);
        var what = prediction is LlmModelPrediction ? $"{quantity.ToId()} " : string.Empty;
        return Markup.Escape(u.Range(predicted, v => Output.Number(v)) is { } range ? $"{what}{u.Text}: {range} {unit}" : $"{what}{u.Text}");
    }

    private static void WriteGraph(IAnsiConsole console, GraphModelPrediction prediction, Platform p, bool layers)
    {
        var r = prediction.Result;
        var t = Output.KeyValueTable($"{r.ModelId} on {p.Name} — {r.WeightFormat} weights, input {r.Input}, batch {r.Batch}");
        t.Row("latency", $"[bold]{Output.Ms(r.Latency.Value)}[/]");
        t.Row("throughput", $"[bold]{Output.Number(r.FramesPerSecond)} FPS[/]");
        t.Row("operations", $"{Output.Number(r.OpsPerInference.Giga)} GOP per inference, {Output.Number(r.AchievedOpsPerSecond / 1e12)} TOPS achieved");
        t.Row("weights", $"{Output.Bytes(r.WeightBytes.Value)} in {r.WeightResidence.ToString().ToLowerInvariant()}");
        t.Row("activations", $"{Output.Bytes(r.PeakLiveActivations.Value)} live at peak, {(r.ActivationsOnChip ? "kept on chip" : "through DRAM")}");
        t.Row("off-chip traffic", $"{Output.Bytes(r.DramBytesPerInference.Value)} DRAM, {Output.Bytes(r.HostLinkBytesPerInference.Value)} host link per inference");
        t.Row("energy", Output.OrUnknown(r.EnergyPerInference?.Value, v => $"{Output.Number(v * 1000)} mJ/inference"));
        t.Row("average power", Output.PowerOn(p, r.AveragePower?.Value) + (r.Throttled ? $" [yellow]throttled ×{r.ThrottleSlowdown:0.00}[/]" : string.Empty));
        t.Row("fits in memory", r.Fits ? "[green]yes[/]" : "[red]no[/]");
        t.Row("bottleneck", $"[bold]{r.Bottleneck.ToId()}[/]");
        t.Row("executed precision", r.ExecutedPrecision.ToId());
        t.Row("runtime", RuntimeText(prediction));
        t.Row("error band", BandText(prediction, PredictedQuantity.Network, r.Latency.Milliseconds, "ms"));
        console.Write(t);
        if (!layers)
        {
            return;
        }

        var graph = ((GraphCatalogModel)prediction.Model).Model;
        var built = graph.Build((int)r.Input[3], (int)r.Input[2]);
        var lt = new Table().Border(TableBorder.Simple).Title("[bold]Per layer[/]");
        foreach (var c in new[] { "#", "Layer", "Op", "Detail", "Output", "MOP", "Time", "Bound by", "Off-chip", "op/B" })
        {
            lt.AddColumn(c);
        }

        foreach (var layer in r.Layers)
        {
            var l = built.Layers[layer.Index];
            lt.AddRow(
                layer.Index.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(l.Name),
                l.Kind.ToString(),
                Markup.Escape(l.Detail),
                l.Output.ToString(),
                Output.Number(layer.Cost.Ops / 1e6),
                Output.Ms(layer.Seconds),
                layer.Binding.ToId(),
                Output.Bytes(layer.Cost.DramBytes + layer.Cost.HostLinkBytes),
                double.IsInfinity(layer.OffChipIntensity) || layer.OffChipIntensity > 1e12 ? "∞" : Output.Number(layer.OffChipIntensity));
        }

        console.Write(lt);
    }
}
