using WorkingPoint.Core;
using WorkingPoint.Measurement.Scenarios;

namespace WorkingPoint.Measurement.Tests;

public sealed class ScenarioTests
{
    /// <summary>A system under test that only counts, so the scenario logic is tested without a model.</summary>
    /// <summary>Stands for Ctrl-C arriving during a run: cancels its token once it has served <paramref name="stopAfter"/> inferences.</summary>
    private sealed class StoppingTarget(CancellationTokenSource stop, int stopAfter) : IInferenceTarget
    {
        private int _calls;

        public void Infer()
        {
            if (Interlocked.Increment(ref _calls) == stopAfter)
            {
                stop.Cancel();
            }
        }
    }

    [Theory]
    [InlineData(Scenario.SingleStream)]
    [InlineData(Scenario.Offline)]
    public void A_stopped_scenario_hands_over_the_queries_it_completed(Scenario scenario)
    {
        using var stop = new CancellationTokenSource();
        var settings = new ScenarioSettings { Scenario = scenario, WarmupQueries = 0, MinQueryCount = 1000, MinDuration = TimeSpan.FromMinutes(10) };

        var error = Assert.Throws<ScenarioInterruptedException>(() => new LoadGenerator(new StoppingTarget(stop, 5)).Run(settings, null, stop.Token));

        var partial = Assert.IsType<ScenarioResult>(error.Partial);
        Assert.Equal(5, partial.QueryCount);
        Assert.All(partial.Queries, q => Assert.True(q.CompletedAtSeconds >= q.StartedAtSeconds));
    }

    [Fact]
    public void A_scenario_stopped_before_any_query_completed_hands_over_nothing()
    {
        using var stop = new CancellationTokenSource();
        stop.Cancel();

        var error = Assert.Throws<ScenarioInterruptedException>(() => new LoadGenerator(new StoppingTarget(stop, int.MaxValue)).Run(new ScenarioSettings { WarmupQueries = 0 }, null, stop.Token));

        Assert.Null(error.Partial);
    }

    private sealed class CountingTarget : IInferenceTarget
    {
        private int _calls;

        public int Calls => _calls;

        public void Infer()
        {
            Interlocked.Increment(ref _calls);
            Thread.SpinWait(200);
        }
    }

    private static ScenarioSettings Short(Scenario scenario) => new() { Scenario = scenario, MinDuration = TimeSpan.Zero, MinQueryCount = 20, WarmupQueries = 3, TargetQps = 2000 };

    [Fact]
    public void Percentiles_follow_the_nearest_rank_rule()
    {
        var values = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();
        Assert.Equal(50, LatencyStatistics.Percentile(values, 50));
        Assert.Equal(90, LatencyStatistics.Percentile(values, 90));
        Assert.Equal(99, LatencyStatistics.Percentile(values, 99));
        Assert.Equal(1, LatencyStatistics.Percentile(values, 0));
        Assert.Equal(3, LatencyStatistics.Percentile([1.0, 2, 3], 90));
    }

    [Fact]
    public void Statistics_summarize_min_mean_and_max()
    {
        var stats = LatencyStatistics.Of([0.003, 0.001, 0.002]);
        Assert.Equal(0.001, stats.Min.Value);
        Assert.Equal(0.002, stats.Mean.Value, 12);
        Assert.Equal(0.003, stats.Max.Value);
        Assert.Equal(3, stats.Count);
    }

    [Fact]
    public void Single_stream_runs_the_minimum_queries_of_one_sample_after_an_untimed_warm_up()
    {
        var target = new CountingTarget();
        var result = new LoadGenerator(target).Run(Short(Scenario.SingleStream));

        Assert.Equal(20, result.QueryCount);
        Assert.All(result.Queries, q => Assert.Equal(1, q.Samples));
        Assert.Equal(3, result.WarmupQueriesRun);
        Assert.Equal(23, target.Calls);
        Assert.Equal(result.Latency.P90, result.HeadlineLatency);
    }

    [Fact]
    public void Multi_stream_queries_carry_the_configured_samples_and_report_the_99th_percentile()
    {
        var target = new CountingTarget();
        var result = new LoadGenerator(target).Run(Short(Scenario.MultiStream) with { SamplesPerQuery = 8 });

        Assert.All(result.Queries, q => Assert.Equal(8, q.Samples));
        Assert.Equal(160, result.SampleCount);
        Assert.Equal(3 + 160, target.Calls);
        Assert.Equal(result.Latency.P99, result.HeadlineLatency);
    }

    [Fact]
    public void A_run_lasts_until_both_the_minimum_duration_and_query_count_are_met()
    {
        var settings = Short(Scenario.SingleStream) with { MinDuration = TimeSpan.FromMilliseconds(50), MinQueryCount = 1 };
        var result = new LoadGenerator(new CountingTarget()).Run(settings);

        Assert.True(result.Duration.Value >= 0.05);
        Assert.True(result.QueryCount > 1);
    }

