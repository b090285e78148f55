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

public sealed class SpeechModelTests
{
    private static readonly Workloads.AudioEncoderSpec WhisperBaseAudio = new(80, 3000, 512, 6, 8, 2048);

    private static Workloads.LlmArchitecture WhisperBase() => new(
        "whisper-base", "Whisper base", Workloads.LlmFamily.Whisper, 512, 6, 8, 8, 64, 2048, 51865, TiedEmbeddings: true, QkvBias: true, GatedFfn: false,
        MaxContext: 448, SlidingWindow: null, PublishedParameters: 72_593_920, Source: "test", Audio: WhisperBaseAudio);

    [Fact]
    public void Whisper_base_counts_exactly_the_published_parameters_encoder_and_decoder()
    {
        var whisper = WhisperBase();
        Assert.Equal(20_590_592, WhisperBaseAudio.Parameters);
        Assert.Equal(72_593_920, whisper.TotalParameters);
    }

    [Fact]
    public void Each_decoded_token_reads_the_cross_attention_cache_but_not_the_cross_projection_weights()
    {
        var w = new LlmWorkload(WhisperBase(), Workloads.WeightFormat.Fp16, Workloads.KvCacheFormat.F16);
        Assert.Equal(2.0 * 8 * 64 * 1500 * 2 * 6, w.CrossKvBytes);
        Assert.Equal(2.0 * 6 * 2 * 512 * 512, w.CrossKvWeightBytes);
        Assert.True(w.DecodeWeightBytes < w.WeightBytes - w.CrossKvWeightBytes + 1);

        var c = new Ceilings(TestPlatforms.Soc());
        var step = LlmPredictor.DecodeStep(w, c, 10);
        Assert.True(step.DramBytes >= w.DecodeWeightBytes + w.CrossKvBytes);
    }

    [Fact]
    public void Longer_audio_runs_the_encoder_once_per_30_second_window()
    {
        Assert.Equal(1, Workloads.AudioEncoderSpec.Windows(6));
        Assert.Equal(1, Workloads.AudioEncoderSpec.Windows(30));
        Assert.Equal(2, Workloads.AudioEncoderSpec.Windows(31));
        var graph = WhisperBaseAudio.AsGraphModel("whisper-base").Build();
        Assert.Equal(1500L * 512, graph.Layers[^1].OutputElements);
        Assert.InRange(graph.TotalParameters, 0.95 * (WhisperBaseAudio.Parameters - (1500 * 512)), 1.0 * WhisperBaseAudio.Parameters);
    }
}
