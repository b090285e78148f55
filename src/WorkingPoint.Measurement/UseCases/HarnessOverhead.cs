using System.Diagnostics;
using WorkingPoint.Core;
using WorkingPoint.Measurement.Scenarios;

namespace WorkingPoint.Measurement.UseCases;

/// <summary>
/// One frame workload run through the use-case harness and bare, side by side: the latencies the harness reports (scheduled by
/// <see cref="UseCaseBench.RunFrames"/>: paced arrivals, drop and deadline bookkeeping, the workload's own frame call) against the
/// same inference called back to back in a plain loop timed by a stopwatch, at the same input sizes.
/// </summary>
/// <param name="HarnessSeconds">Each frame's latency as the harness measured it.</param>
/// <param name="BareSeconds">Each bare call's time.</param>
/// <param name="StartLatenessSeconds">How late the harness started each frame after it was due (its wake-up and scheduling).</param>
public sealed record HarnessOverheadResult(string Id, int Rounds, IReadOnlyList<double> HarnessSeconds, IReadOnlyList<double> BareSeconds, IReadOnlyList<double> StartLatenessSeconds)
{
    public double HarnessMedianSeconds => LatencyStatistics.Percentile(HarnessSeconds.Order().ToArray(), 50);

    public double BareMedianSeconds => LatencyStatistics.Percentile(BareSeconds.Order().ToArray(), 50);

    public double StartLatenessMedianSeconds => LatencyStatistics.Percentile(StartLatenessSeconds.Order().ToArray(), 50);

    /// <summary>
    /// Each call's time when the same calls are paced as the harness paces them (a wait until each is due, then a stopwatch around
    /// the call) but without the harness: what pacing alone does to a call, apart from the harness's scheduling and bookkeeping.
    /// </summary>
    public IReadOnlyList<double> PacedBareSeconds { get; init; } = [];

    public double? PacedBareMedianSeconds => PacedBareSeconds.Count > 0 ? LatencyStatistics.Percentile(PacedBareSeconds.Order().ToArray(), 50) : null;

    /// <summary>What pacing alone costs: the paced bare median over the back-to-back bare median, − 1, in %.</summary>
    public double? PacingPercent => PacedBareMedianSeconds is { } paced ? (paced / BareMedianSeconds - 1) * 100 : null;

    /// <summary>The harness against the same calls paced without it: its scheduling and bookkeeping alone, in %.</summary>
    public double? HarnessOverPacedPercent => PacedBareMedianSeconds is { } paced ? (HarnessMedianSeconds / paced - 1) * 100 : null;

    /// <summary>The harness's overhead on the latencies it reports: its median over the bare median, − 1, in %.</summary>
    public double OverheadPercent => (HarnessMedianSeconds / BareMedianSeconds - 1) * 100;

    /// <summary>Within the target (|overhead| under <see cref="HarnessOverhead.TargetPercent"/> %).</summary>
    public bool WithinTarget => Math.Abs(OverheadPercent) < HarnessOverhead.TargetPercent;
}

/// <summary>
/// Measures the use-case harness's own overhead (scheduling, timing, bookkeeping) against the same model run back to back without
/// it, in one run: rounds alternate which goes first, so a drift of the machine (a clock, another process) falls on both alike. A
/// third way, the same calls paced as the harness paces them but without it, splits the difference into what pacing does to a
/// call (a core that idles between frames) and what the harness itself adds.
/// </summary>
public static class HarnessOverhead
{
    /// <summary>The target: the harness's overhead under 2 % of the measured latencies.</summary>
    public const double TargetPercent = 2;

    /// <summary>
    /// Runs <paramref name="rounds"/> rounds of <paramref name="framesPerRound"/> frames each way (harness, back to back, paced bare). The harness paces its frames at
    /// 1.5 × the bare median of a short probe (a frame busy two thirds of its period, so none is dropped for the pace alone),
    /// each frame with that period as its deadline; the sizes cycle through <paramref name="sizes"/> in the same order all three ways.
    /// </summary>
    public static HarnessOverheadResult Measure(string id, Action<int> runFrame, IReadOnlyList<int> sizes, int rounds, int framesPerRound, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(runFrame);
        ArgumentNullException.ThrowIfNull(sizes);
        if (rounds < 1 || framesPerRound < 1 || sizes.Count == 0)
        {
            throw new InvalidInputException($"A harness overhead check needs ≥ 1 round, ≥ 1 frame per round and an input size (got {rounds}, {framesPerRound}, {sizes.Count}).");
        }

        var probe = Bare(runFrame, sizes, 0, Math.Min(framesPerRound, 5), cancellation: CancellationToken.None);
        var period = Math.Max(1.5 * LatencyStatistics.Percentile(probe.Order().ToArray(), 50), 1e-4);
        var harness = new List<double>();
        var bare = new List<double>();
        var paced = new List<double>();
        var lateness = new List<double>();
        for (var round = 0; round < rounds && !cancellation.IsCancellationRequested; round++)
        {
            var offset = round * framesPerRound;
            void RunHarness()
            {
                var arrivals = Enumerable.Range(0, framesPerRound).Select(k => new FrameArrival((k + 1) * period, sizes[(offset + k) % sizes.Count], false)).ToArray();
                var result = UseCaseBench.RunFrames(new FrameWorkloadPlan(id, arrivals, period, runFrame), new StopwatchBenchClock(), cancellation);
                harness.AddRange(result.LatencySeconds);
                // Each frame's lateness against its due time; a round with a drop is left out of it (which arrival a start was is then unknown).
                if (result.Drops == 0)
                {
                    lateness.AddRange(result.StartSeconds.Select((start, k) => start - arrivals[k].DueSeconds));
                }
            }

            // The three ways take turns going first, so a drift of the machine falls on each alike.
            Action[] ways = [RunHarness, () => bare.AddRange(Bare(runFrame, sizes, offset, framesPerRound, cancellation: CancellationToken.None)), () => paced.AddRange(Bare(runFrame, sizes, offset, framesPerRound, period, cancellation))];
            for (var turn = 0; turn < ways.Length && !cancellation.IsCancellationRequested; turn++)
            {
                ways[(round + turn) % ways.Length]();
            }
        }

        if (harness.Count == 0 || bare.Count == 0)
        {
            throw new OperationCanceledException("The harness overhead check was stopped before its first round.", cancellation);
        }

        return new HarnessOverheadResult(id, rounds, harness, bare, lateness) { PacedBareSeconds = paced };
    }

    /// <summary>
    /// The same frames, each timed by a stopwatch and nothing else: back to back, or with <paramref name="period"/> each due one
    /// period after the previous was due and waited for on the harness's clock; until <paramref name="cancellation"/>.
    /// </summary>
    private static List<double> Bare(Action<int> runFrame, IReadOnlyList<int> sizes, int offset, int count, double? period = null, CancellationToken cancellation = default)
    {
        var clock = new StopwatchBenchClock();
        var seconds = new List<double>(count);
        for (var k = 0; k < count && !cancellation.IsCancellationRequested; k++)
        {
            if (period is { } due)
            {
                clock.WaitUntil((k + 1) * due, cancellation);
            }

            var start = Stopwatch.GetTimestamp();
            runFrame(sizes[(offset + k) % sizes.Count]);
            seconds.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        return seconds;
    }
}
