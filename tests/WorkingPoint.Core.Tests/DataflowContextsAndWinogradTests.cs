using FsCheck;
using FsCheck.Xunit;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Units;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Graphs;
using WorkingPoint.Core.Workloads.Zoo;

namespace WorkingPoint.Core.Tests;

public sealed class DataflowContextsAndWinogradTests
{
    private static readonly string[] Networks = ["yolov8n", "yolov8s", "resnet-50", "mobilenet-v2", "espcn-x2", "dncnn3"];

    private static Graph Build(string id) => ModelZoo.GraphModels.Single(m => m.Id == id).Build();

    private static Runtime With(RuntimeProfile profile) =>
        new("r", "r", ComputeUnitKind.Npu, [WorkloadKind.Network], new Dictionary<Precision, Precision>(), profile, [], Provenance.None, null);

    private static RuntimeProfile Plain => new(0.8, 0.5, 0.5, Seconds.Zero, Seconds.Zero);

    private static Platform Dataflow(double tops = 26) =>
        TestPlatforms.Soc(int8Tops: tops, onChipMiB: 64, style: ExecutionStyle.Dataflow, hasDram: false, maxWatts: null, idleWatts: null, link: new HostLink(HostLinkKind.PcieGen3, 4));

    private static GraphPrediction Predict(string network, Platform platform, RuntimeProfile profile, int batch = 1) =>
        GraphPredictor.Predict(Build(network), Ceilings.For(platform, With(profile), WorkloadKind.Network), WeightFormat.Int8, batch);

    [Fact]
    public void Winograd_kernels_speed_up_only_dense_three_by_three_stride_one_convolutions()
    {
        var graph = Build("yolov8s");
        var soc = TestPlatforms.Soc(dramMegaTransfers: 1e6);
        var direct = Predict("yolov8s", soc, Plain);
        var winograd = Predict("yolov8s", soc, Plain with { WinogradSpeedup = 4 });

        Assert.Equal(direct.OpsPerInference, winograd.OpsPerInference);
        for (var i = 0; i < graph.Layers.Count; i++)
        {
            var layer = graph.Layers[i];
            var expected = GraphPredictor.IsWinogradConvolution(layer) ? direct.Layers[i].Cost.ComputeSeconds / 4 : direct.Layers[i].Cost.ComputeSeconds;
            Assert.Equal(expected, winograd.Layers[i].Cost.ComputeSeconds, 15);
        }

        Assert.Contains(graph.Layers, GraphPredictor.IsWinogradConvolution);
        Assert.DoesNotContain(graph.Layers, l => GraphPredictor.IsWinogradConvolution(l) && l.Structure!.Stride != 1);
        Assert.True(winograd.Latency.Value < direct.Latency.Value);
    }

    [Fact]
    public void A_runtime_that_caches_part_of_the_weights_streams_only_what_does_not_fit()
    {
        // resnet-50's 25.6 MB of int8 weights on a card with 8 MiB: the Edge TPU keeps what fits and streams the rest.
        var card = TestPlatforms.Soc(int8Tops: 4, onChipMiB: 8, style: ExecutionStyle.Dataflow, hasDram: false, maxWatts: null, idleWatts: null, link: new HostLink(HostLinkKind.Usb3Gen1, 1));
        var whole = GraphPredictor.Predict(Build("resnet-50"), Ceilings.For(card, With(Plain), WorkloadKind.Network), WeightFormat.Int8);
        var partial = GraphPredictor.Predict(Build("resnet-50"), Ceilings.For(card, With(Plain) with { PartialWeightCaching = true }, WorkloadKind.Network), WeightFormat.Int8);

        var capacity = 8.0 * 1024 * 1024;
        var ioBytes = (double)(Build("resnet-50").Input.Elements + Build("resnet-50").OutputElements);
        Assert.Equal(whole.WeightBytes.Value + ioBytes, whole.HostLinkBytesPerInference.Value, 3);
        Assert.Equal(whole.WeightBytes.Value - (capacity - partial.PeakLiveActivations.Value) + ioBytes, partial.HostLinkBytesPerInference.Value, 3);
        Assert.True(partial.Latency.Value < whole.Latency.Value);
    }

