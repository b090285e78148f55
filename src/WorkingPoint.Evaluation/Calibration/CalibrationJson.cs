using System.Globalization;
using System.Text;
using WorkingPoint.Evaluation.Published;

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
    IReadOnlyList<RowErrorJson> RowErrors);

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
        var first = g.Prior[0].Row.Row;
        var lomo = g.LeaveOneModelOut.ToDictionary(r => r.Row.Row.Id);
        var lopo = g.LeaveOnePlatformOut.ToDictionary(r => r.Row.Row.Id);
        return new GroupCalibrationJson(
            g.Group,
            first.Runtime,
            first.Unit,
            g.Fit.Rows,
            g.Fit.Fitted,
            g.Fit.NotFittedReason,
            g.Space.Parameters.Select((p, i) => new FittedParameterJson(p.Name, g.Fit.Prior[i], g.Fit.Parameters[i], p.Lower, p.Upper, g.Fit.KeptAtPrior.Contains(p.Name))).ToArray(),
            ErrorSummary.Of(g.Prior),
            ErrorSummary.Of(g.InSample),
            ErrorSummary.Of(g.LeaveOneModelOut),
            ErrorSummary.Of(g.LeaveOnePlatformOut),
            ErrorBand.Format(g.Band),
            g.Prior.Select((r, i) => new RowErrorJson(
                r.Row.Row.Id, r.Row.Row.Model, r.Row.Row.Platform, r.Row.Row.Metric.Id(), r.Row.Measured,
                r.ErrorPercent, g.InSample[i].ErrorPercent, lomo[r.Row.Row.Id].ErrorPercent, lopo[r.Row.Row.Id].ErrorPercent)).ToArray());
    }
}

/// <summary>
/// A fitted group as a YAML file: the parameters and, for each, where it comes from: the rows it was fitted to, their residuals,
/// the cross-validated error, the date and the command. The runtime profile loader (catalog/runtimes) reads the same keys.
/// </summary>
public static class FittedProfileFile
{
    /// <summary>The file name of a group: its runtime id, and the unit after a dot where the rows name one (llama.cpp-metal.gpu.yaml).</summary>
    public static string FileName(GroupCalibrationJson group) => group.Unit is null ? $"{group.Runtime}.yaml" : $"{group.Runtime}.{group.Unit}.yaml";

    public static string Yaml(GroupCalibrationJson group, string dataset, string date, string command)
    {
        var text = new StringBuilder();
        text.Append("# Written by wpt calibrate (docs/model.md, Calibration and error bands).\n");
        text.Append("runtime: ").Append(Quote(group.Runtime)).Append('\n');
        if (group.Unit is not null)
        {
            text.Append("unit: ").Append(group.Unit).Append('\n');
        }

        text.Append("parameters:\n");
        foreach (var p in group.Parameters)
        {
            text.Append("  ").Append(p.Name).Append(": ").Append(Number(p.After)).Append("  # prior ").Append(Number(p.Before))
                .Append(", bounds [").Append(Number(p.Lower)).Append(", ").Append(Number(p.Upper)).Append(']')
                .Append(p.KeptAtPrior ? "; no row bears on it: the prior is kept\n" : "\n");
        }

        text.Append("provenance:\n");
        text.Append("  fitted: ").Append(group.Fitted ? "true" : "false").Append('\n');
        if (group.NotFittedReason is not null)
        {
            text.Append("  note: ").Append(Quote($"{group.NotFittedReason}: the prior is kept")).Append('\n');
        }

        text.Append("  date: ").Append(Quote(date)).Append('\n');
        text.Append("  command: ").Append(Quote(command)).Append('\n');
        text.Append("  dataset: ").Append(Quote(dataset)).Append('\n');
        text.Append("  rows: ").Append(group.Rows).Append('\n');
        text.Append("  errorBand: ").Append(Quote(group.ErrorBand)).Append('\n');
        text.Append("  medianAbsErrorPercent: { prior: ").Append(Number(group.Prior.MedianAbsErrorPercent)).Append(", inSample: ").Append(Number(group.InSample.MedianAbsErrorPercent))
            .Append(", leaveOneModelOut: ").Append(Number(group.LeaveOneModelOut.MedianAbsErrorPercent)).Append(", leaveOnePlatformOut: ").Append(Number(group.LeaveOnePlatformOut.MedianAbsErrorPercent)).Append(" }\n");
        text.Append("  residuals:  # (predicted / measured − 1) × 100 at the fitted parameters, and held out\n");
        foreach (var r in group.RowErrors)
        {
            text.Append("    - { id: ").Append(Quote(r.Id)).Append(", model: ").Append(Quote(r.Model)).Append(", platform: ").Append(Quote(r.Platform))
                .Append(", metric: ").Append(r.Metric).Append(", measured: ").Append(Number(r.Measured))
                .Append(", errorPercent: ").Append(Number(r.FittedErrorPercent)).Append(", leaveOneModelOutErrorPercent: ").Append(Number(r.LeaveOneModelOutErrorPercent)).Append(" }\n");
        }

        return text.ToString();
    }

    private static string Number(double? value) => value is { } v ? v.ToString("G6", CultureInfo.InvariantCulture) : "null";

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
