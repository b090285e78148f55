using WorkingPoint.Core.Workloads.Graphs;

namespace WorkingPoint.Core.Workloads.Zoo;

/// <summary>ImageNet classifiers as defined in torchvision (ResNet-50 v1.5: stride in the 3×3 conv; MobileNetV2 1.0).</summary>
public static class Classifiers
{
    public static GraphModel ResNet50() => new(
        "resnet-50",
        "ResNet-50 v1.5 (ImageNet, 1000 classes)",
        WorkloadCategory.Perception,
        Channels: 3,
        DefaultWidth: 224,
        DefaultHeight: 224,
        Alignment: 1,
        DefineResNet50,
        new PublishedFigures(25_557_032, 2 * 4.09e9, 224, 224, "torchvision resnet50 model card: 25,557,032 params, 4.09 GFLOPS (= GMACs, doubled here)", OpsStep: 2 * 0.01e9),
        "He et al. 2015, torchvision/models/resnet.py (Bottleneck, layers [3, 4, 6, 3])");

    public static GraphModel MobileNetV2() => new(
        "mobilenet-v2",
        "MobileNetV2 1.0 (ImageNet, 1000 classes)",
        WorkloadCategory.Perception,
        Channels: 3,
        DefaultWidth: 224,
        DefaultHeight: 224,
        Alignment: 1,
        DefineMobileNetV2,
        new PublishedFigures(3_504_872, 2 * 0.30e9, 224, 224, "torchvision mobilenet_v2 model card: 3,504,872 params, 0.30 GFLOPS (= GMACs, doubled here)", OpsStep: 2 * 0.01e9),
        "Sandler et al. 2018, torchvision/models/mobilenetv2.py (inverted residual settings)");

    private static Tensor DefineResNet50(GraphBuilder b)
    {
        var x = b.Conv(b.Input, 64, 7, 2, activation: Activation.Relu, padding: 3, name: "conv1");
        x = b.MaxPool(x, 3, 2, 1, "maxpool");
        int[] blocks = [3, 4, 6, 3];
        int[] widths = [64, 128, 256, 512];
        for (var stage = 0; stage < 4; stage++)
        {
            for (var i = 0; i < blocks[stage]; i++)
            {
                var stride = i == 0 && stage > 0 ? 2 : 1;
                var name = $"layer{stage + 1}.{i}";
                var width = widths[stage];
                var y = b.Conv(x, width, 1, activation: Activation.Relu, name: $"{name}.conv1");
                y = b.Conv(y, width, 3, stride, activation: Activation.Relu, name: $"{name}.conv2");
                y = b.Conv(y, width * 4, 1, name: $"{name}.conv3");
                var identity = i == 0 ? b.Conv(x, width * 4, 1, stride, name: $"{name}.downsample") : x;
                x = b.Activate(b.Add(y, identity, $"{name}.add"), Activation.Relu, $"{name}.relu");
            }
        }

        x = b.GlobalAveragePool(x, "avgpool");
        return b.Linear(x, 1000, name: "fc");
    }

    private static Tensor DefineMobileNetV2(GraphBuilder b)
    {
        var x = b.Conv(b.Input, 32, 3, 2, activation: Activation.Relu6, name: "features.0");
        // (expansion t, output channels c, repeats n, first stride s), from the paper's Table 2.
        (int T, int C, int N, int S)[] settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];
        var index = 1;
        foreach (var (t, c, n, s) in settings)
        {
            for (var i = 0; i < n; i++)
            {
                var stride = i == 0 ? s : 1;
                var name = $"features.{index++}";
                var hidden = x.Channels * t;
                var y = t == 1 ? x : b.Conv(x, hidden, 1, activation: Activation.Relu6, name: $"{name}.expand");
                y = b.Conv(y, hidden, 3, stride, groups: hidden, activation: Activation.Relu6, name: $"{name}.dw");
                y = b.Conv(y, c, 1, name: $"{name}.project");
                x = stride == 1 && x.Channels == c ? b.Add(x, y, $"{name}.add") : y;
            }
        }

        x = b.Conv(x, 1280, 1, activation: Activation.Relu6, name: "features.18");
        x = b.GlobalAveragePool(x, "avgpool");
        return b.Linear(x, 1000, name: "classifier");
    }
}
