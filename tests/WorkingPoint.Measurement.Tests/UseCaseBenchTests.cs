using WorkingPoint.Core;
using WorkingPoint.Measurement.UseCases;

namespace WorkingPoint.Measurement.Tests;

public sealed class UseCaseBenchTests
{
    /// <summary>Virtual time: waiting jumps to the time waited for, and a fake workload advances it by what a unit "takes".</summary>
    private sealed class FakeClock : IBenchClock
    {
        public double NowSeconds { get; private set; }

        public void WaitUntil(double seconds, CancellationToken cancellation) => NowSeconds = Math.Max(NowSeconds, seconds);

        public void Spend(double seconds) => NowSeconds += seconds;
    }

    [Fact]
    public void Camera_pacing_issues_one_frame_every_period_for_the_whole_duration()
    {
        var frames = ArrivalSchedule.Frames(10, 1, [1], 2, 10, seed: 1);
        Assert.Equal(20, frames.Count);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i * 0.1), frames.Select(f => f.DueSeconds), new ToleranceComparer(1e-12));
        Assert.DoesNotContain(frames, f => f.WakesUp);
    }

    [Fact]
    public void Duty_cycle_runs_frames_only_in_the_active_phase_of_each_cycle_and_marks_each_wake_up()
    {
        // 25 % of a 4 s cycle is 1 s active: 5 frames at 5 FPS, then 3 s idle; three cycles in 12 s.
        var frames = ArrivalSchedule.Frames(5, 0.25, [1], 12, 4, seed: 1);
        Assert.Equal(15, frames.Count);
        Assert.All(frames, f => Assert.True(f.DueSeconds % 4 < 1 - 1e-9));
        Assert.Equal([4.0, 8.0], frames.Where(f => f.WakesUp).Select(f => f.DueSeconds));
    }

    [Fact]
    public void Input_sizes_are_drawn_from_the_shares_and_are_the_same_for_the_same_seed()
    {
        var frames = ArrivalSchedule.Frames(100, 1, [0.8, 0.2], 100, 10, seed: 7);
        var again = ArrivalSchedule.Frames(100, 1, [0.8, 0.2], 100, 10, seed: 7);
        Assert.Equal(frames, again);
        // 10 000 draws with p = 0.2: the standard deviation of the share is sqrt(0.2·0.8/10 000) = 0.004, so ±0.02 is 5 sigma.
        var share = frames.Count(f => f.SizeIndex == 1) / (double)frames.Count;
        Assert.InRange(share, 0.18, 0.22);
    }

    [Fact]
    public void Poisson_arrivals_have_the_asked_mean_rate_and_are_exact_for_a_seed()
    {
        // 10/s over 1000 s: 10 000 arrivals expected with a standard deviation of sqrt(10 000) = 100, so ±5 % is 5 sigma.
        var arrivals = ArrivalSchedule.Poisson(10, 1000, seed: 3);
        Assert.InRange(arrivals.Count, 9500, 10500);
        Assert.Equal(arrivals, ArrivalSchedule.Poisson(10, 1000, seed: 3));
        Assert.NotEqual(arrivals, ArrivalSchedule.Poisson(10, 1000, seed: 4));
        Assert.True(arrivals.Zip(arrivals.Skip(1)).All(p => p.Second > p.First));
        Assert.All(arrivals, t => Assert.InRange(t, 0, 1000));
    }

    [Fact]
    public void A_frame_slower_than_its_deadline_is_a_miss_and_the_frames_due_while_it_runs_are_drops()
    {
        var clock = new FakeClock();
        // 10 FPS with a 100 ms deadline; every third frame takes 250 ms, the others 50 ms.
        var frames = ArrivalSchedule.Frames(10, 1, [1], 1, 10, seed: 1);
        var calls = 0;
        var result = UseCaseBench.RunFrames(new FrameWorkloadPlan("camera", frames, 0.1, _ => clock.Spend(calls++ % 3 == 0 ? 0.25 : 0.05)), clock);

        // Frame 0 (0–0.25 s) misses and drops the frames due at 0.1 and 0.2; 0.3 and 0.4 run; 0.5 is slow again (to 0.75): drops 0.6, 0.7; and so on.
        Assert.Equal(10, result.FramesDue);
        Assert.Equal(6, result.FramesRun);
        Assert.Equal(4, result.Drops);
        Assert.Equal(2, result.Misses);
        Assert.Equal(result.FramesDue, result.FramesRun + result.Drops);
        Assert.Equal([0.0, 0.3, 0.4, 0.5, 0.8, 0.9], result.StartSeconds, new ToleranceComparer(1e-9));
        Assert.Equal(0.25, result.Latency!.Max.Value, 9);
        Assert.Equal(0.05, result.Latency.Min.Value, 9);
    }

    [Fact]
    public void A_frame_within_its_period_but_past_a_tighter_latency_target_is_a_miss_without_a_drop()
    {
        var clock = new FakeClock();
        var frames = ArrivalSchedule.Frames(10, 1, [1], 1, 10, seed: 1);
        var result = UseCaseBench.RunFrames(new FrameWorkloadPlan("camera", frames, 0.05, _ => clock.Spend(0.08)), clock);
        Assert.Equal(10, result.FramesRun);
        Assert.Equal(0, result.Drops);
        Assert.Equal(10, result.Misses);
    }

    [Fact]
    public void A_wake_up_frame_latency_is_kept_apart()
    {
        var clock = new FakeClock();
        var frames = ArrivalSchedule.Frames(5, 0.5, [1], 4, 2, seed: 1);
        var result = UseCaseBench.RunFrames(new FrameWorkloadPlan("camera", frames, 0.2, _ => clock.Spend(0.01)), clock);
        Assert.Single(result.WakeUpLatencySeconds);
        Assert.Equal(10, result.FramesRun);
        Assert.Equal(10 / 4.0, result.AchievedFramesPerSecond(4), 9);
    }

    [Fact]
    public void Requests_queue_behind_each_other_and_their_time_to_first_token_counts_the_wait()
    {
        var clock = new FakeClock();
        // Three requests at 0, 1 and 1.5 s, each 1 s of prefill and 2 s decoding 20 tokens: the second waits 2 s, the third 4.5 s.
        var result = UseCaseBench.RunRequests(new RequestWorkloadPlan("assistant", [0, 1, 1.5], () =>
        {
            clock.Spend(3);
            return new RequestTiming(1, 2, 20);
        }), 100, clock);
        Assert.Equal([1.0, 3.0, 5.5], result.TimeToFirstTokenSeconds, new ToleranceComparer(1e-9));
        Assert.All(result.DecodeTokensPerSecond, r => Assert.Equal(10, r, 9));
        Assert.Equal(0, result.Unserved);
        Assert.Equal(10, result.MeanDecodeTokensPerSecond!.Value, 9);
    }

    [Fact]
    public void Requests_still_waiting_when_the_run_ends_are_unserved()
    {
        var clock = new FakeClock();
        var result = UseCaseBench.RunRequests(new RequestWorkloadPlan("assistant", [0, 1, 2], () =>
        {
            clock.Spend(5);
            return new RequestTiming(1, 4, 8);
        }), 4, clock);
        Assert.Equal(1, result.Served);
        Assert.Equal(2, result.Unserved);
    }

    [Fact]
    public void A_stopped_run_keeps_the_frames_that_finished_and_says_it_was_interrupted()
    {
        var clock = new FakeClock();
        using var stop = new CancellationTokenSource();
        var frames = ArrivalSchedule.Frames(10, 1, [1], 10, 10, seed: 1);
        var calls = 0;
        var result = UseCaseBench.Run([new FrameWorkloadPlan("camera", frames, 0.1, _ =>
        {
            clock.Spend(0.01);
            if (++calls == 5)
            {
                stop.Cancel();
            }
        })], [], 10, clock, cancellation: stop.Token);
        Assert.True(result.Interrupted);
        Assert.Equal(5, result.Frames[0].FramesRun);
        Assert.True(result.DurationSeconds < 10);
    }

    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(10, 0, 1)]
    [InlineData(10, 1.5, 1)]
    [InlineData(10, 1, 0)]
    public void A_schedule_with_a_rate_duty_or_duration_out_of_range_is_refused(double fps, double duty, double seconds)
    {
        Assert.Throws<InvalidInputException>(() => ArrivalSchedule.Frames(fps, duty, [1], seconds, 10, seed: 1));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    public void A_poisson_schedule_with_no_rate_or_duration_is_refused(double perSecond, double seconds) =>
        Assert.Throws<InvalidInputException>(() => ArrivalSchedule.Poisson(perSecond, seconds, seed: 1));

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
