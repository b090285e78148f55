using System.Diagnostics;
using WorkingPoint.Core.Units;

namespace WorkingPoint.Measurement.Scenarios;

/// <summary>The system under test: runs one sample (one set of inputs through the model) to completion.</summary>
/// <remarks>Must be safe to call from several threads at once when a scenario runs with concurrency above one.</remarks>
public interface IInferenceTarget
{
    void Infer();
}

/// <summary>One timed query.</summary>
/// <param name="IssuedAtSeconds">When the query was issued (Server: when it arrived), from the start of the timed run.</param>
/// <param name="StartedAtSeconds">When the system began working on it (later than issue when it queued).</param>
/// <param name="CompletedAtSeconds">When its last sample finished.</param>
public readonly record struct QueryTiming(double IssuedAtSeconds, double StartedAtSeconds, double CompletedAtSeconds, int Samples)
{
    public double LatencySeconds => CompletedAtSeconds - IssuedAtSeconds;
}

/// <summary>What a scenario run measured; the timed queries are kept so any statistic can be recomputed.</summary>
public sealed record ScenarioResult(ScenarioSettings Settings, IReadOnlyList<QueryTiming> Queries, Seconds Duration, int WarmupQueriesRun)
{
    public int QueryCount => Queries.Count;

    public long SampleCount => Queries.Sum(q => (long)q.Samples);

    public LatencyStatistics Latency { get; } = LatencyStatistics.Of(Queries.Select(q => q.LatencySeconds).ToArray());

    /// <summary>Samples completed per second of the timed run.</summary>
    public double SamplesPerSecond => SampleCount / Duration.Value;

    public double QueriesPerSecond => QueryCount / Duration.Value;

    /// <summary>The scenario's own headline latency: p90 for SingleStream, p99 otherwise.</summary>
    public Seconds HeadlineLatency => Settings.Scenario == Scenario.SingleStream ? Latency.P90 : Latency.P99;

    /// <summary>Server only, and only when a bound was set: whether the 99th-percentile latency met it at the target rate.</summary>
    public bool? LatencyBoundMet => Settings.Scenario == Scenario.Server && Settings.LatencyBound is { } bound ? Latency.P99 <= bound : null;

    /// <summary>Samples completed in each window of the run, as a rate: throttling shows as a falling curve.</summary>
    public IReadOnlyList<(double WindowEndSeconds, double SamplesPerSecond)> ThroughputOverTime(TimeSpan window) =>
        ThroughputWindows.Rate(Queries.Select(q => (q.CompletedAtSeconds, (double)q.Samples)), Duration.Value, window);
}

/// <summary>
/// Drives an <see cref="IInferenceTarget"/> through an MLPerf-style scenario: an untimed warm-up, then queries until both the minimum
/// duration and the minimum query count are reached. The clock is a <see cref="Stopwatch"/>; Ctrl-C (the token) stops the run with
/// a <see cref="ScenarioInterruptedException"/> that carries the queries completed so far, so a stopped run can still be stored.
/// </summary>
public sealed class LoadGenerator
{
    private readonly IInferenceTarget _target;

    public LoadGenerator(IInferenceTarget target) => _target = target;

    /// <param name="progress">Receives the fraction of the minimum run done (0…1), from the timing thread(s).</param>
    public ScenarioResult Run(ScenarioSettings settings, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        settings.Validate();
        var warmups = WarmUp(settings, cancellation);
        var clock = Stopwatch.StartNew();
        var queries = new List<QueryTiming>();
        try
        {
            switch (settings.Scenario)
            {
                case Scenario.SingleStream:
                    RunSequential(settings, 1, clock, progress, queries, cancellation);
                    break;
                case Scenario.MultiStream:
                    RunSequential(settings, settings.SamplesPerQuery, clock, progress, queries, cancellation);
                    break;
                case Scenario.Server:
                    RunServer(settings, clock, progress, queries, cancellation);
                    break;
                case Scenario.Offline:
                    RunOffline(settings, clock, progress, queries, cancellation);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(settings), settings.Scenario, "Unknown scenario.");
            }
        }
        catch (OperationCanceledException ex) when (cancellation.IsCancellationRequested)
        {
            // The queries that completed before the stop are measurements too: they go with the exception, to be kept as interrupted.
            throw new ScenarioInterruptedException(queries.Count == 0 ? null : Result(settings, queries, warmups), ex);
        }

