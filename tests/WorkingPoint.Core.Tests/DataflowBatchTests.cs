using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Units;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Core.Tests;

/// <summary>A dataflow pipeline at batch B (docs/model.md, Networks): frames streamed one behind the other.</summary>
public sealed class DataflowBatchTests
{
    private static readonly GraphModel Yolov8m = ModelZoo.GraphModels.Single(m => m.Id == "yolov8m");
    private static readonly GraphModel Yolov8n = ModelZoo.GraphModels.Single(m => m.Id == "yolov8n");

    /// <summary>A Hailo-like card: 26 int8 TOPS, 16 MiB on chip, no DRAM, behind PCIe Gen3 x4.</summary>
    private static Platform Card() => TestPlatforms.Soc(int8Tops: 26, hasDram: false, onChipMiB: 16, style: ExecutionStyle.Dataflow, link: new HostLink(HostLinkKind.PcieGen3, 4));

    private static Ceilings On(Platform platform, double inferenceOverheadUs)
    {
        var profile = new RuntimeProfile(0.75, 0.5, 0.5, Seconds.Zero, new Seconds(inferenceOverheadUs * 1e-6));
        var runtime = new Runtime("rt", "rt", ComputeUnitKind.Npu, [WorkloadKind.Network], new Dictionary<Precision, Precision>(), profile, [], Provenance.None, null);
        return Ceilings.For(platform, runtime, WorkloadKind.Network);
    }

    [Fact]
    public void A_dataflow_pipeline_holds_one_frames_live_set_at_any_batch_so_a_batch_that_fits_at_one_frame_stays_on_chip()
    {
        // yolov8n at 640 fits beside its weights at batch 1; eight frames' live set would not, but a pipeline never holds eight.
        var graph = Yolov8n.Build();
        var one = GraphPredictor.Predict(graph, On(Card(), 0), WeightFormat.Int8);
        var eight = GraphPredictor.Predict(graph, On(Card(), 0), WeightFormat.Int8, batch: 8);
        Assert.True(one.ActivationsOnChip);
        Assert.True(graph.PeakLiveActivationElements * 8 > Bytes.FromMiB(16).Value);
        Assert.Equal(one.PeakLiveActivations, eight.PeakLiveActivations);
        Assert.True(eight.ActivationsOnChip);
        Assert.Equal(0, eight.HostLinkBytesPerInference.Value - one.HostLinkBytesPerInference.Value, 6);
    }

    [Fact]
    public void A_dataflow_pipeline_pays_the_per_inference_cost_per_frame_so_batching_a_network_that_fits_does_not_raise_its_rate()
    {
        // Hand-worked: 100 µs per frame; batch 8 costs 8 × 100 µs = 800 µs more than without it, and its frame rate equals
        // batch 1's to within the on-chip weight reads the batch shares (0.00003 % here; nothing crosses the link).
        var graph = Yolov8n.Build();
        var one = GraphPredictor.Predict(graph, On(Card(), 100), WeightFormat.Int8);
        var eight = GraphPredictor.Predict(graph, On(Card(), 100), WeightFormat.Int8, batch: 8);
        var eightWithout = GraphPredictor.Predict(graph, On(Card(), 0), WeightFormat.Int8, batch: 8);
        Assert.Equal(eightWithout.Latency.Value + (8 * 100e-6), eight.Latency.Value, 12);
        Assert.Equal(one.FramesPerSecond, eight.FramesPerSecond, one.FramesPerSecond * 1e-5);
    }

    [Fact]
    public void A_network_split_over_the_host_link_amortises_its_weight_reload_over_the_batch()
    {
        var graph = Yolov8m.Build();
        var one = GraphPredictor.Predict(graph, On(Card(), 100), WeightFormat.Int8);
        var eight = GraphPredictor.Predict(graph, On(Card(), 100), WeightFormat.Int8, batch: 8);
        Assert.Equal(WeightResidence.HostLink, eight.WeightResidence);
        Assert.True(eight.FramesPerSecond > 1.5 * one.FramesPerSecond);
    }

    [Fact]
    public void A_layer_by_layer_unit_still_holds_the_whole_batch_and_pays_the_per_inference_cost_once_per_batch()
    {
        var soc = TestPlatforms.Soc(onChipMiB: 4);
        var graph = Yolov8n.Build();
        var one = GraphPredictor.Predict(graph, On(soc, 100), WeightFormat.Int8);
        var four = GraphPredictor.Predict(graph, On(soc, 100), WeightFormat.Int8, batch: 4);
        var fourWithout = GraphPredictor.Predict(graph, On(soc, 0), WeightFormat.Int8, batch: 4);
        Assert.Equal(4 * one.PeakLiveActivations.Value, four.PeakLiveActivations.Value, 6);
        Assert.Equal(fourWithout.Latency.Value + 100e-6, four.Latency.Value, 12);
    }
}
