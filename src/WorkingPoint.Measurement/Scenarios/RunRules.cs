using System.Globalization;
using WorkingPoint.Core;
using WorkingPoint.Results;

namespace WorkingPoint.Measurement.Scenarios;

/// <summary>
/// What a run must do for its figures to count, after MLPerf LoadGen: a minimum timed duration and a minimum query count (warm-up
/// never counts), an early-stopping estimate of the reported percentile at 99 % confidence, and — beyond LoadGen, as trtexec does —
/// a warning when the run was unstable. MLPerf submissions need 600 s and 1024 (SingleStream) or 270 336 (MultiStream, Server)
/// queries; an interactive tool cannot ask that, so the defaults here are 10 s and 64 queries (64 being the fewest queries with a
/// 90th-percentile early-stopping estimate at 99 %), and a VALID run means "valid under these rules", never an MLPerf result.
/// </summary>
public sealed record RunRules
{
    public static readonly TimeSpan DefaultMinDuration = TimeSpan.FromSeconds(10);

    public const int DefaultMinQueryCount = 64;

    /// <summary>
    /// trtexec flags GPU compute time whose coefficient of variation passes 1 %; CPU runs on a desktop OS vary by 1–3 % when the
    /// machine is quiet, so 5 % here: above it the machine, not the model, is moving the figures.
    /// </summary>
    public const double DefaultMaxVariationPercent = 5;

    public TimeSpan MinDuration { get; init; } = DefaultMinDuration;

    public int MinQueryCount { get; init; } = DefaultMinQueryCount;

    /// <summary>The percentile the run reports and early-stops on (LoadGen: 90 for SingleStream, 99 for MultiStream and Server); null for throughput runs.</summary>
    public double? TargetPercentile { get; init; } = 90;

    public double Confidence { get; init; } = EarlyStopping.DefaultConfidence;

    /// <summary>Run-to-run variation (coefficient of variation across windows or repetitions) above which the run is flagged unstable.</summary>
    public double MaxVariationPercent { get; init; } = DefaultMaxVariationPercent;

    /// <summary>The rules for a scenario, with LoadGen's target percentile for it.</summary>
    public static RunRules For(Scenario scenario, TimeSpan? minDuration = null, int? minQueryCount = null) => new()
    {
        MinDuration = minDuration ?? DefaultMinDuration,
        MinQueryCount = minQueryCount ?? DefaultMinQueryCount,
        TargetPercentile = scenario switch
        {
            Scenario.SingleStream => 90,
            Scenario.Offline => null,
            _ => 99,
        },
    };

    public RunRules Validate()
    {
        if (MinDuration < TimeSpan.Zero || MinQueryCount < 1 || TargetPercentile is <= 0 or >= 100 || !(Confidence is > 0 and < 1) || !(MaxVariationPercent > 0))
        {
            throw new InvalidInputException($"Run rules out of range (minimum duration {MinDuration.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s, minimum queries {MinQueryCount}); the duration must be ≥ 0 and the query count ≥ 1.");
        }

        return this;
    }

    /// <summary>One line for output and records, e.g. "≥ 10 s, ≥ 64 queries, p90 early stopping at 99 %, variation ≤ 5 %".</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"≥ {MinDuration.TotalSeconds:0.###} s, ≥ {MinQueryCount} queries{(TargetPercentile is { } p ? $", p{p:0.##} early stopping at {Confidence * 100:0.##} %" : string.Empty)}, variation ≤ {MaxVariationPercent:0.##} %");
}

/// <summary>Judges runs against <see cref="RunRules"/>.</summary>
public static class RunJudge
{
    /// <summary>Windows a run is split into for its variation: enough to see a drift, few enough that each holds several queries.</summary>
    public const int VariationWindows = 10;

    /// <summary>A scenario run: the minimums, early stopping on the reported percentile (and, for Server with a bound, on the bound), and the variation of service time across windows.</summary>
    /// <param name="interrupted">The run was stopped (Ctrl-C) before it ended by itself.</param>
    public static RunVerdict Judge(ScenarioResult result, RunRules rules, bool quick = false, bool interrupted = false)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(rules);
        var failed = new List<string>();
        var warnings = new List<string>();
        if (interrupted)
        {
            failed.Add("interrupted: the run was stopped before its minimums");
        }