        progress?.Report(1);
        return Result(settings, queries, warmups);
    }

    private static ScenarioResult Result(ScenarioSettings settings, List<QueryTiming> queries, int warmups) =>
        new(settings, queries.OrderBy(q => q.IssuedAtSeconds).ToArray(), new Seconds(queries.Max(q => q.CompletedAtSeconds)), warmups);

    private int WarmUp(ScenarioSettings settings, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var run = 0;
        while (run < settings.WarmupQueries && (run == 0 || clock.Elapsed < settings.WarmupDuration))
        {
            cancellation.ThrowIfCancellationRequested();
            _target.Infer();
            run++;
        }

        return run;
    }

    private static bool Done(ScenarioSettings settings, Stopwatch clock, int queries) =>
        queries >= settings.MinQueryCount && clock.Elapsed >= settings.MinDuration;

    private static void Report(IProgress<double>? progress, ScenarioSettings settings, Stopwatch clock, int queries)
    {
        if (progress is null)
        {
            return;
        }

        var byTime = settings.MinDuration <= TimeSpan.Zero ? 1 : clock.Elapsed / settings.MinDuration;
        var byCount = (double)queries / settings.MinQueryCount;
        progress.Report(Math.Clamp(Math.Min(byTime, byCount), 0, 1));
    }

    private void RunSequential(ScenarioSettings settings, int samplesPerQuery, Stopwatch clock, IProgress<double>? progress, List<QueryTiming> queries, CancellationToken cancellation)
    {
        while (!Done(settings, clock, queries.Count))
        {
            cancellation.ThrowIfCancellationRequested();
            var issued = clock.Elapsed.TotalSeconds;
            for (var s = 0; s < samplesPerQuery; s++)
            {
                _target.Infer();
            }

            queries.Add(new QueryTiming(issued, issued, clock.Elapsed.TotalSeconds, samplesPerQuery));
            Report(progress, settings, clock, queries.Count);
        }
    }

    /// <summary>Samples all available at the start; workers take the next one as soon as they are free.</summary>
    private void RunOffline(ScenarioSettings settings, Stopwatch clock, IProgress<double>? progress, List<QueryTiming> queries, CancellationToken cancellation)
    {
        // Every sample is available from the start, so a sample's latency would only say how long it queued; the recorded
        // latency is its service time instead (taken from the queue → done), and the metric is throughput.
        var issued = 0;
        RunWorkers(settings, clock, progress, () => Done(settings, clock, issued++) ? null : clock.Elapsed.TotalSeconds, queries, cancellation);
    }

    /// <summary>
    /// Queries arrive as a Poisson process (exponential gaps, seeded); a free worker takes the oldest arrived query, so a query's
    /// latency includes the time it waited in the queue, as a server's would.
    /// </summary>
    private void RunServer(ScenarioSettings settings, Stopwatch clock, IProgress<double>? progress, List<QueryTiming> queries, CancellationToken cancellation)
    {
        var arrivals = ServerArrivals(settings);
        var next = 0;
        RunWorkers(settings, clock, progress, () => next < arrivals.Length ? arrivals[next++] : null, queries, cancellation);
    }

    /// <summary>Arrival times, seconds from the start, until both the minimum duration and the minimum query count are covered.</summary>
    public static double[] ServerArrivals(ScenarioSettings settings)
    {
        var random = new Random(settings.Seed);
        var arrivals = new List<double>();
        var t = 0.0;
        while (arrivals.Count < settings.MinQueryCount || t < settings.MinDuration.TotalSeconds)
        {
            // Inverse-CDF sample of an exponential gap; 1 - U keeps the logarithm finite.
            t += -Math.Log(1 - random.NextDouble()) / settings.TargetQps;
            arrivals.Add(t);
        }

        return arrivals.ToArray();
    }

    /// <summary>Runs <see cref="ScenarioSettings.Concurrency"/> workers; each asks <paramref name="nextIssueTime"/> (under a lock) for the next query's issue time (null: no more).</summary>
    private void RunWorkers(ScenarioSettings settings, Stopwatch clock, IProgress<double>? progress, Func<double?> nextIssueTime, List<QueryTiming> queries, CancellationToken cancellation)
    {
        var gate = new object();
        Exception? failure = null;
        var threads = Enumerable.Range(0, settings.Concurrency).Select(_ => new Thread(() =>
        {
            try
            {
                while (!cancellation.IsCancellationRequested && Volatile.Read(ref failure) is null)
                {
                    double? issue;
                    lock (gate)
                    {
                        issue = nextIssueTime();
                    }

                    if (issue is not { } issuedAt)
                    {
                        return;
                    }

                    WaitUntil(clock, issuedAt, cancellation);
                    var started = clock.Elapsed.TotalSeconds;
                    _target.Infer();
                    var timing = new QueryTiming(issuedAt, started, clock.Elapsed.TotalSeconds, 1);
                    int count;
                    lock (gate)
                    {
                        queries.Add(timing);
                        count = queries.Count;
                    }

                    Report(progress, settings, clock, count);
                }
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref failure, ex, null);
            }
        })
        { IsBackground = true, Name = "wpt-loadgen" }).ToArray();

        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        if (failure is not null)
        {
            throw new InvalidOperationException($"Inference failed during the run: {failure.Message}", failure);
        }

        cancellation.ThrowIfCancellationRequested();
    }

    /// <summary>Sleeps while the issue time is far, then spins the last stretch, so arrivals are on time to well under a millisecond.</summary>
    private static void WaitUntil(Stopwatch clock, double seconds, CancellationToken cancellation)
    {
        while (true)
        {
            var remaining = seconds - clock.Elapsed.TotalSeconds;
            if (remaining <= 0)
            {
                return;
            }

            cancellation.ThrowIfCancellationRequested();
            if (remaining > 0.002)
            {
                Thread.Sleep(TimeSpan.FromSeconds(remaining - 0.001));
            }
            else
            {
                Thread.SpinWait(50);
            }
        }
    }
}

/// <summary>
/// A scenario stopped by its cancellation token (Ctrl-C) before its minimum run: <see cref="Partial"/> holds the queries that
/// completed, or is null when none did. It is still an <see cref="OperationCanceledException"/> for callers that only stop.
/// </summary>
public sealed class ScenarioInterruptedException(ScenarioResult? partial, Exception inner)
    : OperationCanceledException("The scenario was stopped before its minimum run.", inner)
{
    public ScenarioResult? Partial { get; } = partial;
}
