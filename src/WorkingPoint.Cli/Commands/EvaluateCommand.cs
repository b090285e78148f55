using WorkingPoint.Core.Units;
using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Catalog.UseCases;
using WorkingPoint.Evaluation.UseCases;

namespace WorkingPoint.Cli.Commands;

/// <summary><c>wpt evaluate USECASE.yaml</c>: the use case scheduled on every platform, judged, ranked and explained.</summary>
public sealed class EvaluateCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<EvaluateCommand.Settings>
{
    public sealed class Settings : JsonSettings
    {
        [CommandArgument(0, "<USECASE>")]
        [Description("A use-case YAML file (docs/usecase-schema.md; examples/smart-camera.yaml and others).")]
        public string UseCase { get; init; } = string.Empty;

        [CommandOption("-p|--platform|--platforms <LIST>")]
        [Description("Comma-separated platform ids or YAML paths, or 'all' (default: every catalog platform with figures). Also --platforms.")]
        public string? Platforms { get; init; }

        [CommandOption("--runtime <ID>")]
        [Description("Runtime for every workload of the kind it runs that names none in the use case (wpt runtimes lists them). Default: each platform's usual runtimes.")]
        public string? Runtime { get; init; }

        [CommandOption("--no-sensitivity")]
        [Description("Skip the search for single changes that would make infeasible platforms feasible.")]
        public bool NoSensitivity { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var useCase = UseCaseYaml.Load(settings.UseCase, catalog);
        var report = new UseCaseEvaluator(catalog).Evaluate(useCase, catalog.ResolvePlatforms(settings.Platforms), !settings.NoSensitivity, settings.Runtime is null ? null : catalog.ResolveRuntime(settings.Runtime));
        if (settings.Json)
        {
            Output.Json(console, UseCaseJson.Of(report));
            return 0;
        }

        UseCaseText.Render(console, report);
        return 0;
    }
}

/// <summary>The evaluation as terminal tables: verdicts, workloads together, score, ranking, Pareto front, sensitivity.</summary>
internal static class UseCaseText
{
    public static void Render(IAnsiConsole console, UseCaseReport report)
    {
        var u = report.UseCase;
        console.MarkupLine($"[bold]{Markup.Escape(u.Name)}[/]{(u.Description is null ? string.Empty : " — " + Markup.Escape(u.Description))}");
        console.MarkupLine(Markup.Escape(string.Join("; ", u.Workloads.Select(Describe))));

        var verdicts = new Table().Border(TableBorder.Rounded).Title("[bold]Verdict per platform[/] (all workloads together)");
        foreach (var column in new[] { "Platform", "Verdict", "Binds", "Load", "Headroom", "Avg power", "Energy/day", "Cost", "Score", "Peak" })
        {
            verdicts.AddColumn(new TableColumn(column) { Alignment = column is "Platform" or "Verdict" or "Binds" ? Justify.Left : Justify.Right, NoWrap = column is "Platform" });
        }

        var ordered = report.Platforms.OrderBy(e => e.Verdict).ThenByDescending(e => e.Score?.WorkingPoint ?? -1).ToArray();
        foreach (var e in ordered)
        {
            var verdict = e.Verdict switch { Verdict.Meets => "[green]meets[/]", Verdict.Marginal => "[yellow]marginal[/]", Verdict.Fails => "[red]fails[/]", _ => "[grey]unknown[/]" };
            verdicts.AddRow(
                Markup.Escape(e.Platform.Id),
                verdict,
                e.Predicted ? Short(e.Binding) : "–",
                e.Predicted ? $"{e.Utilization[e.Binding]:P0}" : "–",
                e.Predicted && double.IsFinite(e.Headroom) ? $"×{e.Headroom:0.##}" : "–",
                Output.Power(e.AveragePowerW),
                Output.OrUnknown(e.EnergyPerDayWh, wh => PowerText.WattHours(wh)),
                e.CostUsd is { } c ? $"${c:0}" : "?",
                e.Score is { } s ? Output.Number(s.WorkingPoint) : "–",
                e.Score is { } p ? Output.Number(p.Peak) : "–");
        }

        console.Write(verdicts);
        Output.Notes(console, "Why", ordered.Select(e => $"{e.Platform.Id}: {e.Reason}{(e.Violations.Count > 1 ? $" (+{e.Violations.Count - 1} more)" : string.Empty)}"));

        var workloads = new Table().Border(TableBorder.Rounded).Title("[bold]Each workload with the others running[/] (target in brackets)");
        foreach (var column in new[] { "Platform", "Workload", "Rate", "Latency / TTFT", "Share", "Met" })
        {
            workloads.AddColumn(new TableColumn(column) { Alignment = column is "Platform" or "Workload" or "Met" ? Justify.Left : Justify.Right });
        }

        foreach (var e in report.Platforms.Where(e => e.Predicted).OrderBy(e => e.Verdict).ThenByDescending(e => e.Score?.WorkingPoint ?? -1))
        {
            foreach (var o in e.Workloads)
            {
                workloads.AddRow(
                    Markup.Escape(e.Platform.Id),
                    Markup.Escape($"{o.Id} ({o.ModelId} {o.Weights})"),
                    $"{Output.Number(o.Rate)} {o.RateUnit}{Band(o.RateUncertainty)}{(o.TargetRate is { } t ? $" ({Output.Number(t)})" : string.Empty)}",
                    $"{Output.Number(o.LatencyMs)} ms{Band(o.LatencyUncertainty)}{(o.TargetLatencyMs is { } l ? $" ({Output.Number(l)})" : string.Empty)}",
                    $"{o.Share:P0}",
                    !o.TargetsMet ? "[red]no[/]" : o.Marginal.Count > 0 ? "[yellow]marginal[/]" : "[green]yes[/]");
            }
        }

        console.Write(workloads);

        if (report.Ranking.Count > 0)
        {
            var p = u.Priorities.Normalized();
            var ranking = new Table().Border(TableBorder.Rounded).Title($"[bold]Ranking of the feasible set[/] (performance {p.Performance:P0}, power {p.Power:P0}, cost {p.Cost:P0}; 1 = best of the set)");
            foreach (var column in new[] { "#", "Platform", "Verdict", "Score", "Performance", "Power", "Cost", "Pareto" })
            {
                ranking.AddColumn(new TableColumn(column) { Alignment = column is "Platform" or "Verdict" or "Pareto" ? Justify.Left : Justify.Right });
            }

            foreach (var r in report.Ranking)
            {
                ranking.AddRow(r.Rank.ToString(CultureInfo.InvariantCulture), Markup.Escape(r.Evaluation.Platform.Id), r.Evaluation.Verdict == Verdict.Marginal ? "[yellow]marginal[/]" : "[green]meets[/]", $"{r.Score:0.00}", $"{r.PerformanceAxis:0.00}", $"{r.PowerAxis:0.00}", $"{r.CostAxis:0.00}", report.ParetoFront.Contains(r.Evaluation) ? "yes" : string.Empty);
            }

            console.Write(ranking);
        }
        else
        {
            console.MarkupLine("[yellow]No platform meets every target and constraint.[/] The sensitivity below says what single change would help.");
        }

        Output.Notes(console, "Sensitivity (single changes that make an infeasible platform feasible)", report.Sensitivity.Select(s => $"{s.PlatformId}: {s.Effect}"));
        Output.Notes(console, "Score", [$"Composite score: {u.ReferencePlatform} = 100; per workload performance ÷ the reference's, weighted geometric mean per category, then across categories (weights from the use case). 'Peak' is the same at datasheet conditions (networks at batch 8 at their reference size, LLMs at a 128-token prompt)."]);
        Output.Notes(console, "Assumptions", report.Assumptions);
    }