        CheckMinimums(failed, rules, result.Duration.Value, result.QueryCount, "queries");
        var latencies = result.Queries.Select(q => q.LatencySeconds).ToArray();
        double? estimateMs = null;
        if (rules.TargetPercentile is { } percentile)
        {
            estimateMs = EarlyStopping.Estimate(latencies, percentile, rules.Confidence) * 1000;
            if (estimateMs is null)
            {
                failed.Add(string.Create(CultureInfo.InvariantCulture, $"early stopping: {result.QueryCount} queries give no p{percentile:0.##} estimate at {rules.Confidence * 100:0.##} % confidence; it needs ≥ {EarlyStopping.MinimumQueries(percentile, rules.Confidence)}"));
            }

            if (result.Settings.Scenario == Scenario.Server && result.Settings.LatencyBound is { } bound)
            {
                var over = latencies.Count(l => l > bound.Value);
                if (!EarlyStopping.BoundHolds(latencies.Length, over, percentile, rules.Confidence))
                {
                    failed.Add(string.Create(CultureInfo.InvariantCulture, $"latency bound: {over} of {latencies.Length} queries over {bound.Milliseconds:0.###} ms; too many to show p{percentile:0.##} ≤ the bound at {rules.Confidence * 100:0.##} % confidence"));
                }
            }
        }

        // Service time (start → done), not latency: Server latency includes queueing behind Poisson arrivals, which varies by design.
        var variation = WindowVariationPercent(result.Queries.Select(q => (q.CompletedAtSeconds - q.StartedAtSeconds) / q.Samples).ToArray());
        if (variation > rules.MaxVariationPercent)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"unstable: service time varies by {variation:0.#} % across {VariationWindows} windows of the run (threshold {rules.MaxVariationPercent:0.#} %); repeat on a quieter machine or run longer"));
        }

        return new RunVerdict(rules.ToString(), failed, warnings, quick, rules.TargetPercentile, estimateMs, variation);
    }

    /// <summary>A run of repeated tests (llama.cpp's repetitions): the minimum duration, the minimum repetitions, and the variation across repetitions of each test.</summary>
    /// <param name="repetitionSeconds">Each test's name and the seconds of each of its repetitions.</param>
    public static RunVerdict JudgeRepetitions(IReadOnlyList<(string Test, IReadOnlyList<double> Seconds)> repetitionSeconds, double durationSeconds, RunRules rules, bool quick = false, bool interrupted = false)
    {
        ArgumentNullException.ThrowIfNull(repetitionSeconds);
        ArgumentNullException.ThrowIfNull(rules);
        var failed = new List<string>();
        var warnings = new List<string>();
        if (interrupted)
        {
            failed.Add("interrupted: the run was stopped before its minimums");
        }

        var fewest = repetitionSeconds.Count == 0 ? 0 : repetitionSeconds.Min(t => t.Seconds.Count);
        CheckMinimums(failed, rules, durationSeconds, fewest, "repetitions");
        double? worst = null;
        foreach (var (test, seconds) in repetitionSeconds)
        {
            if (CoefficientOfVariationPercent(seconds) is { } cv)
            {
                worst = Math.Max(worst ?? 0, cv);
                if (cv > rules.MaxVariationPercent)
                {
                    warnings.Add(string.Create(CultureInfo.InvariantCulture, $"unstable: {test} varies by {cv:0.#} % across {seconds.Count} repetitions (threshold {rules.MaxVariationPercent:0.#} %); repeat on a quieter machine or with more repetitions"));
                }
            }
        }

        return new RunVerdict(rules.ToString().Replace("queries", "repetitions", StringComparison.Ordinal), failed, warnings, quick, null, null, worst);
    }

    /// <summary>Coefficient of variation (sample standard deviation over mean) in %; null for fewer than two values or a zero mean.</summary>
    public static double? CoefficientOfVariationPercent(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count < 2)
        {
            return null;
        }

        var mean = values.Average();
        if (mean == 0)
        {
            return null;
        }

        var variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return Math.Sqrt(variance) / Math.Abs(mean) * 100;
    }

    /// <summary>The coefficient of variation of the window means when the values (in run order) are cut into <see cref="VariationWindows"/> equal windows; null when there are fewer than two values per window.</summary>
    public static double? WindowVariationPercent(IReadOnlyList<double> valuesInOrder)
    {
        ArgumentNullException.ThrowIfNull(valuesInOrder);
        var perWindow = valuesInOrder.Count / VariationWindows;
        if (perWindow < 2)
        {
            return null;
        }

        var means = Enumerable.Range(0, VariationWindows).Select(w => valuesInOrder.Skip(w * perWindow).Take(perWindow).Average()).ToArray();
        return CoefficientOfVariationPercent(means);
    }

    private static void CheckMinimums(List<string> failed, RunRules rules, double durationSeconds, int count, string what)
    {
        if (durationSeconds < rules.MinDuration.TotalSeconds)
        {
            failed.Add(string.Create(CultureInfo.InvariantCulture, $"min duration: ran {durationSeconds:0.##} s, the rules need ≥ {rules.MinDuration.TotalSeconds:0.###} s"));
        }

        if (count < rules.MinQueryCount)
        {
            failed.Add(string.Create(CultureInfo.InvariantCulture, $"min {what}: {count}, the rules need ≥ {rules.MinQueryCount}"));
        }
    }
}
