using System.Globalization;
using Spectre.Console;
using WorkingPoint.Measurement;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Results;

namespace WorkingPoint.Cli;

/// <summary>How a run's verdict is printed after its results: one line per run, then each warning on its own line.</summary>
internal static class RunVerdictText
{
    /// <param name="runs">Each run's name (a scenario, a model) and verdict.</param>
    public static void Write(IAnsiConsole console, IEnumerable<(string Name, RunVerdict Verdict)> runs)
    {
        var list = runs.ToList();
        if (list.Count == 0)
        {
            return;
        }

        console.MarkupLine($"Run rules: {Markup.Escape(list[0].Verdict.Rules)}.");
        foreach (var (name, verdict) in list)
        {
            var mark = verdict.Validity == Validity.Valid ? $"[green]{Markup.Escape(verdict.Summary)}[/]" : $"[red]{Markup.Escape(verdict.Summary)}[/]";
            console.MarkupLine($"  {Markup.Escape(name)}: {mark}");
            console.MarkupLine($"    [grey]{Markup.Escape(Figures(verdict))}[/]");
        }

        foreach (var (name, verdict) in list)
        {
            foreach (var warning in verdict.Warnings)
            {
                console.MarkupLine($"[yellow]Warning:[/] {Markup.Escape(name)}: {Markup.Escape(warning)}");
            }
        }
    }

    private static string Figures(RunVerdict verdict)
    {
        var parts = new List<string>();
        if (verdict.EarlyStoppingPercentile is { } percentile)
        {
            var p = percentile.ToString("0.##", CultureInfo.InvariantCulture);
            parts.Add(verdict.EarlyStoppingEstimateMs is { } ms ? $"early-stopping p{p} {Output.Number(ms)} ms" : $"no early-stopping p{p} estimate");
        }

        parts.Add(verdict.VariationPercent is { } cv ? $"variation {Output.Number(cv, 2)} %" : "variation: too few samples");
        parts.Add(verdict.Contention is { } load ? load.ToString() : $"other CPU load {CpuContention.NotMeasurable}");
        return string.Join("; ", parts);
    }
}
