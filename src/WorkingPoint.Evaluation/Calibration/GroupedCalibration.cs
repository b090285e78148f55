using WorkingPoint.Core.Runtimes;

namespace WorkingPoint.Evaluation.Calibration;

/// <summary>One group (a runtime on a unit) calibrated: its fit, its rows' errors before and after, and cross-validated.</summary>
public sealed record GroupCalibration<TRow>(
    string Group,
    ParameterSpace Space,
    FitResult Fit,
    IReadOnlyList<Residual<TRow>> Prior,
    IReadOnlyList<Residual<TRow>> InSample,
    IReadOnlyList<Residual<TRow>> LeaveOneModelOut,
    IReadOnlyList<Residual<TRow>> LeaveOnePlatformOut)
    where TRow : ICalibrationRow
{
    /// <summary>The band a prediction with this group's fit carries: from the leave-one-model-out residuals; none when not fitted.</summary>
    public ErrorBand? Band => Fit.Fitted ? ErrorBands.FromLogErrors(Group, LeaveOneModelOut.Select(r => r.LogError)) : null;

    /// <summary>
    /// One band per quantity the rows measure (<paramref name="quantityOf"/>), from those rows' leave-one-model-out residuals:
    /// a runtime's decode and prefill are fitted by different parameters and miss by different amounts. Empty when not fitted.
    /// </summary>
    public IReadOnlyDictionary<PredictedQuantity, ErrorBand> BandsBy(Func<TRow, PredictedQuantity> quantityOf) =>
        Fit.Fitted
            ? LeaveOneModelOut.GroupBy(r => quantityOf(r.Row))
                .Select(g => (g.Key, Band: ErrorBands.FromLogErrors(Group, g.Select(r => r.LogError))))
                .Where(b => b.Band is not null)
                .OrderBy(b => b.Key)
                .ToDictionary(b => b.Key, b => b.Band!)
            : new Dictionary<PredictedQuantity, ErrorBand>();
}

/// <summary>Every group calibrated, with the errors over all rows.</summary>
public sealed record CalibrationReport<TRow>(IReadOnlyList<GroupCalibration<TRow>> Groups)
    where TRow : ICalibrationRow
{
    public ErrorSummary Prior => ErrorSummary.Of(Groups.SelectMany(g => g.Prior));

    public ErrorSummary InSample => ErrorSummary.Of(Groups.SelectMany(g => g.InSample));

    public ErrorSummary LeaveOneModelOut => ErrorSummary.Of(Groups.SelectMany(g => g.LeaveOneModelOut));

    public ErrorSummary LeaveOnePlatformOut => ErrorSummary.Of(Groups.SelectMany(g => g.LeaveOnePlatformOut));
}

/// <summary>
/// Calibration by group: each group's parameters are fitted on that group's rows alone (a runtime's profile is fitted to that
/// runtime's measurements), then cross-validated by model and by platform.
/// </summary>
public static class GroupedCalibration
{
    public static CalibrationReport<TRow> Run<TRow>(
        IReadOnlyList<TRow> rows,
        Func<TRow, string> groupOf,
        Func<string, ParameterSpace> spaceOf,
        Func<double[], TRow, double?> predict,
        Fitter<TRow>? fitter = null)
        where TRow : ICalibrationRow
    {
        fitter ??= (_, r, p, s) => Calibrator.Fit(r, p, s);
        var lomo = CrossValidation.Run(rows, groupOf, spaceOf, predict, FoldKind.LeaveOneModelOut, fitter);
        var lopo = CrossValidation.Run(rows, groupOf, spaceOf, predict, FoldKind.LeaveOnePlatformOut, fitter);
        var groups = new List<GroupCalibration<TRow>>();
        foreach (var group in rows.Select(groupOf).Distinct().Order(StringComparer.Ordinal))
        {
            var inGroup = rows.Where(r => groupOf(r) == group).ToArray();
            var space = spaceOf(group);
            var fit = fitter(null, inGroup, predict, space);
            groups.Add(new GroupCalibration<TRow>(
                group,
                space,
                fit,
                Residuals(inGroup, space.Priors, predict),
                Residuals(inGroup, fit.Parameters.ToArray(), predict),
                lomo.Where(r => groupOf(r.Row) == group).ToArray(),
                lopo.Where(r => groupOf(r.Row) == group).ToArray()));
        }

        return new CalibrationReport<TRow>(groups);
    }

    private static Residual<TRow>[] Residuals<TRow>(IEnumerable<TRow> rows, double[] parameters, Func<double[], TRow, double?> predict)
        where TRow : ICalibrationRow =>
        rows.Select(r => predict(parameters, r) is var p ? new Residual<TRow>(r, p, Calibrator.LogError(p, r.Measured), null) : null!).ToArray();
}
