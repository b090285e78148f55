using System.Globalization;
using System.Text;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Evaluation.Published;
using WorkingPoint.Results;

namespace WorkingPoint.Evaluation.Calibration;

/// <summary>One fitted parameter: its value before (the prior) and after the fit, and its bounds; <paramref name="KeptAtPrior"/> when no row bears on it.</summary>
public sealed record FittedParameterJson(string Name, double Before, double After, double Lower, double Upper, bool KeptAtPrior);

/// <summary>A row's error in sample and held out (leave one model out, leave one platform out), in percent.</summary>
public sealed record RowErrorJson(string Id, string Model, string Platform, string Metric, double Measured, double? PriorErrorPercent, double? FittedErrorPercent, double? LeaveOneModelOutErrorPercent, double? LeaveOnePlatformOutErrorPercent);

/// <summary>One runtime group calibrated (<c>wpt calibrate --json</c>, docs/json.md).</summary>
public sealed record GroupCalibrationJson(
    string Group,
    string Runtime,
    string? Unit,
    int Rows,
    bool Fitted,
    string? NotFittedReason,
    IReadOnlyList<FittedParameterJson> Parameters,
    ErrorSummary Prior,
    ErrorSummary InSample,
    ErrorSummary LeaveOneModelOut,
    ErrorSummary LeaveOnePlatformOut,
    string ErrorBand,
    IReadOnlyList<ErrorBandJson> ErrorBands,
    IReadOnlyList<RowErrorJson> RowErrors);

/// <summary>A runtime's band for one predicted quantity (decode, prefill, network): ±percent over the rows held out.</summary>
public sealed record ErrorBandJson(string Quantity, double PlusMinusPercent, int Rows, string Text)
{
    public static ErrorBandJson Of(PredictedQuantity quantity, ErrorBand band) => new(quantity.ToId(), band.PlusMinusPercent, band.Rows, band.ToString());
}

/// <summary><c>wpt calibrate --json</c>.</summary>
public sealed record CalibrationAnswer(
    string Dataset,
    string Parameters,
    IReadOnlyList<GroupCalibrationJson> Groups,
    ErrorSummary Prior,
    ErrorSummary InSample,
    ErrorSummary LeaveOneModelOut,
    ErrorSummary LeaveOnePlatformOut,
    IReadOnlyList<string> NotPredictable)
{
    public static CalibrationAnswer From(string dataset, string parameters, CalibrationReport<PublishedCase> report, IEnumerable<UnpredictableRow> notPredictable) => new(
        dataset,
        parameters,
        report.Groups.Select(Group).ToArray(),
        report.Prior,
        report.InSample,
        report.LeaveOneModelOut,
        report.LeaveOnePlatformOut,
        notPredictable.Select(u => u.ToString()).ToArray());

    private static GroupCalibrationJson Group(GroupCalibration<PublishedCase> g)
    {
        var runtime = g.Prior[0].Row.Runtime;
        var lomo = g.LeaveOneModelOut.ToDictionary(r => r.Row.Row.Id);
        var lopo = g.LeaveOnePlatformOut.ToDictionary(r => r.Row.Row.Id);
        return new GroupCalibrationJson(
            g.Group,
            runtime.Id,
            runtime.Unit.ToId(),
            g.Fit.Rows,
            g.Fit.Fitted,
            g.Fit.NotFittedReason,
            g.Space.Parameters.Select((p, i) => new FittedParameterJson(p.Name, p.Meaning(g.Fit.Prior[i]), p.Meaning(g.Fit.Parameters[i]), p.Meaning(p.Lower), p.Upper, g.Fit.KeptAtPrior.Contains(p.Name))).ToArray(),
            ErrorSummary.Of(g.Prior),
            ErrorSummary.Of(g.InSample),
            ErrorSummary.Of(g.LeaveOneModelOut),
            ErrorSummary.Of(g.LeaveOnePlatformOut),
            ErrorBand.Format(g.Band),
            g.BandsBy(r => r.Row.Metric.Quantity()).Select(b => ErrorBandJson.Of(b.Key, b.Value)).ToArray(),
            g.Prior.Select((r, i) => new RowErrorJson(
                r.Row.Row.Id, r.Row.Row.Model, r.Row.Row.Platform, r.Row.Row.Metric.Id(), r.Row.Measured,
                r.ErrorPercent, g.InSample[i].ErrorPercent, lomo[r.Row.Row.Id].ErrorPercent, lopo[r.Row.Row.Id].ErrorPercent)).ToArray());
    }
}

