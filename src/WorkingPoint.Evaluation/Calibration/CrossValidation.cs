namespace WorkingPoint.Evaluation.Calibration;

/// <summary>Which rows a cross-validation fold holds out: all rows of one model, or all rows of one platform.</summary>
public enum FoldKind
{
    LeaveOneModelOut,
    LeaveOnePlatformOut,
}

/// <summary>One fold: what it holds out (a model or a platform id).</summary>
public sealed record CrossValidationFold(FoldKind Kind, string HeldOut)
{
    public bool Holds(ICalibrationRow row) => (Kind == FoldKind.LeaveOneModelOut ? row.ModelId : row.PlatformId) == HeldOut;

    public override string ToString() => $"{(Kind == FoldKind.LeaveOneModelOut ? "without model" : "without platform")} {HeldOut}";
}

/// <summary>
/// What fits one group's rows; <see cref="Calibrator.Fit"/> unless a caller (a test) wraps it. <paramref name="fold"/> is null
/// for the in-sample fit.
/// </summary>
public delegate FitResult Fitter<TRow>(CrossValidationFold? fold, IReadOnlyList<TRow> rows, Func<double[], TRow, double?> predict, ParameterSpace space)
    where TRow : ICalibrationRow;

/// <summary>A row predicted with a group's parameters, and its error.</summary>
/// <param name="LogError">log(predicted / measured); null when nothing was predicted.</param>
/// <param name="Fold">The fold whose fit predicted the row (null in sample).</param>
public sealed record Residual<TRow>(TRow Row, double? Predicted, double? LogError, CrossValidationFold? Fold)
    where TRow : ICalibrationRow
{
    /// <summary>(predicted / measured − 1) × 100: positive when the prediction is too high.</summary>
    public double? ErrorPercent => LogError is { } e ? (Math.Exp(e) - 1) * 100 : null;
}

/// <summary>How far a set of predictions is from the measurements: n, median and 90th percentile of |predicted / measured − 1|.</summary>
public sealed record ErrorSummary(int Rows, double? MedianAbsErrorPercent, double? P90AbsErrorPercent)
{
    public static ErrorSummary Of<TRow>(IEnumerable<Residual<TRow>> residuals)
        where TRow : ICalibrationRow => OfLogErrors(residuals.Select(r => r.LogError));

    public static ErrorSummary OfLogErrors(IEnumerable<double?> logErrors)
    {
        var absolute = logErrors.Select(e => e is { } v ? Math.Abs(Math.Exp(v) - 1) * 100 : (double?)null).ToArray();
        var known = absolute.OfType<double>().ToArray();
        return new ErrorSummary(absolute.Length, Statistics.Percentile(known, 50), Statistics.Percentile(known, 90));
    }
}

internal static class Statistics
{
    /// <summary>The <paramref name="percent"/>th percentile with linear interpolation between the closest ranks; null for no values.</summary>
    public static double? Percentile(IReadOnlyCollection<double> values, double percent)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        var rank = percent / 100 * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((rank - low) * (sorted[high] - sorted[low]));
    }
}

/// <summary>
/// Leave-one-out cross-validation of a grouped calibration: for each model (or platform), every group that has rows of it is
/// fitted again on its other rows only, and the held-out rows are predicted with that fit. A held-out row never reaches the
/// fit that predicts it, so the errors say how the calibration does on a model (a platform) it has not seen.
/// </summary>
public static class CrossValidation
{
    public static IReadOnlyList<Residual<TRow>> Run<TRow>(
        IReadOnlyList<TRow> rows,
        Func<TRow, string> groupOf,
        Func<string, ParameterSpace> spaceOf,
        Func<double[], TRow, double?> predict,
        FoldKind kind,
        Fitter<TRow>? fitter = null)
        where TRow : ICalibrationRow
    {
        fitter ??= (_, r, p, s) => Calibrator.Fit(r, p, s);
        var keys = rows.Select(r => kind == FoldKind.LeaveOneModelOut ? r.ModelId : r.PlatformId).Distinct().Order(StringComparer.Ordinal);
        var residuals = new Dictionary<int, Residual<TRow>>();
        var index = rows.Select((r, i) => (r, i)).ToArray();
        foreach (var key in keys)
        {
            var fold = new CrossValidationFold(kind, key);
            foreach (var group in index.Where(t => fold.Holds(t.r)).Select(t => groupOf(t.r)).Distinct().Order(StringComparer.Ordinal))
            {
                var inGroup = index.Where(t => groupOf(t.r) == group).ToArray();
                var training = inGroup.Where(t => !fold.Holds(t.r)).Select(t => t.r).ToArray();
                var fit = fitter(fold, training, predict, spaceOf(group));
                var parameters = fit.Parameters.ToArray();
                foreach (var (row, i) in inGroup.Where(t => fold.Holds(t.r)))
                {
                    var predicted = predict(parameters, row);
                    residuals[i] = new Residual<TRow>(row, predicted, Calibrator.LogError(predicted, row.Measured), fold);
                }
            }
        }

        return residuals.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToArray();
    }
}
