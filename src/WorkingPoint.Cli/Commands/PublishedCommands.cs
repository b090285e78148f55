using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Core;
using WorkingPoint.Core.Files;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Evaluation.Calibration;
using WorkingPoint.Evaluation.Published;
using WorkingPoint.Results;

namespace WorkingPoint.Cli.Commands;

/// <summary>The option every command over the published dataset has: another folder of CSV files instead of the built-in one.</summary>
public class PublishedDataSettings : JsonSettings
{
    [CommandOption("--data <DIR>")]
    [Description("A folder of published-results CSV files to use instead of the built-in dataset (docs/published.md).")]
    public string? Data { get; init; }

    public PublishedDataset Dataset()
    {
        var dataset = Data is null ? PublishedDataset.BuiltIn : PublishedDataset.Load(Data);
        return dataset.Rows.Count > 0
            ? dataset
            : throw new InvalidInputException("The built-in published dataset has no rows in this build; pass --data DIR with the CSV files (data/published in the repository).");
    }
}

/// <summary><c>wpt published</c>: the published measurements beside the prediction, with the error.</summary>
public sealed class PublishedCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<PublishedCommand.Settings>
{
    public sealed class Settings : PublishedDataSettings
    {
        [CommandOption("-p|--platform <ID>")]
        [Description("Only the rows of this platform.")]
        public string? Platform { get; init; }

        [CommandOption("-r|--runtime <ID>")]
        [Description("Only the rows of this runtime (llama.cpp-metal, mlc-llm, hailort, tensorrt, …).")]
        public string? Runtime { get; init; }

        [CommandOption("-m|--model <ID>")]
        [Description("Only the rows of this model.")]
        public string? Model { get; init; }