    [Fact]
    public void A_multi_context_runtime_loads_the_weights_that_do_not_fit_in_series_with_the_compute()
    {
        // yolov8m's 25.9 MB do not fit a 20 MiB card: overlapped, the frame takes the longer of reload and compute; in
        // contexts, their sum; a batch of 8 shares one reload either way.
        var card = TestPlatforms.Soc(int8Tops: 26, onChipMiB: 20, style: ExecutionStyle.Dataflow, hasDram: false, maxWatts: null, idleWatts: null, link: new HostLink(HostLinkKind.PcieGen3, 4));
        var overlapped = Ceilings.For(card, With(Plain), WorkloadKind.Network);
        var contexts = Ceilings.For(card, With(Plain) with { MultiContext = true }, WorkloadKind.Network);
        var graph = Build("yolov8m");
        var reloadSeconds = graph.TotalParameters / overlapped.HostLinkBytesPerSecond;
        var computeSeconds = graph.Layers.Sum(l => l.Ops.Value) / overlapped.ComputeOpsPerSecond(Precision.Int8);

        var one = GraphPredictor.Predict(graph, contexts, WeightFormat.Int8);
        var eight = GraphPredictor.Predict(graph, contexts, WeightFormat.Int8, batch: 8);

        Assert.True(GraphPredictor.Predict(graph, overlapped, WeightFormat.Int8).FramesPerSecond > one.FramesPerSecond);
        Assert.InRange(1 / one.FramesPerSecond, reloadSeconds + computeSeconds, (reloadSeconds + computeSeconds) * 1.5);
        Assert.InRange(8 / eight.FramesPerSecond, reloadSeconds + (8 * computeSeconds), (reloadSeconds + (8 * computeSeconds)) * 1.5);
        Assert.Equal(Bottleneck.OnChipCapacity, one.Bottleneck);
    }

    [Fact]
    public void A_dataflow_unit_of_unpublished_memory_size_streams_activations_on_chip_and_reloads_its_weights_each_batch()
    {
        // The Hailo-10H's case: DRAM beside a dataflow core whose SRAM size is not published.
        var module = TestPlatforms.Soc(int8Tops: 20, onChipMiB: null, style: ExecutionStyle.Dataflow, maxWatts: null, idleWatts: null);
        var one = Predict("yolov8s", module, Plain);
        var eight = Predict("yolov8s", module, Plain, batch: 8);

        Assert.True(one.ActivationsOnChip);
        Assert.Equal(WeightResidence.Dram, one.WeightResidence);
        Assert.Equal(one.WeightBytes.Value, one.DramBytesPerInference.Value, 3);
        Assert.Equal(one.WeightBytes.Value / 8, eight.DramBytesPerInference.Value, 3);
    }

    [Property(MaxTest = 40)]
    public bool A_profile_without_the_new_parameters_predicts_what_it_did_before(PositiveInt network, PositiveInt batch, bool dataflow)
    {
        // The fields are opt-in: absent (null), a prediction is the one the roofline, shares and fixed costs alone give.
        var id = Networks[network.Get % Networks.Length];
        var platform = dataflow ? Dataflow() : TestPlatforms.Soc();
        var b = 1 + (batch.Get % 8);
        var plain = Predict(id, platform, Plain, b);
        var neutral = Predict(id, platform, Plain with { WinogradSpeedup = 1 }, b);
        var flagged = GraphPredictor.Predict(Build(id), Ceilings.For(platform, With(Plain) with { MultiContext = false, PartialWeightCaching = false }, WorkloadKind.Network), WeightFormat.Int8, b);
        return plain.Latency == neutral.Latency && plain.FramesPerSecond == neutral.FramesPerSecond && plain.Latency == flagged.Latency;
    }

    [Theory]
    [InlineData(6.0)]
    [InlineData(0.5)]
    public void An_out_of_range_Winograd_speedup_is_refused_naming_it(double winograd)
    {
        var ex = Assert.Throws<InvalidInputException>(() => (Plain with { WinogradSpeedup = winograd }).Validate("test runtime"));
        Assert.Contains("winogradSpeedup", ex.Message, StringComparison.Ordinal);
    }
}
