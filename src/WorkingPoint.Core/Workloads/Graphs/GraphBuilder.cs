using WorkingPoint.Core.Units;

namespace WorkingPoint.Core.Workloads.Graphs;

/// <summary>Element-wise activation fused after an operator.</summary>
public enum Activation
{
    None,
    Relu,
    Relu6,
    Silu,
    Gelu,
    Tanh,
}

/// <summary>A tensor being built: its producer and its shape (channels × height × width at batch 1; tokens × features for transformers).</summary>
public readonly record struct Tensor(int Producer, int Channels, int Height, int Width)
{
    public long Elements => (long)Channels * Height * Width;
}

/// <summary>
/// Builds a <see cref="Graph"/> at a given input size, inferring every shape as it goes, so that a model definition written once
/// yields the right per-layer counts at any resolution.
/// </summary>
public sealed class GraphBuilder
{
    private readonly string _name;
    private readonly List<Layer> _layers = [];
    private readonly Dictionary<string, int> _nameCounts = [];

    public GraphBuilder(string name, int channels, int height, int width)
    {
        _name = name;
        Input = new Tensor(-1, channels, height, width);
    }

    public Tensor Input { get; }

    /// <summary>Convolution (batch-norm folded, so with bias), with optional fused activation. Padding defaults to "same" (k/2).</summary>
    public Tensor Conv(Tensor x, int outChannels, int kernel, int stride = 1, int groups = 1, bool bias = true, Activation activation = Activation.None, int? padding = null, string? name = null)
    {
        if (x.Channels % groups != 0 || outChannels % groups != 0)
        {
            throw new InvalidInputException($"Conv groups {groups} must divide channels {x.Channels} → {outChannels}.");
        }

        var pad = padding ?? kernel / 2;
        var h = ((x.Height + (2 * pad) - kernel) / stride) + 1;
        var w = ((x.Width + (2 * pad) - kernel) / stride) + 1;
        if (h <= 0 || w <= 0)
        {
            throw new InvalidInputException($"Input {x.Height}x{x.Width} is too small for a {kernel}x{kernel}/{stride} convolution.");
        }

        var output = x with { Channels = outChannels, Height = h, Width = w };
        long weights = (long)kernel * kernel * (x.Channels / groups) * outChannels;
        var macs = (double)weights * h * w;
        var outElements = output.Elements;
        var ops = Ops.FromMacs(macs) + ActivationOps(activation, outElements);
        var depthwise = groups > 1 && groups == x.Channels;
        var kind = depthwise ? OpKind.DepthwiseConv : OpKind.Conv;
        var detail = $"k{kernel} s{stride}{(groups > 1 ? $" g{groups}" : string.Empty)} {x.Channels}→{outChannels}{ActivationSuffix(activation)}";
        return Add(name ?? (depthwise ? "dwconv" : "conv"), kind, [x.Producer], output, ops, weights + (bias ? outChannels : 0), x.Elements, detail, new LayerStructure(LayerOperator.Conv, kernel, stride, pad, groups, bias, activation));
    }

    /// <summary>Transposed convolution (learned upsampling).</summary>
    public Tensor ConvTranspose(Tensor x, int outChannels, int kernel, int stride, bool bias = true, string? name = null)
    {
        var output = x with { Channels = outChannels, Height = x.Height * stride, Width = x.Width * stride };
        long weights = (long)kernel * kernel * x.Channels * outChannels;
        var macs = (double)weights * x.Height * x.Width;
        return Add(name ?? "convtranspose", OpKind.ConvTranspose, [x.Producer], output, Ops.FromMacs(macs), weights + (bias ? outChannels : 0), x.Elements, $"k{kernel} s{stride} {x.Channels}→{outChannels}", new LayerStructure(LayerOperator.ConvTranspose, kernel, stride, Bias: bias));
    }

    /// <summary>Fully connected layer over the channel dimension, applied at every spatial position / token.</summary>
    public Tensor Linear(Tensor x, int outFeatures, bool bias = true, Activation activation = Activation.None, string? name = null)
    {
        var positions = (long)x.Height * x.Width;
        var output = x with { Channels = outFeatures };
        long weights = (long)x.Channels * outFeatures;
        var ops = Ops.FromMacs((double)weights * positions) + ActivationOps(activation, output.Elements);
        return Add(name ?? "matmul", OpKind.MatMul, [x.Producer], output, ops, weights + (bias ? outFeatures : 0), x.Elements, $"{x.Channels}→{outFeatures} ×{positions}{ActivationSuffix(activation)}", new LayerStructure(LayerOperator.Linear, Bias: bias, Activation: activation));
    }

    public Tensor MaxPool(Tensor x, int kernel, int stride, int? padding = null, string? name = null) => Pool(x, kernel, stride, padding ?? kernel / 2, name ?? "maxpool", LayerOperator.MaxPool);

