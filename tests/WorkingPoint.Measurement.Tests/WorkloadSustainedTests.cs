using WorkingPoint.Measurement.UseCases;

namespace WorkingPoint.Measurement.Tests;

/// <summary>A sustained use-case run read per workload over time: synthetic workloads in virtual time, no runtime, no wall clock.</summary>
public sealed class WorkloadSustainedTests
{
    /// <summary>Virtual time: waiting jumps to the time waited for, and a fake workload advances it by what a unit "takes".</summary>
    private sealed class FakeClock : IBenchClock
    {
        public double NowSeconds { get; private set; }

        public void WaitUntil(double seconds, CancellationToken cancellation) => NowSeconds = Math.Max(NowSeconds, seconds);

        public void Spend(double seconds) => NowSeconds += seconds;
    }

    private const double RunSeconds = 600;

    private static readonly TimeSpan TenSeconds = TimeSpan.FromSeconds(10);

    /// <summary>A camera at 10 FPS for 10 minutes whose frames take 10 ms, and <paramref name="laterMs"/> from 90 s on.</summary>
    private static FrameWorkloadResult Frames(double laterMs, double duty = 1)
    {
        var clock = new FakeClock();
        var arrivals = ArrivalSchedule.Frames(10, duty, [1], RunSeconds, 20, seed: 1);
        return UseCaseBench.RunFrames(new FrameWorkloadPlan("detector", arrivals, 0.1, _ => clock.Spend(clock.NowSeconds < 89.95 ? 0.010 : laterMs / 1000)), clock);
    }

    /// <summary>A request every 2 s decoding 10 tokens at 20 tok/s, and at <paramref name="laterRate"/> from 90 s on.</summary>
    private static RequestWorkloadResult Requests(double laterRate)
    {
        var clock = new FakeClock();
        var arrivals = Enumerable.Range(0, 300).Select(i => i * 2.0).ToArray();
        return UseCaseBench.RunRequests(new RequestWorkloadPlan("questions", arrivals, () =>
        {
            var decodeSeconds = 10 / (clock.NowSeconds < 89.95 ? 20 : laterRate);
            clock.Spend(0.05 + decodeSeconds);
            return new RequestTiming(0.05, decodeSeconds, 10);
        }), RunSeconds, clock);
    }

    private static IReadOnlyList<WorkloadSustained> Sustained(FrameWorkloadResult frames, RequestWorkloadResult requests) =>
        WorkloadSustained.Of(new UseCaseBenchResult([frames], [requests], RunSeconds, Interrupted: false), TenSeconds);

    [Fact]
    public void Frames_that_take_6_percent_longer_from_90_s_and_requests_that_decode_6_percent_slower_from_90_s_have_their_onset_at_90_s()
    {
        // 10 ms → 10.64 ms is 100 → 94 frames/s at the p50 latency; 20 → 18.8 tok/s is −6 %.
        var sustained = Sustained(Frames(laterMs: 1000 / 94.0), Requests(laterRate: 18.8));

        var detector = sustained.Single(w => w.Id == "detector");
        Assert.Equal("frames/s", detector.Series.Unit);
        Assert.Equal(100, detector.Series.Throttle.ReferenceThroughput, 6);
        Assert.Equal(90, detector.Series.Throttle.OnsetSeconds);
        Assert.Equal(94, detector.Series.Throttle.OnsetThroughput!.Value, 6);
        // The camera still delivers its 10 FPS: the achieved rate does not show what the latency does.
        Assert.All(detector.AchievedFramesPerSecond!, w => Assert.Equal(10, w.SamplesPerSecond, 6));

        var questions = sustained.Single(w => w.Id == "questions");
        Assert.Equal("tok/s", questions.Series.Unit);
        Assert.Null(questions.AchievedFramesPerSecond);
        Assert.Equal(20, questions.Series.Throttle.ReferenceThroughput, 6);
        Assert.Equal(90, questions.Series.Throttle.OnsetSeconds);
    }

    [Fact]
    public void A_dip_of_4_percent_is_no_onset_for_frames_or_requests()
    {
        var sustained = Sustained(Frames(laterMs: 1000 / 96.0), Requests(laterRate: 19.2));

        Assert.All(sustained, w =>
        {
            Assert.True(w.Series.Throttle.Measured);
            Assert.Null(w.Series.Throttle.OnsetSeconds);
        });
    }

    [Fact]
    public void A_duty_cycle_leaves_idle_windows_without_a_figure_and_they_are_no_onset()
    {
        // Active 10 s of every 20 s: every other 10-s window has no frame; its achieved rate is 0, its latency figure none.
        var detector = WorkloadSustained.Of(new UseCaseBenchResult([Frames(laterMs: 10, duty: 0.5)], [], RunSeconds, Interrupted: false), TenSeconds).Single();

        Assert.Equal(60, detector.Series.Windows.Count);
        Assert.Equal(30, detector.Series.Windows.Count(w => double.IsNaN(w.SamplesPerSecond)));
        Assert.Equal(30, detector.AchievedFramesPerSecond!.Count(w => w.SamplesPerSecond == 0));
        Assert.True(detector.Series.Throttle.Measured);
        Assert.Null(detector.Series.Throttle.OnsetSeconds);
        Assert.Equal(30, detector.Series.Samples("detector.sustained.throughput").Values.Count);
    }

    [Fact]
    public void A_request_workload_with_no_request_after_the_reference_period_is_not_measured()
    {
        var clock = new FakeClock();
        var once = UseCaseBench.RunRequests(new RequestWorkloadPlan("questions", [1.0], () =>
        {
            clock.Spend(0.5);
            return new RequestTiming(0.05, 0.45, 10);
        }), RunSeconds, clock);

        var questions = WorkloadSustained.Of(new UseCaseBenchResult([], [once], RunSeconds, Interrupted: false), TenSeconds).Single();

        Assert.False(questions.Series.Throttle.Measured);
        Assert.Contains("no window with a figure after its reference period", questions.Series.Throttle.NotMeasuredBecause, StringComparison.Ordinal);
    }
}