/// <summary>
/// A calibrated runtime as a runtime file (docs/runtime-schema.md) that <c>--runtime FILE</c> and catalog/runtimes read: the
/// fitted figures written as <c>{ value, fit }</c>, the others as they were; above it, as comments, the rest of the provenance:
/// the date, the command, the dataset, the errors, and every row's residual in sample and held out.
/// </summary>
public static class FittedProfileFile
{
    /// <summary>The runtime's id: <c>-o catalog/runtimes</c> replaces the catalog's files.</summary>
    public static string FileName(GroupCalibrationJson group) => $"{group.Runtime}.yaml";

    public static string Yaml(Runtime fitted, GroupCalibrationJson group, string dataset, string date, string command)
    {
        var text = new StringBuilder();
        text.Append("# yaml-language-server: $schema=../../schemas/runtime.schema.json\n");
        text.Append("# Written by wpt calibrate on ").Append(date).Append(": ").Append(command).Append(" (docs/model.md, Calibration and error bands).\n");
        text.Append("# Dataset: ").Append(dataset).Append("; ").Append(group.Rows).Append(" rows; error band ").Append(group.ErrorBand).Append(".\n");
        text.Append("# Median |error|: ").Append(Percent(group.Prior.MedianAbsErrorPercent)).Append(" before, ").Append(Percent(group.InSample.MedianAbsErrorPercent)).Append(" fitted, ")
            .Append(Percent(group.LeaveOneModelOut.MedianAbsErrorPercent)).Append(" leaving each model out, ").Append(Percent(group.LeaveOnePlatformOut.MedianAbsErrorPercent)).Append(" leaving each platform out.\n");
        text.Append("# Residuals, (predicted / measured - 1) x 100: fitted; with the row's model held out.\n");
        foreach (var r in group.RowErrors)
        {
            text.Append("#   ").Append(r.Id).Append(' ').Append(r.Model).Append(" on ").Append(r.Platform).Append(", ").Append(r.Metric).Append(' ').Append(Number(r.Measured))
                .Append(": ").Append(Signed(r.FittedErrorPercent)).Append("; ").Append(Signed(r.LeaveOneModelOutErrorPercent)).Append('\n');
        }

        text.Append("id: ").Append(fitted.Id).Append('\n');
        text.Append("name: ").Append(Quote(fitted.Name)).Append('\n');
        text.Append("unit: ").Append(fitted.Unit.ToId()).Append('\n');
        text.Append("runs: [").AppendJoin(", ", fitted.Runs.Select(k => k.ToId())).Append("]\n");
        if (fitted.Aliases.Count > 0)
        {
            text.Append("aliases: [").AppendJoin(", ", fitted.Aliases.Select(Quote)).Append("]\n");
        }

        if (fitted.Executes.Count > 0)
        {
            text.Append("executes: { ").AppendJoin(", ", fitted.Executes.Select(e => $"{e.Key.ToId()}: {e.Value.ToId()}")).Append(" }\n");
        }

        if (fitted.OfflineUnits.Count > 1)
        {
            text.Append("offlineUnits: [").AppendJoin(", ", fitted.OfflineUnits.Select(u => u.ToId())).Append("]\n");
        }

        if (fitted.FusesLayers)
        {
            text.Append("fusesLayers: true\n");
        }

        if (fitted.PartialWeightCaching)
        {
            text.Append("partialWeightCaching: true\n");
        }

        if (fitted.MultiContext)
        {
            text.Append("multiContext: true\n");
        }

        if (fitted.Harnesses.Count > 0)
        {
            text.Append("harnesses:\n");
            foreach (var h in fitted.Harnesses)
            {
                text.Append("  ").Append(h.Id).Append(": { name: ").Append(Quote(h.Name));
                if (h.CudaGraphs)
                {
                    text.Append(", cudaGraphs: true");
                }

                if (h.PaysHarnessOverhead)
                {
                    text.Append(", paysHarnessOverhead: true");
                }

                text.Append(", source: ").Append(h.Source).Append(" }\n");
            }
        }

        if (fitted.Notes is { } notes)
        {
            text.Append("notes: ").Append(Quote(notes)).Append('\n');
        }

        if (fitted.Provenance.References.Count > 0)
        {
            text.Append("sources:\n");
            foreach (var (key, reference) in fitted.Provenance.References)
            {
                text.Append("  ").Append(key).Append(": ").Append(Quote(reference)).Append('\n');
            }
        }

        var fit = $"wpt calibrate {date}: {group.Rows} published rows, leave-one-model-out median |error| {Percent(group.LeaveOneModelOut.MedianAbsErrorPercent)}, band {group.ErrorBand}";
        var profile = fitted.Profile;
        text.Append("profile:\n");
        text.Append("  origin: ").Append(Quote(group.Fitted ? $"wpt calibrate {date}" : profile.Origin)).Append('\n');
        var values = RuntimeProfileParameters.Vector(profile, RuntimeProfileParameters.HasHarnessOverhead(fitted));
        for (var i = 0; i < group.Parameters.Count; i++)
        {
            var p = group.Parameters[i];
            if (!RuntimeProfileParameters.Has(profile, p.Name))
            {
                // An opt-in parameter the runtime does not have stays out of its file.
                continue;
            }

            text.Append("  ").Append(p.Name).Append(": ");
            if (group.Fitted && !p.KeptAtPrior)
            {
                text.Append("{ value: ").Append(Number(values[i])).Append(", fit: ").Append(Quote(fit)).Append(", prior: ").Append(Number(p.Before)).Append(" }\n");
            }
            else
            {
                text.Append(AsBefore(fitted.Provenance, $"profile.{p.Name}", values[i], p.KeptAtPrior ? "no published row bears on it" : group.NotFittedReason)).Append('\n');
            }
        }

        if (profile.ByWeights.Count > 0)
        {
            text.Append("  byWeights:\n");
            foreach (var (format, shares) in profile.ByWeights)
            {
                text.Append("    ").Append(format).Append(":\n");
                if (shares.DecodeDramShare is { } d)
                {
                    text.Append("      decodeDramShare: ").Append(AsBefore(fitted.Provenance, $"profile.byWeights.{format}.decodeDramShare", d, "per-format shares are not fitted")).Append('\n');
                }

                if (shares.PrefillComputeShare is { } c)
                {
                    text.Append("      prefillComputeShare: ").Append(AsBefore(fitted.Provenance, $"profile.byWeights.{format}.prefillComputeShare", c, "per-format shares are not fitted")).Append('\n');
                }
            }
        }

        // The bands a prediction with this runtime carries: each quantity's held-out residuals, as wpt calibrate measured them.
        if (group.ErrorBands.Count > 0)
        {
            text.Append("errorBands:\n");
            foreach (var band in group.ErrorBands)
            {
                text.Append("  ").Append(band.Quantity).Append(": { plusMinusPercent: ").Append(Number(band.PlusMinusPercent)).Append(", rows: ").Append(band.Rows)
                    .Append(", fit: ").Append(Quote($"wpt calibrate {date}: {ErrorBand.Percentile:0}th percentile of |log error| over the {band.Rows} {band.Quantity} rows, each predicted with its model held out")).Append(" }\n");
            }
        }

        return text.ToString();
    }

