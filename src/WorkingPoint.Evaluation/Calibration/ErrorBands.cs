using WorkingPoint.Core.Runtimes;

namespace WorkingPoint.Evaluation.Calibration;

/// <summary>Error bands from cross-validated residuals (the band itself is Core's <see cref="ErrorBand"/>).</summary>
public static class ErrorBands
{
    /// <summary>The band of cross-validated log errors; null when there are none.</summary>
    public static ErrorBand? FromLogErrors(string runtimeId, IEnumerable<double?> logErrors)
    {
        var absolute = logErrors.OfType<double>().Select(Math.Abs).ToArray();
        return Statistics.Percentile(absolute, ErrorBand.Percentile) is { } q
            ? new ErrorBand(runtimeId, (Math.Exp(q) - 1) * 100, absolute.Length)
            : null;
    }
}
