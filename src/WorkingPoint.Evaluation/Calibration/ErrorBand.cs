namespace WorkingPoint.Evaluation.Calibration;

/// <summary>
/// How far a runtime's predictions are from measurements it was not fitted to: the 68th percentile of the cross-validated
/// |log(predicted / measured)| as ±x % (about one standard deviation of a normal log error), over <paramref name="Rows"/> rows.
/// </summary>
public sealed record ErrorBand(string RuntimeId, double PlusMinusPercent, int Rows)
{
    /// <summary>What a prediction without a calibrated runtime says instead of a band.</summary>
    public const string Uncalibrated = "uncalibrated: datasheet only";

    public const double Percentile = 68;

    /// <summary>The band of cross-validated log errors; null when there are none.</summary>
    public static ErrorBand? FromLogErrors(string runtimeId, IEnumerable<double?> logErrors)
    {
        var absolute = logErrors.OfType<double>().Select(Math.Abs).ToArray();
        return Statistics.Percentile(absolute, Percentile) is { } q
            ? new ErrorBand(runtimeId, (Math.Exp(q) - 1) * 100, absolute.Length)
            : null;
    }

    /// <summary>"±12 % (n = 18, llama.cpp-cuda)".</summary>
    public override string ToString() => $"±{Formatting.Number(PlusMinusPercent, 2)} % (n = {Rows}, {RuntimeId})";

    /// <summary>The band, or <see cref="Uncalibrated"/> when there is none.</summary>
    public static string Format(ErrorBand? band) => band?.ToString() ?? Uncalibrated;
}