    /// <summary>A figure the calibration left alone, with the provenance it had.</summary>
    private static string AsBefore(Provenance provenance, string field, double value, string? why)
    {
        var figure = provenance.Figures.FirstOrDefault(f => f.Field == field);
        var kept = $"kept by wpt calibrate ({why})";
        return figure switch
        {
            // An earlier fit's figure that this run leaves at its prior: the value is that prior now, an assumption.
            { Source: { } source } when source.StartsWith("fit: ", StringComparison.Ordinal) => $"{{ value: null, assumed: {Number(value)}, note: {Quote($"the prior an earlier fit ({source["fit: ".Length..]}) started from; {kept}")} }}",
            { Source: { } source, IsAssumption: false } => $"{{ value: {Number(value)}, source: {Quote(source)}, note: {Quote(kept)} }}",
            _ => $"{{ value: null, assumed: {Number(value)}, note: {Quote(figure?.Note is { } note ? note.EndsWith(kept, StringComparison.Ordinal) ? note : $"{note}; {kept}" : kept)} }}",
        };
    }

    private static string Percent(double? value) => value is { } v ? $"{Formatting.Number(v, 2)} %" : "none";

    private static string Signed(double? value) => value is { } v ? $"{(v >= 0 ? "+" : "-")}{Formatting.Number(Math.Abs(v), 3)} %" : "not predicted";

    private static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).ReplaceLineEndings(" ") + "\"";
}
