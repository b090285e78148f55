using WorkingPoint.Core.Units;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Results;

namespace WorkingPoint.Measurement.Tests;

public sealed class RunRulesTests
{
    /// <summary>A finished run of <paramref name="latenciesMs"/>, one query after the other, lasting <paramref name="durationSeconds"/>.</summary>
    private static ScenarioResult Run(IReadOnlyList<double> latenciesMs, double durationSeconds, Scenario scenario = Scenario.SingleStream, double? boundMs = null)
    {
        var step = durationSeconds / latenciesMs.Count;
        var queries = latenciesMs.Select((ms, i) => new QueryTiming(i * step, i * step, (i * step) + (ms / 1000), 1)).ToArray();
        var settings = new ScenarioSettings { Scenario = scenario, LatencyBound = boundMs is { } b ? Seconds.FromMilliseconds(b) : null };
        return new ScenarioResult(settings, queries, new Seconds(durationSeconds), 0);
    }

    // Hand-computed: P(Binomial(64, 0.1) ≤ 1) = 0.9^64 + 64 · 0.1 · 0.9^63 = 0.00956 < 0.01, while for 63 queries it is 0.01048.
    [Theory]
    [InlineData(90, 64)]
    [InlineData(99, 662)]
    public void The_fewest_queries_for_an_early_stopping_estimate_are_LoadGens(double percentile, int queries) =>
        Assert.Equal(queries, EarlyStopping.MinimumQueries(percentile));

    // Each value is the largest t with P(Binomial(n, 1 − p) ≤ t) < 0.01, summed by hand (exact binomial terms).
    [Theory]
    [InlineData(63, 90, 0)]
    [InlineData(64, 90, 1)]
    [InlineData(100, 90, 3)]
    [InlineData(1000, 90, 78)]
    [InlineData(662, 99, 1)]
    [InlineData(10_000, 99, 77)]
    public void The_queries_allowed_over_the_estimate_follow_the_binomial_bound(int queries, double percentile, int allowed) =>
        Assert.Equal(allowed, EarlyStopping.AllowedOverlatencyQueries(queries, percentile));

    [Fact]
    public void The_estimate_is_the_latency_with_the_allowed_count_of_queries_at_or_above_it()
    {
        // 100 queries of 1…100 ms: 3 may lie over at p90, so the estimate is the third largest, 98 ms (the plain p90 is 90 ms).
        var latencies = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();
        Assert.Equal(98, EarlyStopping.Estimate(latencies, 90));
        Assert.Null(EarlyStopping.Estimate(latencies.Take(63).ToArray(), 90));
    }

    [Theory]
    [InlineData(44, 0, true)]   // 0.9^44 = 0.0097 < 0.01
    [InlineData(43, 0, false)]  // 0.9^43 = 0.0108
    [InlineData(100, 3, true)]
    [InlineData(100, 4, false)]
    public void A_server_latency_bound_holds_only_with_few_enough_queries_over_it(int queries, int over, bool holds) =>
        Assert.Equal(holds, EarlyStopping.BoundHolds(queries, over, 90));

    [Fact]
    public void A_run_that_meets_its_minimums_and_early_stops_is_valid()
    {
        var verdict = RunJudge.Judge(Run(Enumerable.Repeat(12.0, 64).ToArray(), 10.5), RunRules.For(Scenario.SingleStream));

        Assert.Equal(Validity.Valid, verdict.Validity);
        Assert.Empty(verdict.FailedRules);
        Assert.Equal(12, verdict.EarlyStoppingEstimateMs!.Value, 9);
        Assert.Equal("VALID", verdict.Summary);
    }

