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

public sealed class FusionAndChannelAlignmentTests
{
    private static readonly string[] Networks = ["yolov8n", "yolov8s", "resnet-50", "mobilenet-v2", "espcn-x2", "dncnn3"];

    private static Graph Build(string id) => ModelZoo.GraphModels.Single(m => m.Id == id).Build();

    private static Runtime Npu(double layerMicros = 10, double alignment = 1, bool fuses = false) =>
        new Runtime("r", "r", ComputeUnitKind.Npu, [WorkloadKind.Network], new Dictionary<Precision, Precision>(), new RuntimeProfile(0.8, 0.5, 0.5, new Seconds(layerMicros * 1e-6), Seconds.Zero) { ChannelAlignment = alignment }, [], Provenance.None, null)
        {
            FusesLayers = fuses,
        };

    private static GraphPrediction Predict(string network, Runtime runtime, WeightFormat? weights = null, int batch = 1) =>
        GraphPredictor.Predict(Build(network), Ceilings.For(TestPlatforms.Soc(), runtime, WorkloadKind.Network), weights ?? WeightFormat.Int8, batch);

    [Fact]
    public void A_convolutions_channels_follow_from_its_weights_and_a_depthwise_one_has_none()
    {
        var graph = Build("yolov8n");
        var first = graph.Layers.Select((l, i) => (l, i)).First(x => x.l.Kind == OpKind.Conv).i;

        Assert.Equal((3, 16), (graph.MatrixInputChannels(first), graph.MatrixOutputChannels(first)));
        var mobile = Build("mobilenet-v2");
        var depthwise = mobile.Layers.Select((l, i) => (l, i)).First(x => x.l.Kind == OpKind.DepthwiseConv).i;
        Assert.Equal((0, 0), (mobile.MatrixInputChannels(depthwise), mobile.MatrixOutputChannels(depthwise)));
    }

    [Theory]
    [InlineData(16, 32, 2.0)]
    [InlineData(64, 32, 1.0)]
    [InlineData(3, 32, 32.0 / 3)]
    [InlineData(48, 32, 64.0 / 48)]
    [InlineData(0, 32, 1.0)]
    [InlineData(16, 1, 1.0)]
    public void Channels_pad_up_to_a_multiple_of_the_alignment(int channels, double alignment, double factor) =>
        Assert.Equal(factor, GraphPredictor.ChannelPadding(channels, alignment), 12);

    [Property(MaxTest = 60)]
    public bool Padding_channels_never_makes_a_network_faster(PositiveInt network, PositiveInt power, bool fp16)
    {
        // Alignments that are powers of two nest (a multiple of 2a is a multiple of a), so each doubling pads at least as much.
        var id = Networks[network.Get % Networks.Length];
        var narrow = Math.Pow(2, power.Get % 6);
        var weights = fp16 ? WeightFormat.Fp16 : WeightFormat.Int8;
        var none = Predict(id, Npu(), weights);
        var some = Predict(id, Npu(alignment: narrow), weights);
        var more = Predict(id, Npu(alignment: narrow * 2), weights);
        return none.Latency.Value <= some.Latency.Value && some.Latency.Value <= more.Latency.Value
            && some.FramesPerSecond <= none.FramesPerSecond && some.OpsPerInference == none.OpsPerInference;
    }

    [Property(MaxTest = 60)]
    public bool Fusing_layers_never_makes_a_network_slower_nor_moves_more_bytes(PositiveInt network, PositiveInt layerMicros, PositiveInt batch)
    {
        var id = Networks[network.Get % Networks.Length];
        var b = 1 + (batch.Get % 4);
        var plain = Predict(id, Npu(layerMicros.Get % 200), batch: b);
        var fused = Predict(id, Npu(layerMicros.Get % 200, fuses: true), batch: b);
        return fused.Latency.Value <= plain.Latency.Value * (1 + 1e-12)
            && fused.DramBytesPerInference.Value <= plain.DramBytesPerInference.Value
            && fused.OpsPerInference == plain.OpsPerInference;
    }

    [Fact]
    public void A_fusing_runtime_pays_one_launch_per_convolution_of_resnet_50_not_per_add_and_relu()
    {
        var graph = Build("resnet-50");
        var perLayer = 100e-6;
        var fused = Predict("resnet-50", Npu(perLayer * 1e6, fuses: true));
        var plain = Predict("resnet-50", Npu(perLayer * 1e6));

        var computing = graph.Layers.Count(l => !l.Kind.IsView());
        var adds = graph.Layers.Count(l => l.Kind == OpKind.Elementwise);
        var relus = graph.Layers.Count(l => l.Kind == OpKind.Activation);
        Assert.Equal(16, adds);
        Assert.Equal(adds, relus);
        Assert.Equal(computing * perLayer, plain.Layers.Sum(l => l.Cost.FixedSeconds), 9);
        Assert.Equal((computing - adds - relus) * perLayer, fused.Layers.Sum(l => l.Cost.FixedSeconds), 9);

        // The residual add reads the shortcut and writes its output once; the convolution's output never goes round DRAM.
        Assert.True(fused.DramBytesPerInference.Value < plain.DramBytesPerInference.Value);
    }

    [Fact]
    public void A_channel_alignment_outside_one_to_256_is_refused_naming_it()
    {
        var ex = Assert.Throws<InvalidInputException>(() => (new RuntimeProfile(0.8, 0.5, 0.5, Seconds.Zero, Seconds.Zero) { ChannelAlignment = 0.5 }).Validate("test runtime"));
        Assert.Contains("channelAlignment", ex.Message, StringComparison.Ordinal);
    }
}