        [CommandOption("--metric <ID>")]
        [Description("Only the rows of this metric: tg_tok_s, pp_tok_s, ttft_ms, fps, latency_ms, offline_samples_s or singlestream_p90_ms.")]
        public string? Metric { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var answer = PublishedComparison.Compare(settings.Dataset(), catalog, new PublishedFilter(settings.Platform, settings.Runtime, settings.Model, settings.Metric));
        if (settings.Json)
        {
            Output.Json(console, answer, records: answer.Rows);
            return 0;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Published measurements and the prediction[/]");
        foreach (var column in new[] { "Id", "Platform", "Model", "Weights", "Runtime", "Metric", "Setting", "Measured", "Predicted", "Error" })
        {
            table.AddColumn(column);
        }

        foreach (var r in answer.Rows)
        {
            table.AddRow(
                Markup.Escape(r.Id),
                Markup.Escape(r.Platform),
                Markup.Escape(r.Model),
                Markup.Escape(PrecisionExtensions.TryParse(r.Weights, out var asked) && r.ExecutedPrecision is { } ran && ran != asked.ToId() ? $"{r.Weights} (as {ran})" : r.Weights),
                Markup.Escape(r.RanOn is { } on && on.Contains('+', StringComparison.Ordinal) ? $"{r.Runtime} ({on})" : r.Unit is null ? r.Runtime : $"{r.Runtime} ({r.Unit})"),
                Markup.Escape($"{r.Metric} ({r.MetricUnit})"),
                Markup.Escape(r.Setting),
                Output.Number(r.Measured),
                Output.Number(r.Predicted),
                CalibrationText.Signed(r.ErrorPercent));
        }

        if (answer.Rows.Count > 0)
        {
            console.Write(table);
            console.MarkupLine(Markup.Escape($"Median |error| {CalibrationText.Percent(answer.Error.MedianAbsErrorPercent)} (90th percentile {CalibrationText.Percent(answer.Error.P90AbsErrorPercent)}) over {answer.Rows.Count} rows; error = predicted / measured − 1."));
        }
        else
        {
            console.MarkupLine("No published row matches these filters and can be predicted.");
        }

        Output.Notes(console, "Not predictable", answer.NotPredictable);
        return 0;
    }
}

/// <summary><c>wpt calibrate</c>: runtime parameters fitted to the published dataset, cross-validated, optionally written out.</summary>
public sealed class CalibrateCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<CalibrateCommand.Settings>
{
    public sealed class Settings : PublishedDataSettings
    {
        [CommandOption("-o|--output <DIR>")]
        [Description("Write each calibrated runtime as a runtime file (RUNTIME.yaml, as in catalog/runtimes) with the fit's provenance (rows, residuals, errors, date, command) in this folder.")]
        public string? OutputDirectory { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        // Refused before the fit, which takes a while: an output folder that is a file.
        if (settings.OutputDirectory is { } outputDirectory && File.Exists(outputDirectory))
        {
            throw new InvalidInputException($"-o '{outputDirectory}' is a file; give a folder for the fitted runtime profiles.");
        }

        var dataset = settings.Dataset();
        var resolved = PublishedCases.Resolve(dataset.Rows, catalog);
        var report = Output.WithStatus(console, $"Fitting {resolved.Cases.Count} published rows", () => PublishedCalibration.RunWithRuntimeProfiles(resolved.Cases));
        var answer = CalibrationAnswer.From(dataset.Origin, "runtime profiles (decodeDramShare, prefillComputeShare, networkComputeShare, layerOverheadUs, inferenceOverheadUs, channelAlignment; harnessOverheadUs where a harness pays it; winogradSpeedup where a runtime has it)", report, resolved.NotPredictable);
        var fitted = PublishedCalibration.FittedRuntimes(report);

        if (settings.OutputDirectory is { } directory)
        {
            Directory.CreateDirectory(directory);
            var command = "wpt calibrate" + (settings.Data is null ? string.Empty : $" --data {settings.Data}") + $" -o {directory}";
            var date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            foreach (var group in answer.Groups)
            {
                var path = Path.Combine(directory, FittedProfileFile.FileName(group));
                AtomicFile.WriteAllText(path, FittedProfileFile.Yaml(fitted[group.Group], group, dataset.Origin, date, command));
                if (!settings.Json)
                {
                    OutputFiles.SayWrote(console, path, $"{group.Group}'s profile");
                }
            }
        }

        if (settings.Json)
        {
            Output.Json(console, answer, records: answer.Groups);
            return 0;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Runtime parameters fitted to the published dataset[/]");
        foreach (var column in new[] { "Runtime", "Rows", "Parameters (before → after)", "Median |error| in sample (before → after)", "Leave one model out", "Leave one platform out", "Error band" })
        {
            table.AddColumn(column);
        }

        foreach (var g in answer.Groups)
        {
            table.AddRow(
                Markup.Escape(g.Group),
                g.Rows.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(g.Fitted
                    ? string.Join('\n', g.Parameters.Select(p => p.KeptAtPrior ? $"{p.Name} {Output.Number(p.Before)} (kept: no row bears on it)" : $"{p.Name} {Output.Number(p.Before)} → {Output.Number(p.After)}"))
                    : $"{g.NotFittedReason}: prior kept"),
                Markup.Escape($"{CalibrationText.Percent(g.Prior.MedianAbsErrorPercent)} → {CalibrationText.Percent(g.InSample.MedianAbsErrorPercent)}"),
                Markup.Escape(CalibrationText.Percent(g.LeaveOneModelOut.MedianAbsErrorPercent)),
                Markup.Escape(CalibrationText.Percent(g.LeaveOnePlatformOut.MedianAbsErrorPercent)),
                Markup.Escape(g.ErrorBand));
        }

        table.AddRow(
            "[bold]all[/]",
            answer.InSample.Rows.ToString(CultureInfo.InvariantCulture),
            string.Empty,
            Markup.Escape($"{CalibrationText.Percent(answer.Prior.MedianAbsErrorPercent)} → {CalibrationText.Percent(answer.InSample.MedianAbsErrorPercent)}"),
            Markup.Escape(CalibrationText.Percent(answer.LeaveOneModelOut.MedianAbsErrorPercent)),
            Markup.Escape(CalibrationText.Percent(answer.LeaveOnePlatformOut.MedianAbsErrorPercent)),
            string.Empty);
        console.Write(table);
        console.MarkupLine(Markup.Escape($"Fitted: {answer.Parameters}, per runtime on its own rows, by least squares on log(predicted / measured); a parameter no row bears on keeps its value. Held out: each model's (each platform's) rows predicted by a fit without them."));
        if (settings.OutputDirectory is null)
        {
            console.MarkupLine("Pass -o DIR to write the calibrated runtime files with their provenance (-o catalog/runtimes replaces the catalog's).");
        }

        Output.Notes(console, "Not predictable", answer.NotPredictable);
        return 0;
    }
}

internal static class CalibrationText
{
    public static string Percent(double? percent) => percent is { } p ? $"{Output.Number(p, 2)} %" : "–";

    /// <summary>"+12 %" or "−35 %": the sign says whether the prediction is too high or too low.</summary>
    public static string Signed(double percent) => (percent >= 0 ? "+" : "−") + Output.Number(Math.Abs(percent), 2) + " %";
}
