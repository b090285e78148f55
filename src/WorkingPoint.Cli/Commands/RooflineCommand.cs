using WorkingPoint.Core;
using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Reporting.ScottPlot;
using WorkingPoint.Evaluation;

namespace WorkingPoint.Cli.Commands;

public sealed class RooflineCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<RooflineCommand.Settings>
{
    public sealed class Settings : WorkingPointSettings
    {
        [CommandOption("-p|--platform|--platforms <LIST>")]
        [Description("One or more platform ids or YAML paths, comma-separated. Also --platforms.")]
        public string Platform { get; init; } = string.Empty;

        [CommandOption("-m|--model|--models <LIST>")]
        [Description("One or more model ids, comma-separated; each is placed on the roofline (LLMs as a prefill and a decode point). Also --models.")]
        public string Model { get; init; } = string.Empty;

        [CommandOption("-o|--output <FILE>")]
        [Description("Output file, .png or .svg. Default roofline.png in the current directory.")]
        public string? OutputPath { get; init; }

        [CommandOption("--force")]
        [Description("Replace an existing file of the default name; a file named with -o is always replaced.")]
        public bool Force { get; init; }

        [CommandOption("--layers")]
        [Description("Place every layer of the (single) network instead of the whole network.")]
        public bool Layers { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Platform) ? ValidationResult.Error("--platform is required.")
            : string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("--model is required.")
            : OutputPath is not null && !RooflinePlotter.SupportedExtensions.Contains(Path.GetExtension(OutputPath).ToLowerInvariant()) ? ValidationResult.Error($"--output must end in .png or .svg, got '{OutputPath}'.")
            : ValidationResult.Success();
    }

    private const string DefaultOutput = "roofline.png";

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var output = OutputFiles.Choose(settings.OutputPath, DefaultOutput, settings.Force);
        var platforms = catalog.ResolvePlatforms(settings.Platform);
        var models = settings.Model.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(catalog.ResolveModel).ToArray();
        Array.ForEach(models, settings.RequireWithinContext);
        if (settings.Layers && (models.Length != 1 || models[0] is not GraphCatalogModel))
        {
            throw new InvalidInputException("--layers places the layers of one network; give a single network with --model (e.g. yolov8s).");
        }

        var charts = new List<RooflineChart>();
        foreach (var platform in platforms)
        {
            var request = settings.ToRequest(catalog);
            // The ceilings drawn are those of the unit the first model's runtime uses (each point is predicted with its own runtime).
            var ceilings = Predictions.CeilingsFor(models[0], platform, request).RequireComputeAndMemory();
            var points = new List<RooflinePoint>();
            foreach (var model in models)
            {
                points.AddRange(PointsFor(model, Predictions.Predict(model, platform, request), ceilings, request, settings.Layers));
            }

            var (compute, bandwidth) = RooflineChart.CeilingsOf(ceilings, points.Select(p => p.Precision));
            charts.Add(new RooflineChart($"{platform.Name}", compute, bandwidth, points));
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(output))!;
        Directory.CreateDirectory(directory);
        new RooflinePlotter().Save(charts, output);
        if (settings.Json)
        {
            Output.Json(console, new { output = Path.GetFullPath(output), charts });
            return 0;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Points on the roofline[/]");
        foreach (var c in new[] { "Platform", "Workload", "op/B (off-chip)", "Achieved TOPS", "Bound by" })
        {
            table.AddColumn(c);
        }

        foreach (var chart in charts)
        {
            foreach (var p in chart.Points.Take(40))
            {
                table.AddRow(Markup.Escape(chart.Title), Markup.Escape(p.Label), double.IsInfinity(p.OpsPerByte) ? "∞" : Output.Number(p.OpsPerByte), Output.Number(p.AchievedOpsPerSecond / 1e12), p.Binding);
            }
        }

        console.Write(table);
        OutputFiles.SayWrote(console, output);
        return 0;
    }

    private static IEnumerable<RooflinePoint> PointsFor(CatalogModel model, ModelPrediction prediction, Ceilings c, PredictionRequest request, bool layers)
    {
        switch (prediction)
        {
            case LlmModelPrediction llm:
                var scenario = request.Generation ?? new LlmScenario();
                var workload = new LlmWorkload(((LlmCatalogModel)model).Architecture, request.WeightsFor(model), request.KvCache ?? KvCacheFormat.F16);
                var prefill = LlmPredictor.PrefillPass(workload, c, llm.Result.PromptTokensWithImages, scenario.Batch, scenario.PrefillChunkTokens);
                var decode = LlmPredictor.DecodeStep(workload, c, llm.Result.PromptTokensWithImages + (scenario.GeneratedTokens / 2.0), scenario.Batch);
                if (prefill.Ops > 0)
                {
                    yield return Point($"{model.Id} prefill", prefill, workload.ComputePrecision);
                }

                yield return Point($"{model.Id} decode", decode, workload.ComputePrecision);
                break;
            case GraphModelPrediction graph when layers:
                var built = ((GraphCatalogModel)model).Model.Build((int)graph.Result.Input[3], (int)graph.Result.Input[2]);
                foreach (var layer in graph.Result.Layers.Where(l => l.Cost.Ops > 0))
                {
                    yield return new RooflinePoint(built.Layers[layer.Index].Name, layer.OffChipIntensity, layer.Cost.Ops / layer.Seconds, layer.Binding.ToId(), request.WeightsFor(model).ComputePrecision);
                }

                break;
            case GraphModelPrediction graph:
                yield return new RooflinePoint(model.Id, graph.Result.OffChipIntensity, graph.Result.AchievedOpsPerSecond, graph.Result.Bottleneck.ToId(), request.WeightsFor(model).ComputePrecision);
                break;
        }
    }

    private static RooflinePoint Point(string label, StepCost cost, Precision precision) =>
        new(label, cost.Ops / Math.Max(cost.DramBytes + cost.HostLinkBytes, 1), cost.Ops / cost.Seconds, cost.Binding.ToId(), precision);
}