    [Fact]
    public void A_run_shorter_than_the_minimum_duration_is_invalid_and_names_the_rule()
    {
        var verdict = RunJudge.Judge(Run(Enumerable.Repeat(12.0, 64).ToArray(), 5), RunRules.For(Scenario.SingleStream));

        Assert.Equal(Validity.Invalid, verdict.Validity);
        Assert.Equal("min duration: ran 5 s, the rules need ≥ 10 s", Assert.Single(verdict.FailedRules));
        Assert.StartsWith("INVALID (min duration", verdict.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_multistream_run_of_64_queries_is_invalid_for_want_of_a_p99_estimate()
    {
        var verdict = RunJudge.Judge(Run(Enumerable.Repeat(12.0, 64).ToArray(), 10.5, Scenario.MultiStream), RunRules.For(Scenario.MultiStream));

        var rule = Assert.Single(verdict.FailedRules);
        Assert.Contains("early stopping: 64 queries give no p99 estimate", rule, StringComparison.Ordinal);
        Assert.Contains("needs ≥ 662", rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_few_queries_and_an_interruption_are_each_failed_rules()
    {
        var verdict = RunJudge.Judge(Run(Enumerable.Repeat(12.0, 70).ToArray(), 11), RunRules.For(Scenario.SingleStream, minQueryCount: 100), interrupted: true);

        Assert.Equal(2, verdict.FailedRules.Count);
        Assert.StartsWith("interrupted", verdict.FailedRules[0], StringComparison.Ordinal);
        Assert.Equal("min queries: 70, the rules need ≥ 100", verdict.FailedRules[1]);
    }

    [Fact]
    public void A_server_run_with_too_many_queries_over_its_bound_is_invalid()
    {
        // 700 queries, 20 of them over the 15 ms bound: at p99 only 1–2 may be.
        var latencies = Enumerable.Repeat(10.0, 680).Concat(Enumerable.Repeat(30.0, 20)).ToArray();
        var verdict = RunJudge.Judge(Run(latencies, 12, Scenario.Server, boundMs: 15), RunRules.For(Scenario.Server));

        Assert.Contains(verdict.FailedRules, r => r.StartsWith("latency bound: 20 of 700 queries over 15 ms", StringComparison.Ordinal));
    }

    [Fact]
    public void A_run_whose_service_time_drifts_is_valid_but_warned_unstable()
    {
        // Windows of 10 ms then of 20 ms: window means 10 (×5) and 20 (×5), standard deviation 5.27, mean 15: 35.1 %.
        var latencies = Enumerable.Repeat(10.0, 50).Concat(Enumerable.Repeat(20.0, 50)).ToArray();
        var verdict = RunJudge.Judge(Run(latencies, 10), RunRules.For(Scenario.SingleStream));

        Assert.Equal(Validity.Valid, verdict.Validity);
        Assert.Equal(35.14, verdict.VariationPercent!.Value, 2);
        Assert.StartsWith("unstable: service time varies by 35.1 %", Assert.Single(verdict.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void The_coefficient_of_variation_is_the_sample_deviation_over_the_mean() =>
        Assert.Equal(50, RunJudge.CoefficientOfVariationPercent([1.0, 2.0, 3.0])!.Value, 9);

    [Fact]
    public void Repeated_tests_need_their_repetitions_and_are_warned_when_they_vary()
    {
        var verdict = RunJudge.JudgeRepetitions([("pp512", [1.0, 1.0, 1.0]), ("tg128", [1.0, 2.0, 3.0])], 30, new RunRules { MinDuration = TimeSpan.Zero, MinQueryCount = 5, TargetPercentile = null });

        Assert.Equal("min repetitions: 3, the rules need ≥ 5", Assert.Single(verdict.FailedRules));
        Assert.StartsWith("unstable: tg128 varies by 50 %", Assert.Single(verdict.Warnings), StringComparison.Ordinal);
        Assert.Equal(50, verdict.VariationPercent!.Value, 9);
    }

    [Fact]
    public void A_contended_reading_marks_the_verdict_and_adds_its_warning()
    {
        var verdict = RunJudge.Judge(Run(Enumerable.Repeat(12.0, 64).ToArray(), 10.5), RunRules.For(Scenario.SingleStream), quick: true)
            .WithContention(new CpuContention(0.1, 0.9, 0, 1));

        Assert.True(verdict.Contended);
        Assert.Equal("VALID, quick run, contended", verdict.Summary);
        Assert.StartsWith("contended: other processes used 0.90 cores during the run (0.10 before it)", Assert.Single(verdict.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_state_themselves_in_one_line() =>
        Assert.Equal("≥ 10 s, ≥ 64 queries, p90 early stopping at 99 %, variation ≤ 5 %", RunRules.For(Scenario.SingleStream).ToString());

    [Fact]
    public void A_cold_start_times_the_load_then_one_inference_on_what_it_loaded()
    {
        var inferred = new List<string>();
        var (loaded, cold) = ColdStart.Measure(() => "model", m => inferred.Add(m));

        Assert.Equal("model", loaded);
        Assert.Equal(["model"], inferred);
        Assert.True(cold.LoadSeconds >= 0 && cold.FirstInferenceSeconds >= 0);
        Assert.Equal(cold.LoadSeconds + cold.FirstInferenceSeconds, cold.LoadToFirstResultSeconds, 12);
        Assert.True(cold.ProcessToFirstResultSeconds >= cold.LoadToFirstResultSeconds);
    }

    [Fact]
    public void The_first_inference_is_compared_with_the_steady_state()
    {
        var cold = new ColdStart(1.5, 0.2, 0.008);

        Assert.Equal(4, cold.FirstVersusSteady(0.002), 9);
        Assert.Equal("first result 1.5 s after process start, 0.208 s after the model load began (load 200 ms); first inference 8 ms, 4 × the steady-state p50 (2 ms)", cold.Describe(0.002));
    }
}
