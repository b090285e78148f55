using FsCheck;
using FsCheck.Xunit;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Core.Tests;

/// <summary>Invariants of the analytic model that must hold for any platform and working point.</summary>
public sealed class ModelInvariantProperties
{
    private static readonly LlmWorkload Llama = new(TestPlatforms.Llama32_1B(), WeightFormat.Q4_0, KvCacheFormat.F16);
    private static readonly GraphModel Yolo = ModelZoo.GraphModels.Single(m => m.Id == "yolov8n");
    private static readonly Workloads.Graphs.Graph YoloGraph = Yolo.Build();

    [Property(MaxTest = 200)]
    public bool More_DRAM_bandwidth_never_makes_an_LLM_decode_slower(PositiveInt busBytes, PositiveInt extraBytes, PositiveInt context)
    {
        var narrow = new Ceilings(TestPlatforms.Soc(busWidthBits: 8 * (busBytes.Get % 64 + 1)));
        var wide = new Ceilings(TestPlatforms.Soc(busWidthBits: 8 * ((busBytes.Get % 64) + 1 + (extraBytes.Get % 64))));
        var ctx = context.Get % 32768;
        return LlmPredictor.DecodeStep(Llama, wide, ctx).Seconds <= LlmPredictor.DecodeStep(Llama, narrow, ctx).Seconds;
    }

    [Property(MaxTest = 200)]
    public bool More_compute_never_makes_a_network_slower(PositiveInt tops, PositiveInt extra)
    {
        var slow = new Ceilings(TestPlatforms.Soc(int8Tops: tops.Get % 200 + 1, maxWatts: null));
        var fast = new Ceilings(TestPlatforms.Soc(int8Tops: (tops.Get % 200) + 1 + (extra.Get % 200), maxWatts: null));
        return GraphPredictor.Predict(YoloGraph, fast, WeightFormat.Int8).Latency <= GraphPredictor.Predict(YoloGraph, slow, WeightFormat.Int8).Latency;
    }

    [Property(MaxTest = 200)]
    public bool A_longer_context_never_makes_a_decode_step_faster(PositiveInt context, PositiveInt more)
    {
        var c = new Ceilings(TestPlatforms.Soc());
        var a = context.Get % 100_000;
        return LlmPredictor.DecodeStep(Llama, c, a + (more.Get % 100_000)).Seconds >= LlmPredictor.DecodeStep(Llama, c, a).Seconds;
    }

    [Property(MaxTest = 50)]
    public bool A_larger_input_never_runs_faster(PositiveInt side, PositiveInt extra)
    {
        var c = new Ceilings(TestPlatforms.Soc());
        var small = (side.Get % 40 + 1) * 32;
        var large = small + ((extra.Get % 20) + 1) * 32;
        return GraphPredictor.Predict(Yolo.Build(large, large), c, WeightFormat.Int8).Latency >= GraphPredictor.Predict(Yolo.Build(small, small), c, WeightFormat.Int8).Latency;
    }

    [Property(MaxTest = 100)]
    public bool Fewer_bits_per_weight_never_make_a_bandwidth_bound_decode_slower(PositiveInt context)
    {
        var c = new Ceilings(TestPlatforms.Soc(int8Tops: 1000));
        var ctx = context.Get % 8192;
        var arch = TestPlatforms.Llama32_1B();
        double Step(WeightFormat f) => LlmPredictor.DecodeStep(new LlmWorkload(arch, f, KvCacheFormat.F16), c, ctx).Seconds;
        return Step(WeightFormat.Q4_0) <= Step(WeightFormat.Q8_0) && Step(WeightFormat.Q8_0) <= Step(WeightFormat.Fp16);
    }

    [Property(MaxTest = 100)]
    public bool Batching_never_lowers_aggregate_decode_throughput(PositiveInt batch)
    {
        var c = new Ceilings(TestPlatforms.Soc());
        var b = (batch.Get % 64) + 1;
        return b / LlmPredictor.DecodeStep(Llama, c, 1024, b).Seconds >= 1 / LlmPredictor.DecodeStep(Llama, c, 1024, 1).Seconds * 0.999999;
    }

    [Property(MaxTest = 100)]
    public bool Energy_per_inference_is_never_below_the_energy_of_the_operations_alone(PositiveInt tops)
    {
        var c = new Ceilings(TestPlatforms.Soc(int8Tops: tops.Get % 100 + 1));
        var prediction = GraphPredictor.Predict(YoloGraph, c, WeightFormat.Int8);
        return prediction.EnergyPerInference!.Value.Value >= prediction.OpsPerInference.Value * c.PicojoulesPerOp(Precision.Int8) * 1e-12 * 0.999999;
    }
}
