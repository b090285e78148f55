using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;

namespace WorkingPoint.Cli.Commands;

public sealed class CompareCommand(IAnsiConsole console) : Command<CompareCommand.Settings>
{
    public sealed class Settings : WorkingPointSettings
    {
        [CommandOption("-m|--model <ID>")]
        [Description("Model id or path to a model YAML file.")]
        public string Model { get; init; } = string.Empty;

        [CommandOption("--platforms <LIST>")]
        [Description("Comma-separated platform ids or YAML paths, or 'all' (default).")]
        public string? Platforms { get; init; }

        [CommandOption("--sort <KEY>")]
        [Description("throughput (default), latency, perf-per-watt, perf-per-dollar, power, price or id.")]
        public string Sort { get; init; } = "throughput";

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("--model is required.")
            : !SortKeys.Contains(Sort) ? ValidationResult.Error($"--sort must be one of {string.Join(", ", SortKeys)}; got '{Sort}'.")
            : ValidationResult.Success();
    }

    private static readonly string[] SortKeys = ["throughput", "latency", "perf-per-watt", "perf-per-dollar", "power", "price", "id"];

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var catalog = WorkingPoint.Catalog.Catalog.BuiltIn;
        var model = catalog.ResolveModel(settings.Model);
        var platforms = catalog.ResolvePlatforms(settings.Platforms);
        var rows = new List<PredictionJson>();
        var skipped = new List<string>();
        foreach (var platform in platforms)
        {
            try
            {
                rows.Add(PredictionJson.From(Predictions.Predict(model, platform, settings.ToRequest(platform))));
            }
            catch (MissingFigureException ex) when (settings.Platforms is null or "all")
            {
                skipped.Add($"{platform.Id}: {ex.Message}");
            }
        }

        rows = Sorted(rows, settings.Sort);
        if (settings.Json)
        {
            Output.Json(console, new { model = model.Id, sortedBy = settings.Sort, rows, skipped });
            return 0;
        }

        var unit = rows.FirstOrDefault()?.ThroughputUnit ?? "";
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(model.Id)} across platforms (sorted by {settings.Sort})[/]");
        foreach (var c in new[] { "Platform", unit, model is LlmCatalogModel ? "TTFT" : "Latency", "Bottleneck", "Power", $"{unit}/W", "Price", $"{unit}/$", "Fits" })
        {
            table.AddColumn(new TableColumn(Markup.Escape(c)));
        }

        foreach (var r in rows)
        {
            var latency = r.Llm is { } l ? l.TtftMs : r.Graph!.LatencyMs;
            table.AddRow(
                Markup.Escape(r.Platform),
                Output.Number(r.Throughput),
                $"{Output.Number(latency)} ms",
                r.Bottleneck,
                Output.Power(r.AveragePowerW),
                Output.OrUnknown(r.ThroughputPerWatt, v => Output.Number(v)),
                Output.OrUnknown(r.PriceUsd, v => $"${Output.Number(v)}"),
                Output.OrUnknown(r.ThroughputPerDollar, v => Output.Number(v)),
                r.Fits ? "[green]yes[/]" : "[red]no[/]");
        }

        console.Write(table);
        Output.Notes(console, "Not predicted", skipped);
        return 0;
    }

    private static List<PredictionJson> Sorted(List<PredictionJson> rows, string key) => key switch
    {
        "latency" => rows.OrderBy(r => r.Llm?.TtftMs ?? r.Graph!.LatencyMs).ToList(),
        "perf-per-watt" => rows.OrderByDescending(r => r.ThroughputPerWatt ?? double.MinValue).ToList(),
        "perf-per-dollar" => rows.OrderByDescending(r => r.ThroughputPerDollar ?? double.MinValue).ToList(),
        "power" => rows.OrderBy(r => r.AveragePowerW ?? double.MaxValue).ToList(),
        "price" => rows.OrderBy(r => r.PriceUsd ?? double.MaxValue).ToList(),
        "id" => rows.OrderBy(r => r.Platform, StringComparer.Ordinal).ToList(),
        _ => rows.OrderByDescending(r => r.Fits).ThenByDescending(r => r.Throughput).ToList(),
    };
}
