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

        [CommandOption("--gpu-layers <N>")]
        [Description("llama.cpp's GPU offload (-ngl N): the output layer and the last N − 1 layers run on the GPU (its llama.cpp backend), the rest on the CPU (llama.cpp-cpu); 0 to layers + 1.")]
        public int? GpuLayers { get; init; }

        [CommandOption("--pipeline-with <IDS>")]
        [Description("Pipeline the LLM over accelerators: -p's device runs the first layers, then each of these platforms in order (comma-separated; repeat an id for a second module), layers split evenly, the hidden state crossing the host links.")]
        public string? PipelineWith { get; init; }

        [CommandOption("--draft <MODEL>")]
        [Description("Speculative decoding: a draft LLM (id or YAML path) proposes tokens that the model verifies in one pass; needs --acceptance.")]
        public string? Draft { get; init; }

        [CommandOption("--acceptance <A>")]
        [Description("Speculative decoding: the probability that each drafted token is accepted, 0 to 1.")]
        [Limit(0, 1)]
        public double? Acceptance { get; init; }

        [CommandOption("--draft-tokens <K>")]
        [Description("Speculative decoding: tokens drafted per target step, 1 to 64. Default 4.")]
        [Limit(1, 64)]
        public int? DraftTokens { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Platform) ? ValidationResult.Error("--platform is required (a catalog id such as hailo-10h, or a YAML path).")
            : string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("--model is required (a catalog id such as llama-3.2-1b, or a YAML path).")
            : GpuLayers is not null && PipelineWith is not null ? ValidationResult.Error("--gpu-layers and --pipeline-with are two ways to split the model; give one of them.")
            : Draft is not null && (GpuLayers is not null || PipelineWith is not null) ? ValidationResult.Error("--draft is predicted on one unit; drop --gpu-layers or --pipeline-with, or the draft.")
            : Draft is null && (Acceptance is not null || DraftTokens is not null) ? ValidationResult.Error("--acceptance and --draft-tokens describe a draft model; add --draft MODEL.")
            : Draft is not null && Acceptance is null ? ValidationResult.Error("--draft needs --acceptance A, the probability (0 to 1) that each drafted token is accepted.")
            : PipelineWith is not null && PipelineWith.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length == 0 ? ValidationResult.Error("--pipeline-with needs one or more platform ids, comma-separated.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var platform = catalog.ResolvePlatform(settings.Platform);
        var model = catalog.ResolveModel(settings.Model);
        settings.RequireWithinContext(model);
        var request = settings.ToRequest(catalog);
        if (settings.GpuLayers is not null || settings.PipelineWith is not null)
        {
            var llm = SplitPredictions.RequireLlm(model, settings.GpuLayers is null ? "--pipeline-with" : "--gpu-layers");
            var split = settings.GpuLayers is { } gpuLayers
                ? SplitPredictions.GpuLayers(catalog, llm, platform, request, gpuLayers)
                : SplitPredictions.Pipeline(llm, [platform, .. settings.PipelineWith!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(catalog.ResolvePlatform)], request);
            if (settings.Json)
            {
                Output.Json(console, SplitJson.From(split));
                return 0;
            }

            SplitView.Write(console, split, platform, settings.GpuLayers);
            return 0;
        }

        if (settings.Draft is not null)
        {
            var target = SplitPredictions.RequireLlm(model, "--draft");
            var draft = SplitPredictions.RequireLlm(catalog.ResolveModel(settings.Draft), "--draft");
            var (plain, speculative) = SplitPredictions.Speculative(target, draft, platform, request, settings.Acceptance!.Value, settings.DraftTokens ?? 4);
            if (settings.Json)
            {
                Output.Json(console, new SpeculativePredictionJson(PredictionJson.From(plain), SpeculativeJson.From(speculative)));
                return 0;
            }

            PredictionView.Write(console, plain, false);
            SplitView.WriteSpeculative(console, speculative);
            return 0;
        }

        var prediction = Predictions.Predict(model, platform, request);
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
        ? $"{runtime.DrivenAsId} on the {prediction.Unit.Id}{(prediction.Unit.Name == "the whole platform" ? string.Empty : $" ({prediction.Unit.Name})")}, {(runtime.Profile.FollowsPlatform ? "the platform's achievable fractions" : $"{runtime.Profile.Origin} profile")}"
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
        t.Row("error band", BandText(prediction, PredictedQuantity.Decode) + "; " + BandText(prediction, PredictedQuantity.Prefill));
        console.Write(t);
    }

    /// <summary>"decode ±19 % (n = 31, llama.cpp-metal): 19.0–26.9 tok/s", or "decode uncalibrated: datasheet only".</summary>
    public static string BandText(ModelPrediction prediction, PredictedQuantity quantity)
    {
        var u = prediction.UncertaintyOf(quantity);
        var (predicted, unit) = prediction.FigureOf(quantity);
        var what = prediction is LlmModelPrediction ? $"{quantity.ToId()} " : string.Empty;
        return Markup.Escape(u.Range(predicted, v => Output.Number(v)) is { } range ? $"{what}{u.Text}: {range} {unit}" : $"{what}{u.Text}");
    }

    private static void WriteGraph(IAnsiConsole console, GraphModelPrediction prediction, Platform p, bool layers)
    {
        var r = prediction.Result;
        var t = Output.KeyValueTable($"{r.ModelId} on {p.Name} — {r.WeightFormat} weights, input {r.Input}, batch {r.Batch}");
        t.Row("latency", $"[bold]{Output.Ms(r.Latency.Value)}[/]");
        t.Row("throughput", $"[bold]{Output.Number(r.FramesPerSecond)} FPS[/]");
        if (prediction.OfflineThroughput() is { Units.Count: > 1 } offline)
        {
            // The runtime drives more than one unit at once when every input is waiting (MLPerf Offline): docs/model.md.
            t.Row("offline throughput", $"{Output.Number(offline.FramesPerSecond)} FPS with {offline.UnitList} at once, batch {offline.Batch}");
        }

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
        t.Row("error band", BandText(prediction, PredictedQuantity.Network));
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

/// <summary>Human rendering of a split prediction and of speculative decoding.</summary>
internal static class SplitView
{
    public static void Write(IAnsiConsole console, SplitPrediction r, Platform platform, int? gpuLayers)
    {
        var s = r.Scenario;
        var devices = r.Stages.Select(x => x.Device).Distinct().Count();
        var how = gpuLayers is { } n ? $"{n} GPU layers" : $"pipelined over {devices} devices";
        var t = Output.KeyValueTable($"{r.ModelId} on {platform.Name}, {how} — {r.WeightFormat} weights, KV {r.KvCacheFormat}, prompt {s.PromptTokens}, gen {s.GeneratedTokens}, batch {s.Batch}");
        var layers = r.Stages.Sum(x => x.Layers);
        for (var i = 0; i < r.Stages.Count; i++)
        {
            var st = r.Stages[i];
            var range = st.Layers == 0 ? "no repeating layers" : $"layers {st.FirstLayer}–{st.FirstLayer + st.Layers - 1} ({st.Layers} of {layers})";
            var where = devices > 1 ? $"{st.PlatformId} #{st.Device + 1} {st.UnitId}" : $"{st.UnitId} ({st.UnitName})";
            t.Row(
                $"stage {i + 1}: {Markup.Escape(st.UnitId)}",
                Markup.Escape($"{where}, {st.RuntimeId ?? "no runtime profile"}: {range}{(st.HoldsOutput ? " + output layer" : string.Empty)}; ") +
                $"decode {Output.Ms(st.DecodeStep.Value)}/token bound by {st.DecodeBinding.ToId()}, prefill {Output.Ms(st.Prefill.Value)}, weights {Output.Bytes(st.WeightBytes.Value)}");
        }

        t.Row("crossings", r.Crossings.Count == 0
            ? "none: one stage runs the whole model"
            : Markup.Escape($"{r.Crossings.Count} per token ({string.Join("; ", r.Crossings.Select(c => c.Via).Distinct())}): ") + $"{Output.Ms(r.DecodeTransfer.Value)}/token in decode, {Output.Ms(r.PrefillTransfer.Value)} in prefill");
        t.Row("decode", $"[bold]{Output.Number(r.DecodeTokensPerSecond)} tok/s[/] per sequence ({Output.Ms(r.DecodeStep.Value)}/token: stages and crossings in series){(s.Batch > 1 ? $", {Output.Number(r.AggregateDecodeTokensPerSecond)} tok/s in all" : string.Empty)}");
        if (devices > 1)
        {
            t.Row("pipelined", $"{Output.Number(r.PipelinedTokensPerSecond)} tok/s with one batch of {s.Batch} per stage in flight (set by the slowest stage or crossing)");
        }

        t.Row("prefill", $"{Output.Number(r.PrefillTokensPerSecond)} tok/s");
        t.Row("time to first token", $"[bold]{Output.Ms(r.TimeToFirstToken.Value)}[/]");
        t.Row("whole request", Output.Ms(r.Total.Value));
        foreach (var m in r.Memories)
        {
            t.Row(r.Memories.Count > 1 ? $"memory ({Markup.Escape(m.PlatformId)} #{m.Device + 1})" : "memory", $"{Output.Bytes(m.Required.Value)} needed of {Output.OrUnknown(m.Available?.Value, Output.Bytes)} usable: {(m.Fits ? "[green]fits[/]" : "[red]does not fit[/]")}");
        }

        t.Row("energy", Output.OrUnknown(r.EnergyPerToken?.Value, v => $"{Output.Number(v * 1000)} mJ/token"));
        t.Row("average power (decode)", Output.PowerOn(platform, r.AverageDecodePower?.Value) + (r.Throttled ? " [yellow]throttled to the sustained cap[/]" : string.Empty));
        t.Row("bottleneck", $"[bold]{r.Bottleneck.ToId()}[/]");
        console.Write(t);
    }

    public static void WriteSpeculative(IAnsiConsole console, SpeculativePrediction p)
    {
        var t = Output.KeyValueTable($"Speculative decoding with {p.DraftModelId} drafting");
        t.Row("drafting", $"{p.DraftTokens} tokens per target step, each accepted with probability {Output.Number(p.Acceptance)}: {Output.Number(p.ExpectedTokensPerStep)} tokens expected per step");
        t.Row("target step", $"{Output.Ms(p.StepTime.Value)}: {p.DraftTokens} draft steps {Output.Ms(p.DraftSteps.Value)} + verification of {p.DraftTokens + 1} tokens {Output.Ms(p.VerifyStep.Value)} (bound by {p.VerifyBinding.ToId()}){(p.Throttled ? " [yellow]throttled to the sustained cap[/]" : string.Empty)}");
        t.Row("decode", $"[bold]{Output.Number(p.TokensPerSecond)} tok/s[/] against {Output.Number(p.PlainTokensPerSecond)} tok/s plain: ×{Output.Number(p.Speedup)}");
        t.Row("memory", $"{Output.Bytes(p.MemoryRequired.Value)} needed with the draft, of {Output.OrUnknown(p.MemoryAvailable?.Value, Output.Bytes)} usable: {(p.Fits ? "[green]fits[/]" : "[red]does not fit[/]")}");
        t.Row("energy", Output.OrUnknown(p.EnergyPerToken?.Value, v => $"{Output.Number(v * 1000)} mJ/token"));
        console.Write(t);
    }
}
