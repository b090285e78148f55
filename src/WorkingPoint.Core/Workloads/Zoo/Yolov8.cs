using WorkingPoint.Core.Workloads.Graphs;

namespace WorkingPoint.Core.Workloads.Zoo;

/// <summary>
/// Ultralytics YOLOv8 detection models, following ultralytics/cfg/models/v8/yolov8.yaml (backbone, PAN head, decoupled
/// anchor-free Detect head with DFL, 80 classes). Depth and width multiples per scale are the yaml's.
/// </summary>
public static class Yolov8
{
    private const string Source = "github.com/ultralytics/ultralytics ultralytics/cfg/models/v8/yolov8.yaml; docs/en/models/yolov8.md";

    public static GraphModel Create(char scale)
    {
        var (depth, width, maxChannels, parameters, gflops) = scale switch
        {
            'n' => (0.33, 0.25, 1024, 3_200_000L, 8.7),
            's' => (0.33, 0.50, 1024, 11_200_000L, 28.6),
            'm' => (0.67, 0.75, 768, 25_900_000L, 78.9),
            'l' => (1.00, 1.00, 512, 43_700_000L, 165.2),
            'x' => (1.00, 1.25, 512, 68_200_000L, 257.8),
            _ => throw new ArgumentOutOfRangeException(nameof(scale), $"YOLOv8 has scales n, s, m, l, x; got '{scale}'."),
        };
        return new GraphModel(
            $"yolov8{scale}",
            $"YOLOv8{char.ToUpperInvariant(scale)} detection (COCO, 80 classes)",
            WorkloadCategory.Perception,
            Channels: 3,
            DefaultWidth: 640,
            DefaultHeight: 640,
            Alignment: 32,
            b => Define(b, depth, width, maxChannels),
            new PublishedFigures(parameters, gflops * 1e9, 640, 640, "Ultralytics YOLOv8 model table (GFLOPs = 2×MACs) — docs/en/models/yolov8.md", ParameterStep: 100_000, OpsStep: 0.1e9),
            Source);
    }

    private static Tensor Define(GraphBuilder b, double depthMultiple, double widthMultiple, int maxChannels)
    {
        int C(int channels) => MakeDivisible(Math.Min(channels, maxChannels) * widthMultiple, 8);
        int N(int repeats) => Math.Max((int)Math.Round(repeats * depthMultiple), 1);

        var x = ConvBnSilu(b, b.Input, C(64), 3, 2, "model.0");
        x = ConvBnSilu(b, x, C(128), 3, 2, "model.1");
        x = C2f(b, x, C(128), N(3), shortcut: true, "model.2");
        x = ConvBnSilu(b, x, C(256), 3, 2, "model.3");
        var p3 = C2f(b, x, C(256), N(6), shortcut: true, "model.4");
        x = ConvBnSilu(b, p3, C(512), 3, 2, "model.5");
        var p4 = C2f(b, x, C(512), N(6), shortcut: true, "model.6");
        x = ConvBnSilu(b, p4, C(1024), 3, 2, "model.7");
        x = C2f(b, x, C(1024), N(3), shortcut: true, "model.8");
        var p5 = Sppf(b, x, C(1024), "model.9");

        x = b.Upsample(p5, 2, "model.10");
        x = b.Concat([x, p4], "model.11");
        var h12 = C2f(b, x, C(512), N(3), shortcut: false, "model.12");
        x = b.Upsample(h12, 2, "model.13");
        x = b.Concat([x, p3], "model.14");
        var out3 = C2f(b, x, C(256), N(3), shortcut: false, "model.15");
        x = ConvBnSilu(b, out3, C(256), 3, 2, "model.16");
        x = b.Concat([x, h12], "model.17");
        var out4 = C2f(b, x, C(512), N(3), shortcut: false, "model.18");
        x = ConvBnSilu(b, out4, C(512), 3, 2, "model.19");
        x = b.Concat([x, p5], "model.20");
        var out5 = C2f(b, x, C(1024), N(3), shortcut: false, "model.21");

        return Detect(b, [out3, out4, out5], classes: 80, "model.22");
    }

    private static Tensor ConvBnSilu(GraphBuilder b, Tensor x, int channels, int kernel, int stride, string name) =>
        b.Conv(x, channels, kernel, stride, activation: Activation.Silu, name: name);

    private static Tensor C2f(GraphBuilder b, Tensor x, int outChannels, int repeats, bool shortcut, string name)
    {
        var hidden = outChannels / 2;
        var y = ConvBnSilu(b, x, 2 * hidden, 1, 1, $"{name}.cv1");
        var parts = new List<Tensor>(b.Split(y, 2, $"{name}.split"));
        var current = parts[^1];
        for (var i = 0; i < repeats; i++)
        {
            var t = ConvBnSilu(b, current, hidden, 3, 1, $"{name}.m.{i}.cv1");
            t = ConvBnSilu(b, t, hidden, 3, 1, $"{name}.m.{i}.cv2");
            current = shortcut ? b.Add(current, t, $"{name}.m.{i}.add") : t;
            parts.Add(current);
        }

        return ConvBnSilu(b, b.Concat(parts, $"{name}.cat"), outChannels, 1, 1, $"{name}.cv2");
    }

    private static Tensor Sppf(GraphBuilder b, Tensor x, int outChannels, string name)
    {
        var hidden = x.Channels / 2;
        var y = ConvBnSilu(b, x, hidden, 1, 1, $"{name}.cv1");
        var p1 = b.MaxPool(y, 5, 1, name: $"{name}.m.0");
        var p2 = b.MaxPool(p1, 5, 1, name: $"{name}.m.1");
        var p3 = b.MaxPool(p2, 5, 1, name: $"{name}.m.2");
        return ConvBnSilu(b, b.Concat([y, p1, p2, p3], $"{name}.cat"), outChannels, 1, 1, $"{name}.cv2");
    }

    private static Tensor Detect(GraphBuilder b, IReadOnlyList<Tensor> levels, int classes, string name)
    {
        const int RegMax = 16;
        var boxChannels = Math.Max(Math.Max(16, levels[0].Channels / 4), RegMax * 4);
        var classChannels = Math.Max(levels[0].Channels, Math.Min(classes, 100));
        var last = levels[0];
        for (var i = 0; i < levels.Count; i++)
        {
            var box = ConvBnSilu(b, levels[i], boxChannels, 3, 1, $"{name}.cv2.{i}.0");
            box = ConvBnSilu(b, box, boxChannels, 3, 1, $"{name}.cv2.{i}.1");
            box = b.Conv(box, 4 * RegMax, 1, name: $"{name}.cv2.{i}.2");
            var cls = ConvBnSilu(b, levels[i], classChannels, 3, 1, $"{name}.cv3.{i}.0");
            cls = ConvBnSilu(b, cls, classChannels, 3, 1, $"{name}.cv3.{i}.1");
            b.Conv(cls, classes, 1, name: $"{name}.cv3.{i}.2");

            // DFL: a softmax over 16 distance bins per box side, then the fixed 1×1 convolution that takes their expectation.
            last = b.Conv(b.Softmax(box, $"{name}.dfl.{i}.softmax"), 4, 1, groups: 4, bias: false, name: $"{name}.dfl.{i}.conv");
        }

        return last;
    }

    // Ultralytics' make_divisible: round up to a multiple of the divisor.
    private static int MakeDivisible(double channels, int divisor) => (int)Math.Ceiling(channels / divisor) * divisor;
}