    [Fact]
    public void Server_arrivals_are_a_seeded_poisson_process_at_the_target_rate()
    {
        var settings = new ScenarioSettings { Scenario = Scenario.Server, TargetQps = 50, MinQueryCount = 20_000, MinDuration = TimeSpan.Zero, Seed = 3 };
        var arrivals = LoadGenerator.ServerArrivals(settings);
        var gaps = arrivals.Zip(arrivals.Skip(1), (a, b) => b - a).ToArray();

        Assert.Equal(arrivals, LoadGenerator.ServerArrivals(settings));
        Assert.NotEqual(arrivals, LoadGenerator.ServerArrivals(settings with { Seed = 4 }));
        Assert.InRange(gaps.Average(), 0.019, 0.021);

        // Exponential gaps: the standard deviation equals the mean.
        var mean = gaps.Average();
        var sd = Math.Sqrt(gaps.Average(g => (g - mean) * (g - mean)));
        Assert.InRange(sd / mean, 0.95, 1.05);
    }

    [Fact]
    public void Server_queries_are_issued_at_their_arrival_times_and_the_bound_is_judged_on_the_99th_percentile()
    {
        var settings = Short(Scenario.Server) with { TargetQps = 500, LatencyBound = Core.Units.Seconds.FromMilliseconds(1000) };
        var result = new LoadGenerator(new CountingTarget()).Run(settings);
        var arrivals = LoadGenerator.ServerArrivals(settings);

        Assert.Equal(arrivals.Length, result.QueryCount);
        Assert.All(result.Queries.Zip(arrivals), pair => Assert.Equal(pair.Second, pair.First.IssuedAtSeconds));
        Assert.All(result.Queries, q => Assert.True(q.StartedAtSeconds >= q.IssuedAtSeconds));
        Assert.True(result.LatencyBoundMet);
    }

    [Fact]
    public void An_impossible_server_bound_is_reported_as_missed()
    {
        var settings = Short(Scenario.Server) with { LatencyBound = new Core.Units.Seconds(1e-12) };
        var result = new LoadGenerator(new CountingTarget()).Run(settings);
        Assert.False(result.LatencyBoundMet);
    }

    [Fact]
    public void A_server_run_without_a_bound_reports_its_percentiles_and_no_verdict()
    {
        var settings = Short(Scenario.Server) with { TargetQps = 500 };
        var result = new LoadGenerator(new CountingTarget()).Run(settings);
        Assert.Null(settings.LatencyBound);
        Assert.Null(result.LatencyBoundMet);
        Assert.True(result.Latency.P99.Value > 0);
    }

    [Fact]
    public void A_zero_server_bound_is_refused_as_bad_input()
    {
        var settings = Short(Scenario.Server) with { LatencyBound = new Core.Units.Seconds(0) };
        Assert.Throws<InvalidInputException>(settings.Validate);
    }

    [Fact]
    public void Offline_reports_throughput_over_every_sample_with_several_workers()
    {
        var target = new CountingTarget();
        var result = new LoadGenerator(target).Run(Short(Scenario.Offline) with { Concurrency = 2 });

        Assert.True(result.SampleCount >= 20);
        Assert.Equal(result.SampleCount + 3, target.Calls);
        Assert.Equal(result.SampleCount / result.Duration.Value, result.SamplesPerSecond, 9);
        Assert.Null(result.LatencyBoundMet);
    }

    [Fact]
    public void Throughput_windows_account_for_every_sample()
    {
        var result = new LoadGenerator(new CountingTarget()).Run(Short(Scenario.SingleStream) with { MinQueryCount = 200, MinDuration = TimeSpan.FromMilliseconds(70) });
        var window = TimeSpan.FromSeconds(result.Duration.Value / 7);
        var windows = result.ThroughputOverTime(window);

        var counted = windows.Select((w, i) => w.SamplesPerSecond * (w.WindowEndSeconds - (i * window.TotalSeconds))).Sum();
        Assert.Equal(result.SampleCount, counted, 6);
        Assert.Equal(7, windows.Count);
    }

    [Fact]
    public void Cancelling_a_run_throws_and_returns_no_result()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        Assert.Throws<OperationCanceledException>(() => new LoadGenerator(new CountingTarget()).Run(Short(Scenario.SingleStream), null, cancellation.Token));
        Assert.Throws<OperationCanceledException>(() => new LoadGenerator(new CountingTarget()).Run(Short(Scenario.Offline), null, cancellation.Token));
    }

    [Fact]
    public void A_failing_target_stops_a_threaded_run_with_the_cause()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new LoadGenerator(new FailingTarget()).Run(Short(Scenario.Offline) with { WarmupQueries = 0 }));
        Assert.Contains("model exploded", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_settings_are_refused_with_the_values_named()
    {
        var error = Assert.Throws<InvalidInputException>(() => new LoadGenerator(new CountingTarget()).Run(new ScenarioSettings { Scenario = Scenario.Server, TargetQps = 0 }));
        Assert.Contains("--target-qps", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidInputException>(() => new LoadGenerator(new CountingTarget()).Run(new ScenarioSettings { MinQueryCount = 0 }));
    }

    private sealed class FailingTarget : IInferenceTarget
    {
        public void Infer() => throw new InvalidOperationException("model exploded");
    }
}
