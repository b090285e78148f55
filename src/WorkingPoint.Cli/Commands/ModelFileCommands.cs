using WorkingPoint.Core;
using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Onnx.Export;
using WorkingPoint.Onnx.Import;
using WorkingPoint.Onnx.Protobuf;

namespace WorkingPoint.Cli.Commands;

/// <summary><c>wpt models import FILE.onnx</c>: what an ONNX model is, counted the way the analytic model counts the catalog's networks.</summary>
public sealed class ImportModelCommand(IAnsiConsole console) : Command<ImportModelCommand.Settings>
{
    public sealed class Settings : JsonSettings
    {
        [CommandArgument(0, "<FILE>")]
        [Description("An .onnx or .gguf file, or a Hugging Face config.json.")]
        public string File { get; init; } = string.Empty;

        [CommandOption("-i|--input <SHAPE>")]
        [Description("Shape of a dynamic input: name=1x3x960x960, or 960x960 (width x height) for the single image input. Repeatable.")]
        public string[] Input { get; init; } = [];

        [CommandOption("--layers")]
        [Description("List every layer with its shape, operations and parameters.")]
        public bool Layers { get; init; }

        [CommandOption("-o|--output <FILE>")]
        [Description("config.json only: write the architecture as a model YAML file (docs/model-schema.md), to predict with --model FILE or add to a catalog.")]
        public string? Output { get; init; }

        [CommandOption("--id <ID>")]
        [Description("config.json only: the model's id. Default: the folder's name for a file called config.json, else the file's name.")]
        public string? Id { get; init; }