    public Tensor AvgPool(Tensor x, int kernel, int stride, int? padding = null, string? name = null) => Pool(x, kernel, stride, padding ?? 0, name ?? "avgpool", LayerOperator.AveragePool);

    public Tensor GlobalAveragePool(Tensor x, string? name = null)
    {
        var output = x with { Height = 1, Width = 1 };
        return Add(name ?? "globalpool", OpKind.GlobalPool, [x.Producer], output, new Ops(x.Elements), 0, x.Elements, $"{x.Height}x{x.Width}→1x1", new LayerStructure(LayerOperator.GlobalAveragePool));
    }

    /// <summary>Nearest-neighbour upsampling by an integer factor.</summary>
    public Tensor Upsample(Tensor x, int factor, string? name = null)
    {
        var output = x with { Height = x.Height * factor, Width = x.Width * factor };
        return Add(name ?? "resize", OpKind.Resize, [x.Producer], output, Ops.Zero, 0, x.Elements, $"nearest ×{factor}", new LayerStructure(LayerOperator.Upsample, Factor: factor));
    }

    public Tensor Concat(IReadOnlyList<Tensor> parts, string? name = null)
    {
        var first = parts[0];
        if (parts.Any(p => p.Height != first.Height || p.Width != first.Width))
        {
            throw new InvalidInputException($"Concat needs equal spatial sizes, got {string.Join(", ", parts.Select(p => $"{p.Height}x{p.Width}"))}.");
        }

        var output = first with { Channels = parts.Sum(p => p.Channels) };
        return Add(name ?? "concat", OpKind.Concat, parts.Select(p => p.Producer).ToArray(), output, Ops.Zero, 0, parts.Sum(p => p.Elements), $"{parts.Count} inputs", new LayerStructure(LayerOperator.Concat));
    }

    /// <summary>Splits channels into equal parts (a view: no data moves).</summary>
    public Tensor[] Split(Tensor x, int parts, string? name = null)
    {
        if (x.Channels % parts != 0)
        {
            throw new InvalidInputException($"Cannot split {x.Channels} channels into {parts} equal parts.");
        }

        var part = x with { Channels = x.Channels / parts };
        var index = Add(name ?? "split", OpKind.Split, [x.Producer], x, Ops.Zero, 0, x.Elements, $"{parts} parts", new LayerStructure(LayerOperator.Split, Factor: parts)).Producer;
        return Enumerable.Range(0, parts).Select(_ => part with { Producer = index }).ToArray();
    }

    /// <summary>Element-wise sum (residual connection).</summary>
    public Tensor Add(Tensor a, Tensor b, string? name = null)
    {
        if (a.Elements != b.Elements)
        {
            throw new InvalidInputException($"Residual add needs equal shapes, got {a.Channels}x{a.Height}x{a.Width} and {b.Channels}x{b.Height}x{b.Width}.");
        }

        return Add(name ?? "add", OpKind.Elementwise, [a.Producer, b.Producer], a with { }, new Ops(a.Elements), 0, a.Elements + b.Elements, "add", new LayerStructure(LayerOperator.Add));
    }

    /// <summary>Element-wise multiply (gating).</summary>
    public Tensor Multiply(Tensor a, Tensor b, string? name = null) =>
        Add(name ?? "mul", OpKind.Elementwise, [a.Producer, b.Producer], a with { }, new Ops(a.Elements), 0, a.Elements + b.Elements, "mul", new LayerStructure(LayerOperator.Multiply));

    public Tensor Activate(Tensor x, Activation activation, string? name = null) =>
        Add(name ?? activation.ToString().ToLowerInvariant(), OpKind.Activation, [x.Producer], x with { }, ActivationOps(activation, x.Elements), 0, x.Elements, activation.ToString(), new LayerStructure(LayerOperator.Activation, Activation: activation));

    /// <summary>Softmax over the channel dimension.</summary>
    public Tensor Softmax(Tensor x, string? name = null) =>
        Add(name ?? "softmax", OpKind.Softmax, [x.Producer], x with { }, new Ops(5.0 * x.Elements), 0, x.Elements, "softmax", new LayerStructure(LayerOperator.Softmax));

    /// <summary>Layer or RMS norm over the feature (channel) dimension, with a learned scale and optional shift.</summary>
    public Tensor Normalize(Tensor x, bool shift = true, string? name = null) =>
        Add(name ?? "norm", OpKind.Normalization, [x.Producer], x with { }, new Ops(5.0 * x.Elements), x.Channels * (shift ? 2L : 1L), x.Elements, shift ? "layernorm" : "rmsnorm", new LayerStructure(LayerOperator.Normalization, Bias: shift));

