using FsCheck;
using FsCheck.Xunit;
using WorkingPoint.Core.Analysis;

namespace WorkingPoint.Core.Tests;

public sealed class ConcurrencyTests
{
    [Property(MaxTest = 300)]
    public bool Running_together_never_speeds_either_workload_up(PositiveInt frameCompute, PositiveInt frameDram, PositiveInt tokenCompute, PositiveInt tokenDram, PositiveInt fps, bool cpu)
    {
        var frame = Demand(frameCompute.Get % 1000, frameDram.Get % 1000, cpu);
        var token = Demand(tokenCompute.Get % 1000, tokenDram.Get % 1000, cpu);
        var p = ConcurrencyPredictor.Predict(frame, fps.Get % 60, token);
        return p.StreamRateTogether <= p.StreamRateAlone + 1e-12 && p.FrameLatencyTogetherSeconds >= p.FrameLatencyAloneSeconds - 1e-12 && p.StreamRateTogether >= 0;
    }

    [Property(MaxTest = 200)]
    public bool A_higher_frame_rate_never_leaves_the_stream_more(PositiveInt fps, PositiveInt more)
    {
        var frame = Demand(20, 5, cpu: false);
        var token = Demand(3, 15, cpu: false);
        var low = fps.Get % 40;
        return ConcurrencyPredictor.Predict(frame, low + (more.Get % 40), token).StreamRateTogether <= ConcurrencyPredictor.Predict(frame, low, token).StreamRateTogether;
    }

    [Fact]
    public void On_a_cpu_the_stream_loses_the_time_the_frames_take_and_a_frame_takes_twice_as_long()
    {
        // A 40 ms frame at 5 FPS holds the cores 20 % of the time; a 20 ms token is left 80 % of them.
        var frame = Demand(40, 10, cpu: true);
        var token = Demand(5, 20, cpu: true);
        var p = ConcurrencyPredictor.Predict(frame, 5, token);

        Assert.Equal(50, p.StreamRateAlone, 9);
        Assert.Equal(40, p.StreamRateTogether, 9);
        Assert.Equal(Resource.Compute, p.Contended);
        Assert.Equal(0.080, p.FrameLatencyTogetherSeconds, 9);
        Assert.True(p.FrameRateHeldTogether);
    }

    [Fact]
    public void On_an_accelerator_a_compute_bound_detector_and_a_bandwidth_bound_decoder_overlap()
    {
        var frame = Demand(40, 4, cpu: false);
        var token = Demand(2, 20, cpu: false);
        var p = ConcurrencyPredictor.Predict(frame, 5, token);

        Assert.Equal(Resource.Dram, p.Contended);
        Assert.Equal(0.98 / 0.020, p.StreamRateTogether, 9);
        Assert.True(p.StreamSlowdown < 1.03);
        Assert.Equal(0.040 / (1 - (49 * 0.002)), p.FrameLatencyTogetherSeconds, 9); // the decoder's 10 % of the compute
    }

    [Fact]
    public void Frames_that_no_longer_fit_their_period_are_reported()
    {
        var p = ConcurrencyPredictor.Predict(Demand(250, 10, cpu: true), 5, Demand(5, 20, cpu: true));
        Assert.False(p.FrameRateHeldTogether);
        Assert.Equal(0, p.StreamRateTogether);
    }

    private static ResourceDemand Demand(double computeMs, double dramMs, bool cpu) =>
        ResourceDemand.Of([new StepCost(computeMs / 1000, dramMs / 1000, 0, 0, 1, 1, 0, 0)], cpu);
}
