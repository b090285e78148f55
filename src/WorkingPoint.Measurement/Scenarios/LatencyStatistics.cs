using WorkingPoint.Core.Units;

namespace WorkingPoint.Measurement.Scenarios;

/// <summary>Summary of a set of latencies. Percentiles use the nearest-rank rule (the smallest value with at least p % of the samples at or below it), as MLPerf LoadGen reports them.</summary>
public sealed record LatencyStatistics(int Count, Seconds Min, Seconds Mean, Seconds P50, Seconds P90, Seconds P99, Seconds Max)
{
    public static LatencyStatistics Of(IReadOnlyList<double> seconds)
    {
        if (seconds.Count == 0)
        {
            throw new ArgumentException("Latency statistics need at least one sample.", nameof(seconds));
        }

        var sorted = seconds.Order().ToArray();
        return new LatencyStatistics(
            sorted.Length,
            new Seconds(sorted[0]),
            new Seconds(sorted.Average()),
            new Seconds(Percentile(sorted, 50)),
            new Seconds(Percentile(sorted, 90)),
            new Seconds(Percentile(sorted, 99)),
            new Seconds(sorted[^1]));
    }

    /// <summary>Nearest-rank percentile of already sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent)
    {
        if (sorted.Count == 0 || percent is < 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percent), $"A percentile needs samples and 0 ≤ p ≤ 100, got p = {percent} over {sorted.Count} samples.");
        }

        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