    /// <summary>" ±19 %" after a figure whose runtime has a band; nothing for an uncalibrated one.</summary>
    private static string Band(WorkingPoint.Evaluation.Uncertainty u) => u.Band is { } b ? $" ±{Output.Number(b.PlusMinusPercent, 2)} %" : string.Empty;

    private static string Short(WorkingPoint.Core.Analysis.Resource resource) => resource switch
    {
        WorkingPoint.Core.Analysis.Resource.Compute => "compute",
        WorkingPoint.Core.Analysis.Resource.Dram => "DRAM",
        WorkingPoint.Core.Analysis.Resource.OnChip => "on-chip",
        _ => "link",
    };

    internal static string Describe(UseCaseWorkload w) => w.Arrival == ArrivalKind.Frames
        ? $"{w.Id}: {w.Model.Id} at {string.Join(" / ", w.Inputs.Select(i => i.Share < 1 ? $"{i} ({i.Share:P0})" : i.ToString()))}, {w.FramesPerSecond:0.##} FPS{(w.Duty < 1 ? $" on {w.Duty:P0} of frames" : string.Empty)}"
        : $"{w.Id}: {w.Model.Id}, {w.RequestsPerHour:0.##} requests/h of {w.Request.PromptTokens}{(w.Request.Images > 0 ? $" + {w.Request.Images} image" : string.Empty)} → {w.Request.GeneratedTokens} tokens";
}

/// <summary><c>wpt report USECASE.yaml -o report.html</c>: the evaluation as a self-contained HTML file, Markdown or JSON.</summary>
public sealed class ReportCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<ReportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<USECASE>")]
        [Description("A use-case YAML file (docs/usecase-schema.md).")]
        public string UseCase { get; init; } = string.Empty;

