using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Graphs;

namespace WorkingPoint.Core.Tests;

public sealed class GraphModelTests
{
    private static readonly GraphModel Yolov8s = ModelZoo.GraphModels.Single(m => m.Id == "yolov8s");
    private static readonly GraphModel Yolov8m = ModelZoo.GraphModels.Single(m => m.Id == "yolov8m");

    [Fact]
    public void On_a_dataflow_part_whose_memory_holds_the_network_nothing_goes_off_chip_but_the_input_and_output()
    {
        var card = new Ceilings(TestPlatforms.Soc(hasDram: false, onChipMiB: 32, style: ExecutionStyle.Dataflow, link: new HostLink(HostLinkKind.PcieGen3, 4)));
        var prediction = GraphPredictor.Predict(Yolov8s.Build(), card, WeightFormat.Int8);
        Assert.Equal(WeightResidence.OnChip, prediction.WeightResidence);
        Assert.True(prediction.ActivationsOnChip);
        Assert.Equal(0, prediction.DramBytesPerInference.Value);
        Assert.Equal(Bottleneck.Compute, prediction.Bottleneck);
    }

    [Fact]
    public void A_network_too_big_for_a_dataflow_part_without_DRAM_reloads_its_weights_over_the_host_link_every_frame()
    {
        var card = new Ceilings(TestPlatforms.Soc(int8Tops: 13, hasDram: false, onChipMiB: 16, style: ExecutionStyle.Dataflow, link: new HostLink(HostLinkKind.PcieGen3, 1)));
        var prediction = GraphPredictor.Predict(Yolov8m.Build(), card, WeightFormat.Int8);
        Assert.Equal(WeightResidence.HostLink, prediction.WeightResidence);
        Assert.True(prediction.HostLinkBytesPerInference.Value > prediction.WeightBytes.Value);
        Assert.Equal(Bottleneck.OnChipCapacity, prediction.Bottleneck);
    }

    [Fact]
    public void On_a_layer_by_layer_part_every_layer_output_is_written_to_DRAM_and_read_back()
    {
        var soc = new Ceilings(TestPlatforms.Soc());
        var graph = Yolov8s.Build();
        var prediction = GraphPredictor.Predict(graph, soc, WeightFormat.Int8);
        var activationTraffic = graph.Layers.Where(l => !l.Kind.IsView()).Sum(l => l.InputElements + l.OutputElements);
        Assert.False(prediction.ActivationsOnChip);
        Assert.Equal(activationTraffic + graph.TotalParameters, prediction.DramBytesPerInference.Value, 0);
    }

    [Fact]
    public void Sparse_headline_TOPS_are_never_used_as_dense()
    {
        var peak = new ComputePeak(Precision.Int8, Units.OpsPerSecond.FromTops(67), Sparsity.Structured2To4);
        Assert.Equal(33.5, peak.Dense.Tops, 9);
    }

    [Fact]
    public void A_precision_the_part_lacks_runs_at_the_next_wider_one_it_has()
    {
        var spec = new ComputeSpec([new ComputePeak(Precision.Int8, Units.OpsPerSecond.FromTops(10), Sparsity.Dense), new ComputePeak(Precision.Fp32, Units.OpsPerSecond.FromTops(1), Sparsity.Dense)]);
        Assert.Equal(Precision.Int8, spec.ExecutedPrecision(Precision.Int4));
        Assert.Equal(Precision.Fp32, spec.ExecutedPrecision(Precision.Fp16));
    }

    [Fact]
    public void Batching_on_a_layer_by_layer_part_reads_the_weights_once_for_the_whole_batch()
    {
        var soc = new Ceilings(TestPlatforms.Soc());
        var graph = Yolov8s.Build();
        var one = GraphPredictor.Predict(graph, soc, WeightFormat.Int8, 1);
        var eight = GraphPredictor.Predict(graph, soc, WeightFormat.Int8, 8);
        Assert.Equal(one.DramBytesPerInference.Value - (graph.TotalParameters * 7.0 / 8), eight.DramBytesPerInference.Value, 0);
    }
}
