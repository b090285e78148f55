using WorkingPoint.Core;
using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Gguf;
using WorkingPoint.Evaluation.ModelFiles;

namespace WorkingPoint.Cli.Commands;

/// <summary><c>wpt models synth ID</c>: a catalog LLM as a GGUF file with the real tensor shapes and random weights.</summary>
public sealed class SynthModelCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<SynthModelCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<ID>")]
        [Description("A catalog LLM (wpt models lists them) or a model YAML file.")]
        public string Id { get; init; } = string.Empty;

        [CommandOption("-w|--weights <FORMAT>")]
        [Description("q4_0 (default), q8_0, fp16, fp32, bf16, q4_k_m, q5_k_m, q6_k.")]
        [DefaultValue("q4_0")]
        public string Weights { get; init; } = "q4_0";

        [CommandOption("-o|--output <FILE>")]
        [Description("The .gguf file to write. Default: ID-FORMAT.gguf in the current directory.")]
        public string? Output { get; init; }

        [CommandOption("--force")]
        [Description("Replace an existing file of the default name; a file named with -o is always replaced.")]
        public bool Force { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of the random weights. Default 42.")]
        [DefaultValue(42UL)]
        public ulong Seed { get; init; } = 42;

        public override ValidationResult Validate() =>
            Output is not null && !Output.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) ? ValidationResult.Error($"-o must name a .gguf file, got '{Output}'.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var model = catalog.ResolveModel(settings.Id);
        if (model is not LlmCatalogModel llm)
        {
            throw new InvalidInputException($"'{settings.Id}' is a network; 'wpt models synth' writes language models to GGUF. Use 'wpt models export {settings.Id}' for ONNX.");
        }

        var format = WeightFormat.Parse(settings.Weights);
        var plan = LlmModelFiles.Plan(llm.Architecture, format);
        var path = OutputFiles.Choose(settings.Output, $"{llm.Id}-{format.Id}.gguf", settings.Force);
        var started = System.Diagnostics.Stopwatch.StartNew();
        LlmModelFiles.Write(Output.Progress(console), plan, path, $"Writing {llm.Id} {format.Id}", settings.Seed);
        var workload = new LlmWorkload(llm.Architecture, format, KvCacheFormat.F16);
        console.MarkupLine($"Wrote [bold]{Markup.Escape(Path.GetFullPath(path))}[/]: {llm.Architecture.Family.ToString().ToLowerInvariant()}, {plan.Tensors.Count} tensors, {Output.Number(llm.Architecture.Parameters / 1e9)} B parameters, {Output.Bytes(plan.FileBytes)} ({Output.Number(workload.AverageBitsPerWeight)} bits/weight) in {Output.Number(started.Elapsed.TotalSeconds)} s.");
        return 0;
    }
}

/// <summary><c>wpt models import FILE.gguf</c>: what a GGUF file holds, as the analytic model reads it.</summary>
internal static class GgufImportView
{
    public static int Show(IAnsiConsole console, string path, bool json)
    {
        var model = GgufModels.Load(path);
        var arch = model.Architecture;
        var workload = new LlmWorkload(arch, model.Weights, KvCacheFormat.F16);
        var types = model.File.Tensors.GroupBy(t => GgmlTypeLayout.Of(t.Type).Name)
            .Select(g => (Type: g.Key, Tensors: g.Count(), Bytes: g.Sum(t => t.Bytes)))
            .OrderByDescending(g => g.Bytes).ToArray();
        if (json)
        {
            Output.Json(console, new
            {
                file = path,
                ggufVersion = model.File.Version,
                architecture = model.File.Architecture,
                name = arch.Name,
                fileType = model.Weights.Id,
                config = new
                {
                    arch.HiddenSize, arch.Layers, arch.AttentionHeads, arch.KvHeads, arch.HeadDim, arch.FfnSize, arch.VocabSize,
                    arch.TiedEmbeddings, arch.QkvBias, arch.GatedFfn, arch.MaxContext, arch.SlidingWindow,
                },
                parameters = arch.Parameters,
                tensors = model.File.Tensors.Count,
                tensorBytes = model.TensorBytes,
                fileBytes = model.File.FileBytes,
                weightBytes = workload.WeightBytes,
                decodeBytesPerToken = workload.DecodeWeightBytes,
                kvBytesPerToken = workload.KvBytesPerToken,
                bitsPerWeight = workload.AverageBitsPerWeight,
                computePrecision = model.Weights.ComputePrecision.ToId(),
                byType = types.Select(t => new { type = t.Type, tensors = t.Tensors, bytes = t.Bytes }),
                otherTensors = model.OtherTensors.Select(t => new { t.Name, shape = t.Dimensions, type = GgmlTypeLayout.Of(t.Type).Name }),
                metadataKeys = model.File.Metadata.Count,
            });
            return 0;
        }

        var summary = Output.KeyValueTable(Path.GetFileName(path));
        summary.Row("Format", $"GGUF v{model.File.Version}, {Output.Bytes(model.File.FileBytes)}, {model.File.Metadata.Count} metadata keys, {model.File.Tensors.Count} tensors");
        summary.Row("Architecture", Markup.Escape($"{model.File.Architecture} ({arch.Name})"));
        summary.Row("File type", Markup.Escape(model.Weights.Id));
        summary.Row("Blocks × hidden", $"{arch.Layers} × {arch.HiddenSize}");
        summary.Row("Attention", $"{arch.AttentionHeads} heads, {arch.KvHeads} KV heads, head dim {arch.HeadDim}{(arch.SlidingWindow is { } w ? $", sliding window {w} on half the layers" : string.Empty)}");
        summary.Row("FFN", $"{arch.FfnSize}{(arch.GatedFfn ? " (gated)" : string.Empty)}");
        summary.Row("Vocabulary", $"{arch.VocabSize}{(arch.TiedEmbeddings ? ", output tied to the embedding" : string.Empty)}");
        summary.Row("Context", arch.MaxContext.ToString(CultureInfo.InvariantCulture));
        summary.Row("Parameters", $"{Output.Number(arch.Parameters / 1e9)} B");
        summary.Row("Weights", $"{Output.Bytes(workload.WeightBytes)} ({Output.Number(workload.AverageBitsPerWeight)} bits/weight, arithmetic in {model.Weights.ComputePrecision.ToId()})");
        summary.Row("Read per decoded token", $"{Output.Bytes(workload.DecodeWeightBytes)} of weights + {Output.Bytes(workload.KvBytesPerToken)} of f16 KV cache per token of context");
        console.Write(summary);

        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Tensor types[/]").AddColumn("Type").AddColumn(new TableColumn("Tensors").RightAligned()).AddColumn(new TableColumn("Bytes").RightAligned());
        foreach (var (type, count, bytes) in types)
        {
            table.AddRow(type, count.ToString(CultureInfo.InvariantCulture), Output.Bytes(bytes));
        }

        console.Write(table);
        Output.Notes(console, "Tensors outside the architecture (not counted)", model.OtherTensors.Select(t => $"{t.Name} {t.Shape} {GgmlTypeLayout.Of(t.Type).Name}"));
        return 0;
    }
}
