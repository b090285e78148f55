namespace WorkingPoint.Measurement.Scenarios;

/// <summary>
/// MLPerf LoadGen's early-stopping estimate of a latency percentile, worked from the binomial distribution: if the true
/// probability of a query being slower than some latency L were exactly 1 − p, the number of slower queries among n would be
/// Binomial(n, 1 − p). Seeing at most t of them has probability BinomCdf(t; n, 1 − p); when that is below 1 − confidence, the
/// hypothesis is rejected and L bounds the p-th percentile with that confidence. The estimate is the latency with t queries at or
/// above it, for the largest t that still passes — a figure a longer run would, with that confidence, not exceed.
/// </summary>
public static class EarlyStopping
{
    /// <summary>LoadGen's confidence for every early-stopping estimate.</summary>
    public const double DefaultConfidence = 0.99;

    /// <summary>
    /// The largest t ≥ 1 such that P(Binomial(n, 1 − p) ≤ t) &lt; 1 − confidence, or 0 when even t = 1 does not pass (too few queries).
    /// Equivalent to LoadGen's search for the largest t with n ≥ MinPassing(t) + t, since the CDF falls as n grows.
    /// </summary>
    /// <param name="queries">n, queries measured.</param>
    /// <param name="percentile">p in percent, e.g. 90.</param>
    public static int AllowedOverlatencyQueries(int queries, double percentile, double confidence = DefaultConfidence)
    {
        Check(percentile, confidence);
        if (queries < 2)
        {
            return 0;
        }

        var tail = 1 - (percentile / 100);
        var alpha = 1 - confidence;

        // The CDF is summed term by term in log space: p^n underflows a double long before n reaches the counts of a long run.
        var logPass = Math.Log(1 - tail);
        var logTail = Math.Log(tail);
        var logTerm = queries * logPass; // x = 0
        var logCdf = logTerm;
        var allowed = 0;
        for (var x = 1; x < queries; x++)
        {
            logTerm += Math.Log((double)(queries - x + 1) / x) + logTail - logPass;
            logCdf = LogAdd(logCdf, logTerm);
            if (Math.Exp(logCdf) < alpha)
            {
                allowed = x;
            }
            else
            {
                break;
            }
        }

        return allowed;
    }

    /// <summary>The fewest queries for which an early-stopping estimate exists at all (LoadGen's "need to process at least N queries"): 64 for p90, 662 for p99 at 99 %.</summary>
    public static int MinimumQueries(double percentile, double confidence = DefaultConfidence)
    {
        Check(percentile, confidence);
        var tail = 1 - (percentile / 100);
        var alpha = 1 - confidence;

        // P(Binomial(n, tail) ≤ 1) = (1 − tail)^n + n·tail·(1 − tail)^(n−1), falling in n: the first n below alpha.
        for (var n = 2; n < int.MaxValue; n++)
        {
            var atMostOne = Math.Exp((n * Math.Log(1 - tail)) + double.LogP1(n * tail / (1 - tail)));
            if (atMostOne < alpha)
            {
                return n;
            }
        }

        return int.MaxValue;
    }

    /// <summary>
    /// The early-stopping estimate of the <paramref name="percentile"/>-th latency: the t-th largest latency, t from
    /// <see cref="AllowedOverlatencyQueries"/>; null when there are too few queries for one (fewer than <see cref="MinimumQueries"/>).
    /// </summary>
    public static double? Estimate(IReadOnlyList<double> latencies, double percentile, double confidence = DefaultConfidence)
    {
        ArgumentNullException.ThrowIfNull(latencies);
        var allowed = AllowedOverlatencyQueries(latencies.Count, percentile, confidence);
        if (allowed < 1)
        {
            return null;
        }

        var sorted = latencies.Order().ToArray();
        return sorted[sorted.Length - allowed];
    }

    /// <summary>
    /// LoadGen's Server check with a latency bound: with t queries over the bound among n, the run passes only if n ≥ MinPassing(t) + t,
    /// i.e. P(Binomial(n, 1 − p) ≤ t) &lt; 1 − confidence.
    /// </summary>
    public static bool BoundHolds(int queries, int overBound, double percentile, double confidence = DefaultConfidence) =>
        overBound >= 0 && overBound < queries && (overBound == 0 ? queries >= MinimumZeroOverQueries(percentile, confidence) : AllowedOverlatencyQueries(queries, percentile, confidence) >= overBound);

    /// <summary>Queries needed to show the bound with none over it: the first n with (p/100)^n &lt; 1 − confidence (44 for p90, 459 for p99).</summary>
    private static int MinimumZeroOverQueries(double percentile, double confidence) =>
        (int)Math.Floor(Math.Log(1 - confidence) / Math.Log(percentile / 100)) + 1;

    private static double LogAdd(double a, double b) => a > b ? a + double.LogP1(Math.Exp(b - a)) : b + double.LogP1(Math.Exp(a - b));

    private static void Check(double percentile, double confidence)
    {
        if (!(percentile > 0 && percentile < 100) || !(confidence > 0 && confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), $"Early stopping needs 0 < percentile < 100 and 0 < confidence < 1, got {percentile} and {confidence}.");
        }
    }
}
