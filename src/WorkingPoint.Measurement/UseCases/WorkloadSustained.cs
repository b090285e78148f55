using WorkingPoint.Measurement.Scenarios;

namespace WorkingPoint.Measurement.UseCases;

/// <summary>
/// One workload of a sustained use-case run over time, with its throttle onset. A camera holds its frame rate until the
/// workload can no longer keep up, so a frame workload is read by what it could run: frames/s at each window's p50 frame latency
/// (a board that throttles shows it there before frames drop); its achieved frames/s per window is kept beside it. A request
/// workload is read by the decode rate of the requests that finished in each window.
/// </summary>
/// <param name="Id">The workload's id.</param>
/// <param name="Figure">What the windows hold, in words.</param>
/// <param name="Series">The windows (NaN where nothing finished: an idle phase, a gap between requests) and the throttle onset.</param>
/// <param name="AchievedFramesPerSecond">A frame workload's frames finished per second in each window (0 in idle phases); null for requests.</param>
public sealed record WorkloadSustained(string Id, string Figure, SustainedSeries Series, IReadOnlyList<(double WindowEndSeconds, double SamplesPerSecond)>? AchievedFramesPerSecond)
{
    public const string FrameFigure = "frames/s at each window's p50 frame latency";

    public const string RequestFigure = "mean decode tok/s of the requests that finished in each window";

    /// <summary>
    /// Every workload of <paramref name="result"/> in windows of <paramref name="window"/> (default: the run split in 30, as
    /// bench onnx --sustained); none for a run of no length.
    /// </summary>
    public static IReadOnlyList<WorkloadSustained> Of(UseCaseBenchResult result, TimeSpan? window)
    {
        ArgumentNullException.ThrowIfNull(result);
        var run = result.DurationSeconds;
        if (!(run > 0))
        {
            return [];
        }

        var width = window ?? ThroughputWindows.DefaultFor(run);
        var workloads = new List<WorkloadSustained>();
        foreach (var frames in result.Frames)
        {
            var finished = frames.StartSeconds.Select((start, i) => (start + frames.LatencySeconds[i], frames.LatencySeconds[i])).ToArray();
            var capacity = ThroughputWindows.Of(finished, run, width, (latencies, _) => latencies.Count == 0 ? double.NaN : 1 / Math.Max(LatencyStatistics.Percentile(latencies.Order().ToArray(), 50), 1e-9));
            var achieved = ThroughputWindows.Rate(finished.Select(f => (f.Item1, 1.0)), run, width);
            workloads.Add(new WorkloadSustained(frames.Id, FrameFigure, SustainedSeries.Of("frames/s", width, capacity, run), achieved));
        }

        foreach (var requests in result.Requests)
        {
            var finished = requests.CompletedSeconds.Select((end, i) => (end, requests.DecodeTokensPerSecond[i]));
            var decode = ThroughputWindows.Of(finished, run, width, (rates, _) => rates.Count == 0 ? double.NaN : rates.Average());
            workloads.Add(new WorkloadSustained(requests.Id, RequestFigure, SustainedSeries.Of("tok/s", width, decode, run), null));
        }

        return workloads;
    }
}