    /// <summary>Depth-to-space: C·r² × H × W → C × rH × rW.</summary>
    public Tensor PixelShuffle(Tensor x, int factor, string? name = null)
    {
        if (x.Channels % (factor * factor) != 0)
        {
            throw new InvalidInputException($"Pixel shuffle ×{factor} needs channels divisible by {factor * factor}, got {x.Channels}.");
        }

        var output = x with { Channels = x.Channels / (factor * factor), Height = x.Height * factor, Width = x.Width * factor };
        return Add(name ?? "pixelshuffle", OpKind.PixelShuffle, [x.Producer], output, Ops.Zero, 0, x.Elements, $"×{factor}", new LayerStructure(LayerOperator.PixelShuffle, Factor: factor));
    }

    /// <summary>Flattens a spatial map into tokens (tokens × features), a view.</summary>
    public Tensor ToTokens(Tensor x, string? name = null) =>
        Add(name ?? "flatten", OpKind.Reshape, [x.Producer], x with { Height = x.Height * x.Width, Width = 1 }, Ops.Zero, 0, x.Elements, "to tokens", new LayerStructure(LayerOperator.Reshape));

    /// <summary>
    /// Adds learned absolute position embeddings to tokens. The table holds <paramref name="positions"/> × features weights
    /// whatever the input size, since the model interpolates or crops it rather than growing it.
    /// </summary>
    public Tensor LearnedPositions(Tensor x, int positions, string? name = null) =>
        Add(name ?? "positions", OpKind.Elementwise, [x.Producer], x with { }, new Ops(x.Elements), (long)positions * x.Channels, x.Elements, $"{positions} learned positions", new LayerStructure(LayerOperator.Add, Bias: true));

    /// <summary>Merges groups of <paramref name="tokensPerGroup"/> neighbouring tokens into one token of their concatenated features (a view).</summary>
    public Tensor MergeTokens(Tensor x, int tokensPerGroup, string? name = null) =>
        Add(name ?? "merge", OpKind.Reshape, [x.Producer], x with { Channels = x.Channels * tokensPerGroup, Height = x.Height / tokensPerGroup, Width = 1 }, Ops.Zero, 0, x.Elements, $"{tokensPerGroup} tokens → 1", new LayerStructure(LayerOperator.Reshape, Factor: tokensPerGroup));

    /// <summary>
    /// Scaled dot-product attention core (QKᵀ, softmax, AV) on an input of fused q, k, v features (3 × heads × headDim per token).
    /// Each query attends to <paramref name="keysPerQuery"/> keys (all tokens, or its window).
    /// </summary>
    public Tensor Attention(Tensor qkv, int heads, int headDim, int keysPerQuery, string? name = null)
    {
        var tokens = (long)qkv.Height * qkv.Width;
        var output = qkv with { Channels = heads * headDim };
        var macs = 2.0 * tokens * keysPerQuery * heads * headDim;
        var softmaxOps = 5.0 * tokens * keysPerQuery * heads;
        return Add(name ?? "attention", OpKind.Attention, [qkv.Producer], output, Ops.FromMacs(macs) + new Ops(softmaxOps), 0, qkv.Elements, $"{heads}×{headDim}, {keysPerQuery} keys/query", new LayerStructure(LayerOperator.Attention));
    }

    public Graph Build() => new(_name, new TensorShape(1, Input.Channels, Input.Height, Input.Width), _layers.ToArray());

    private Tensor Pool(Tensor x, int kernel, int stride, int pad, string name, LayerOperator pool)
    {
        var h = ((x.Height + (2 * pad) - kernel) / stride) + 1;
        var w = ((x.Width + (2 * pad) - kernel) / stride) + 1;
        var output = x with { Height = h, Width = w };
        return Add(name, OpKind.Pool, [x.Producer], output, new Ops((double)kernel * kernel * output.Elements), 0, x.Elements, $"k{kernel} s{stride}", new LayerStructure(pool, kernel, stride, pad));
    }

    private static Ops ActivationOps(Activation activation, long elements) => activation == Activation.None ? Ops.Zero : new Ops(elements);

    private static string ActivationSuffix(Activation activation) => activation == Activation.None ? string.Empty : $" +{activation.ToString().ToLowerInvariant()}";

    private Tensor Add(string name, OpKind kind, int[] inputs, Tensor output, Ops ops, long parameters, long inputElements, string detail, LayerStructure structure)
    {
        _nameCounts.TryGetValue(name, out var count);
        _nameCounts[name] = count + 1;
        var unique = count == 0 ? name : $"{name}.{count}";
        var index = _layers.Count;
        _layers.Add(new Layer(unique, kind, inputs, new TensorShape(1, output.Channels, output.Height, output.Width), ops, parameters, inputElements, output.Elements, detail, structure));
        return output with { Producer = index };
    }
}