        [CommandOption("-o|--output <FILE>")]
        [Description("report.html (default: the use case's file name with .html), .md or .json.")]
        public string? Output { get; init; }

        [CommandOption("-p|--platform|--platforms <LIST>")]
        [Description("Comma-separated platform ids or YAML paths, or 'all' (default). Also --platforms.")]
        public string? Platforms { get; init; }

        [CommandOption("--runtime <ID>")]
        [Description("Runtime for every workload of the kind it runs that names none in the use case (wpt runtimes lists them). Default: each platform's usual runtimes.")]
        public string? Runtime { get; init; }

        [CommandOption("--force")]
        [Description("Replace an existing file of the default name; a file named with -o is always replaced.")]
        public bool Force { get; init; }

        [CommandOption("--db <PATH>")]
        [Description("Results database whose newest 'wpt bench usecase' result of this use case is shown as 'Measured on this machine'. Default: $WPT_RESULTS_DB, else results.db in the data directory.")]
        public string? Db { get; init; }

        public override ValidationResult Validate() =>
            Output is not null && !WorkingPoint.Reporting.Html.UseCaseReportWriter.SupportedExtensions.Contains(Path.GetExtension(Output).ToLowerInvariant())
                ? ValidationResult.Error($"-o must end in .html, .md or .json, got '{Output}'.")
                : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var useCase = UseCaseYaml.Load(settings.UseCase, catalog);
        var output = OutputFiles.Choose(settings.Output, Path.ChangeExtension(Path.GetFileName(settings.UseCase), ".html"), settings.Force);
        Output.ExistingDirectoryOf(output);

        var report = Output.WithStatus(console, $"Evaluating {useCase.Name}…", () => new UseCaseEvaluator(catalog).Evaluate(useCase, catalog.ResolvePlatforms(settings.Platforms), runtime: settings.Runtime is null ? null : catalog.ResolveRuntime(settings.Runtime)));
        Output.WithStatus<object?>(console, $"Writing {output}…", () =>
        {
            WorkingPoint.Reporting.Html.UseCaseReportWriter.Write(report, output, WptBuild.Current, BenchUseCaseCommand.LatestMeasured(settings.Db, useCase.Name));
            return null;
        });
        console.MarkupLine($"Wrote [bold]{Markup.Escape(Path.GetFullPath(output))}[/]: {report.Feasible.Count} of {report.Platforms.Count} platforms meet {Markup.Escape(useCase.Name)}{(report.Ranking.Count > 0 ? $"; best by the stated priorities: {Markup.Escape(report.Ranking[0].Evaluation.Platform.Id)}" : string.Empty)}.");
        return 0;
    }
}
