using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Units;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Core.Tests;

/// <summary>A dataflow unit's contexts (docs/model.md, Networks): switches paid per context per batch, frames streamed through the pipeline.</summary>
public sealed class DataflowContextTests
{
    private static readonly GraphModel Yolov8m = ModelZoo.GraphModels.Single(m => m.Id == "yolov8m");
    private static readonly GraphModel Yolov8n = ModelZoo.GraphModels.Single(m => m.Id == "yolov8n");

    /// <summary>A Hailo-like card: 26 int8 TOPS, 16 MiB on chip, no DRAM, behind PCIe Gen3 x4.</summary>
    private static Platform Card() => TestPlatforms.Soc(int8Tops: 26, hasDram: false, onChipMiB: 16, style: ExecutionStyle.Dataflow, link: new HostLink(HostLinkKind.PcieGen3, 4));

    private static Ceilings On(Platform platform, double contextSwitchUs, double inferenceOverheadUs = 0)
    {
        var profile = new RuntimeProfile(0.75, 0.5, 0.5, Seconds.Zero, new Seconds(inferenceOverheadUs * 1e-6)) { ContextSwitch = new Seconds(contextSwitchUs * 1e-6) };
        var runtime = new Runtime("dataflow-rt", "dataflow-rt", ComputeUnitKind.Npu, [WorkloadKind.Network], new Dictionary<Precision, Precision>(), profile, [], Provenance.None, null);
        return Ceilings.For(platform, runtime, WorkloadKind.Network);
    }

    [Theory]
    [InlineData(10e6, 16.0, 1)]
    [InlineData(16.0 * 1024 * 1024, 16.0, 1)]
    [InlineData(25.9e6, 16.0, 2)]
    [InlineData(68.2e6, 16.0, 5)]
    [InlineData(68.2e6, 0.0, 1)]
    public void A_network_runs_as_the_ceiling_of_its_weights_over_the_on_chip_capacity_contexts(double weightBytes, double capacityMiB, int contexts) =>
        Assert.Equal(contexts, GraphPredictor.Contexts(weightBytes, capacityMiB * 1024 * 1024));

    [Fact]
    public void Yolov8m_int8_on_a_16_MiB_card_pays_two_context_switches_per_batch_on_top_of_its_weight_reload()
    {
        // Hand-worked: yolov8m has 25.9 M parameters, 25.9 MB at int8 > 16 MiB (16.8 MB): ceil(25.9 / 16.8) = 2 contexts.
        // At 500 µs per switch a batch pays 2 × 500 µs = 1 ms more: at batch 1 the latency grows by exactly 1 ms, at batch 8
        // each frame's period by 1 ms / 8.
        var graph = Yolov8m.Build();
        Assert.Equal(2, GraphPredictor.Contexts(graph.TotalParameters, Bytes.FromMiB(16).Value));
        var none = GraphPredictor.Predict(graph, On(Card(), 0), WeightFormat.Int8);
        var switching = GraphPredictor.Predict(graph, On(Card(), 500), WeightFormat.Int8);
        Assert.Equal(none.Latency.Value + 1e-3, switching.Latency.Value, 12);
        Assert.Equal((1 / none.FramesPerSecond) + 1e-3, 1 / switching.FramesPerSecond, 12);

        var none8 = GraphPredictor.Predict(graph, On(Card(), 0), WeightFormat.Int8, batch: 8);
        var switching8 = GraphPredictor.Predict(graph, On(Card(), 500), WeightFormat.Int8, batch: 8);
        Assert.Equal((1 / none8.FramesPerSecond) + (1e-3 / 8), 1 / switching8.FramesPerSecond, 12);
        Assert.True(switching8.FramesPerSecond > switching.FramesPerSecond);
    }

    [Fact]
    public void A_network_that_fits_on_chip_pays_no_context_switch_and_predicts_as_without_the_parameter()
    {
        var graph = Yolov8n.Build();
        var none = GraphPredictor.Predict(graph, On(Card(), 0), WeightFormat.Int8);
        var switching = GraphPredictor.Predict(graph, On(Card(), 5000), WeightFormat.Int8);
        Assert.Equal(WeightResidence.OnChip, switching.WeightResidence);
        Assert.Equal(none, switching with { Layers = none.Layers });
        Assert.Equal(none.Latency, switching.Latency);
    }

    [Fact]
    public void A_layer_by_layer_unit_ignores_the_context_switch_cost()
    {
        var soc = TestPlatforms.Soc(onChipMiB: 4);
        var graph = Yolov8m.Build();
        var none = GraphPredictor.Predict(graph, On(soc, 0, inferenceOverheadUs: 200), WeightFormat.Int8, batch: 4);
        var switching = GraphPredictor.Predict(graph, On(soc, 5000, inferenceOverheadUs: 200), WeightFormat.Int8, batch: 4);
        Assert.Equal(none.Latency, switching.Latency);
        Assert.Equal(none.FramesPerSecond, switching.FramesPerSecond);
    }

    [Fact]
    public void A_dataflow_pipeline_streams_a_batch_so_its_live_set_is_one_frames_and_it_pays_the_per_inference_cost_per_frame()
    {
        var graph = Yolov8n.Build();
        var one = GraphPredictor.Predict(graph, On(Card(), 0, inferenceOverheadUs: 100), WeightFormat.Int8);
        var eight = GraphPredictor.Predict(graph, On(Card(), 0, inferenceOverheadUs: 100), WeightFormat.Int8, batch: 8);
        Assert.Equal(one.PeakLiveActivations, eight.PeakLiveActivations);
        Assert.Equal(one.ActivationsOnChip, eight.ActivationsOnChip);

        // Per frame: the same 100 µs at batch 1 and batch 8; without it, batch 8 is eight frames' work.
        var eightWithout = GraphPredictor.Predict(graph, On(Card(), 0), WeightFormat.Int8, batch: 8);
        Assert.Equal(eightWithout.Latency.Value + (8 * 100e-6), eight.Latency.Value, 12);
    }
}
