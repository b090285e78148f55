using WorkingPoint.Core;
using WorkingPoint.Core.Units;

namespace WorkingPoint.Measurement.Scenarios;

/// <summary>The four MLPerf Inference scenarios, with LoadGen's names.</summary>
public enum Scenario
{
    /// <summary>One sample per query, the next issued when the last completes; metric: 90th-percentile latency.</summary>
    SingleStream,

    /// <summary>Queries of several samples (8 by default), issued back to back; metric: 99th-percentile query latency.</summary>
    MultiStream,

    /// <summary>Single-sample queries arriving as a Poisson process at a target rate; metric: whether the 99th-percentile latency meets the bound at that rate.</summary>
    Server,

    /// <summary>All samples available at once; metric: throughput.</summary>
    Offline,
}

/// <summary>
/// How long and how hard a scenario runs. A run lasts until both the minimum duration and the minimum query count are reached,
/// as in LoadGen; MLPerf's own submission minimums (600 s, and 1024 queries for SingleStream) are far longer than an interactive
/// tool wants, so the defaults are shorter and the figures are labelled as WorkingPoint runs, not MLPerf results.
/// </summary>
public sealed record ScenarioSettings
{
    public Scenario Scenario { get; init; } = Scenario.SingleStream;

    public TimeSpan MinDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Queries (not samples) the run must at least issue.</summary>
    public int MinQueryCount { get; init; } = 64;

    /// <summary>Untimed queries before the run; warm-up stops at this count or <see cref="WarmupDuration"/>, whichever comes first.</summary>
    public int WarmupQueries { get; init; } = 10;

    public TimeSpan WarmupDuration { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Samples per MultiStream query (MLPerf uses 8).</summary>
    public int SamplesPerQuery { get; init; } = 8;

    /// <summary>Server arrival rate, queries per second.</summary>
    public double TargetQps { get; init; } = 10;

    /// <summary>Server 99th-percentile latency bound to judge the run against; null (the default): no verdict, only the percentiles.</summary>
    public Seconds? LatencyBound { get; init; }

    /// <summary>Queries that may be in flight at once (Server and Offline); SingleStream and MultiStream always run one.</summary>
    public int Concurrency { get; init; } = 1;

    /// <summary>Seed of the Server arrival process, so a run can be repeated exactly.</summary>
    public int Seed { get; init; } = 42;

    public void Validate()
    {
        if (MinDuration < TimeSpan.Zero || MinQueryCount < 1 || WarmupQueries < 0 || SamplesPerQuery < 1 || Concurrency < 1)
        {
            throw new InvalidInputException($"Scenario settings out of range (duration {MinDuration.TotalSeconds} s, queries {MinQueryCount}, warm-up {WarmupQueries}, samples/query {SamplesPerQuery}, concurrency {Concurrency}); all must be positive (warm-up may be 0).");
        }

        if (Scenario == Scenario.Server && (!double.IsFinite(TargetQps) || TargetQps <= 0))
        {
            throw new InvalidInputException($"The Server scenario needs a positive --target-qps, got {TargetQps} QPS.");
        }

        if (LatencyBound is { } bound && !(bound.Value > 0))
        {
            throw new InvalidInputException($"--latency-bound-ms must be a positive number of milliseconds, got {bound.Milliseconds} ms.");
        }
    }
}