        public override ValidationResult Validate()
        {
            Limits.RequireInputsWithinMemory(Input);
            return Output is not null && !(Output.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || Output.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                ? ValidationResult.Error($"-o must name a .yaml file, got '{Output}'.")
                : ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (Path.GetExtension(settings.File).Equals(".json", StringComparison.OrdinalIgnoreCase))
        {
            if (settings.Input.Length > 0 || settings.Layers)
            {
                throw new InvalidInputException("--input and --layers apply to ONNX files; a config.json describes an LLM (its context is set when it runs).");
            }

            return ConfigImportView.Show(console, settings.File, settings.Id, settings.Output, settings.Json);
        }

        if (settings.Output is not null || settings.Id is not null)
        {
            throw new InvalidInputException("-o and --id apply to a Hugging Face config.json; an ONNX or GGUF file is read as it is (wpt models export and synth write files).");
        }

        if (Path.GetExtension(settings.File).Equals(".gguf", StringComparison.OrdinalIgnoreCase))
        {
            if (settings.Input.Length > 0)
            {
                throw new InvalidInputException("--input sets ONNX input shapes; a GGUF model has none (its context is set when it runs).");
            }

            return GgufImportView.Show(console, settings.File, settings.Json);
        }

        OnnxImport import;
        try
        {
            import = OnnxImporter.Import(settings.File, InputShapes.Parse(settings.Input));
        }
        catch (Exception ex) when (ex is OnnxFormatException or OnnxImportException)
        {
            throw new CatalogException(ex.Message);
        }

        var graph = import.Graph;
        if (settings.Json)
        {
            Output.Json(console, new
            {
                file = settings.File,
                producer = $"{import.Model.Producer} {import.Model.ProducerVersion}".Trim(),
                irVersion = import.Model.IrVersion,
                opsets = import.Model.Opsets,
                inputs = import.Inputs.Select(i => new { i.Name, i.Declared, shape = i.Shape, elementType = i.ElementType.ToString().ToLowerInvariant() }),
                layers = graph.Layers.Count,
                gigaOps = graph.TotalOps.Giga,
                parameters = graph.TotalParameters,
                initializerBytes = import.WeightBytesByType.ToDictionary(kv => kv.Key.ToString().ToLowerInvariant(), kv => kv.Value),
                peakLiveActivationElements = graph.PeakLiveActivationElements,
                operators = import.OperatorCounts,
                unsupported = import.UnsupportedOperators,
                import.Warnings,
                perLayer = settings.Layers ? graph.Layers.Select(l => new { l.Name, kind = l.Kind.ToString(), output = l.Output.ToString(), ops = l.Ops.Value, l.Parameters, l.Detail }) : null,
            });
            return 0;
        }

        var summary = Output.KeyValueTable(Path.GetFileName(settings.File));
        summary.Row("Producer", Markup.Escape($"{import.Model.Producer} {import.Model.ProducerVersion}".Trim()));
        summary.Row("IR version / opset", $"{import.Model.IrVersion} / {import.Model.Opset}");
        foreach (var input in import.Inputs)
        {
            summary.Row($"Input {input.Name}", Markup.Escape($"declared {input.Declared}, counted at {string.Join("x", input.Shape)} ({input.ElementType.ToString().ToLowerInvariant()})"));
        }

        summary.Row("Layers", graph.Layers.Count.ToString(CultureInfo.InvariantCulture));
        summary.Row("Operations", $"{Output.Number(graph.TotalOps.Giga)} GOP per inference (a MAC counts two)");
        summary.Row("Parameters", $"{Output.Number(graph.TotalParameters / 1e6)} M");
        foreach (var (type, bytes) in import.WeightBytesByType.OrderByDescending(kv => kv.Value))
        {
            summary.Row($"Weights ({type.ToString().ToLowerInvariant()})", Output.Bytes(bytes));
        }

        summary.Row("Peak live activations", $"{Output.Number(graph.PeakLiveActivationElements / 1e6)} M elements");
        console.Write(summary);

        var operators = new Table().Border(TableBorder.Rounded).Title("[bold]Operators[/]").AddColumn("Operator").AddColumn(new TableColumn("Nodes").RightAligned());
        foreach (var (op, count) in import.OperatorCounts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            operators.AddRow(Markup.Escape(op), count.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(operators);
        if (import.UnsupportedOperators.Count > 0)
        {
            var unsupported = new Table().Border(TableBorder.Rounded).Title("[bold yellow]Unsupported operators[/] (counted as pass-through)").AddColumn("Operator").AddColumn(new TableColumn("Nodes").RightAligned());
            foreach (var (op, count) in import.UnsupportedOperators)
            {
                unsupported.AddRow(Markup.Escape(op), count.ToString(CultureInfo.InvariantCulture));
            }

            console.Write(unsupported);
        }
        else
        {
            console.MarkupLine("Every operator is supported.");
        }

        if (settings.Layers)
        {
            var layers = new Table().Border(TableBorder.Rounded).Title("[bold]Layers[/]");
            foreach (var column in new[] { "#", "Name", "Kind", "Output", "MOP", "Params", "Detail" })
            {
                layers.AddColumn(new TableColumn(column) { Alignment = column is "#" or "MOP" or "Params" ? Justify.Right : Justify.Left });
            }

            for (var i = 0; i < graph.Layers.Count; i++)
            {
                var l = graph.Layers[i];
                layers.AddRow(i.ToString(CultureInfo.InvariantCulture), Markup.Escape(l.Name), l.Kind.ToString(), l.Output.ToString(), Output.Number(l.Ops.Value / 1e6), l.Parameters.ToString(CultureInfo.InvariantCulture), Markup.Escape(l.Detail));
            }

            console.Write(layers);
        }

        Output.Notes(console, "Warnings", import.Warnings);
        return 0;
    }
}

/// <summary><c>wpt models export ID</c>: a catalog network as a runnable ONNX file with random weights.</summary>
public sealed class ExportModelCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<ExportModelCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<ID>")]
        [Description("A catalog network (wpt models lists them).")]
        public string Id { get; init; } = string.Empty;

        [CommandOption("--input <WxH>")]
        [Description("Input size, width x height. Default: the network's reference size.")]
        public string? Input { get; init; }

        [CommandOption("-o|--output <FILE>")]
        [Description("Where to write the model. Default: <id>-<W>x<H>.onnx in the current directory.")]
        public string? OutputPath { get; init; }

        [CommandOption("--force")]
        [Description("Replace an existing file of the default name; a file named with -o is always replaced.")]
        public bool Force { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of the random weights. Default 1.")]
        [DefaultValue(1)]
        public int Seed { get; init; } = 1;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (catalog.ResolveModel(settings.Id) is not GraphCatalogModel { Model: var model })
        {
            throw new InvalidInputException($"'{settings.Id}' is a language model; 'wpt models export' writes networks to ONNX. Use 'wpt models synth {settings.Id}' for a GGUF file.");
        }

        var (width, height) = settings.Input is null ? (model.DefaultWidth, model.DefaultHeight) : Parsing.Size(settings.Input, "--input");
        var (w, h) = model.AlignedSize(width, height);
        var path = OutputFiles.Choose(settings.OutputPath, $"{model.Id}-{w}x{h}.onnx", settings.Force);
        var summary = OnnxExporter.Export(model.Build(width, height), path, settings.Seed);
        console.MarkupLine($"Wrote [bold]{Markup.Escape(Path.GetFullPath(path))}[/]: {Markup.Escape(model.Name)} at {summary.Input}, {summary.Nodes} nodes, {Output.Number(summary.Parameters / 1e6)} M parameters (random, seed {settings.Seed}), opset {OnnxExporter.Opset}.");
        console.MarkupLine($"Outputs: {Markup.Escape(string.Join(", ", summary.Outputs.Select(o => o.ToString())))}. Measure it with: wpt bench onnx {Markup.Escape(path)}");
        return 0;
    }
}
