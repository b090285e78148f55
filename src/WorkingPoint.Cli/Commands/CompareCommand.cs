using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Evaluation;

namespace WorkingPoint.Cli.Commands;

public sealed class CompareCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<CompareCommand.Settings>
{
    public sealed class Settings : WorkingPointSettings
    {
        [CommandOption("-m|--model <ID>")]
        [Description("Model id or path to a model YAML file.")]
        public string Model { get; init; } = string.Empty;

        [CommandOption("-p|--platform|--platforms <LIST>")]
        [Description("Comma-separated platform ids or YAML paths, or 'all' (default). Also --platforms.")]
        public string? Platforms { get; init; }

        [CommandOption("--sort <KEY>")]
        [Description("throughput (default), latency, perf-per-watt, perf-per-dollar, power, price or id.")]
        public string Sort { get; init; } = "throughput";

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("--model is required.")
            : !SortKeys.Contains(Sort) ? ValidationResult.Error($"--sort must be one of {string.Join(", ", SortKeys)}; got '{Sort}'.")
            : ValidationResult.Success();
    }

    private static readonly IReadOnlyList<string> SortKeys = PlatformComparison.SortKeys;

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var model = catalog.ResolveModel(settings.Model);
        settings.RequireWithinContext(model);
        var answer = PlatformComparison.Compare(catalog, model, settings.Platforms, _ => settings.ToRequest(catalog), settings.Sort);
        var (rows, skipped) = (answer.Rows, answer.Skipped);
        if (settings.Json)
        {
            Output.Json(console, answer, records: answer.Rows);
            return 0;
        }

        var unit = rows.Count > 0 ? rows[0].ThroughputUnit : "";
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(model.Id)} across platforms (sorted by {settings.Sort})[/]");
        foreach (var c in new[] { "Platform", unit, "±", model is LlmCatalogModel ? "TTFT" : "Latency", "Bottleneck", "Power", $"{unit}/W", "Price", $"{unit}/$", "Fits" })
        {
            table.AddColumn(new TableColumn(Markup.Escape(c)));
        }

        foreach (var r in rows)
        {
            var latency = r.Llm is { } l ? l.TtftMs : r.Graph!.LatencyMs;
            table.AddRow(
                Markup.Escape(r.Platform),
                Output.Number(r.Throughput),
                r.Uncertainty[0].PlusMinusPercent is { } band ? $"{Output.Number(band, 2)} %" : "?",
                $"{Output.Number(latency)} ms",
                r.Bottleneck,
                (r.AveragePowerIsLowerBound ? "≥ " : string.Empty) + Output.Power(r.AveragePowerW),
                Output.OrUnknown(r.ThroughputPerWatt, v => (r.AveragePowerIsLowerBound ? "≤ " : string.Empty) + Output.Number(v)),
                Output.OrUnknown(r.PriceUsd, v => $"${Output.Number(v)}"),
                Output.OrUnknown(r.ThroughputPerDollar, v => Output.Number(v)),
                r.Fits ? "[green]yes[/]" : "[red]no[/]");
        }

        console.Write(table);
        Output.Notes(console, "Error band", [$"±: the {(model is LlmCatalogModel ? "decode" : "network")} prediction's error band from its runtime's cross-validated residuals (wpt calibrate); ?: uncalibrated, datasheet only."]);
        Output.Notes(console, "Not predicted", skipped);
        return 0;
    }
}
