using WorkingPoint.Core.Units;

namespace WorkingPoint.Core.Workloads.Graphs;

/// <summary>Operator kinds of the graph IR. Batch-norm is folded into the preceding convolution, as inference runtimes do.</summary>
public enum OpKind
{
    Conv,
    DepthwiseConv,
    ConvTranspose,
    MatMul,
    Pool,
    GlobalPool,
    Resize,
    Concat,
    Split,
    Elementwise,
    Activation,
    Normalization,
    Softmax,
    Attention,
    Reshape,
    Transpose,
    PixelShuffle,
}

public static class OpKindExtensions
{
    /// <summary>Operators that only reinterpret a tensor and move no data.</summary>
    public static bool IsView(this OpKind kind) => kind is OpKind.Reshape or OpKind.Split;

    /// <summary>Operators whose arithmetic runs on the matrix engine (at the weight format's precision).</summary>
    public static bool IsMatrix(this OpKind kind) =>
        kind is OpKind.Conv or OpKind.DepthwiseConv or OpKind.ConvTranspose or OpKind.MatMul or OpKind.Attention;
}

/// <summary>A tensor shape (batch first). Dimensions are fixed once a graph is built at an input size.</summary>
public sealed class TensorShape : IEquatable<TensorShape>
{
    private readonly long[] _dims;

    public TensorShape(params long[] dims)
    {
        if (dims.Length == 0 || dims.Any(d => d <= 0))
        {
            throw new InvalidInputException($"A tensor shape needs positive dimensions, got [{string.Join(", ", dims)}].");
        }

        _dims = (long[])dims.Clone();
        Elements = _dims.Aggregate(1L, (a, b) => checked(a * b));
    }

    public IReadOnlyList<long> Dims => _dims;

    public long Elements { get; }

    public int Rank => _dims.Length;

    public long this[int index] => _dims[index];

    public bool Equals(TensorShape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);

    public override bool Equals(object? obj) => Equals(obj as TensorShape);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var d in _dims)
        {
            hash.Add(d);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => string.Join("x", _dims);
}

/// <summary>One operator with everything the analytic model needs, counted at batch 1.</summary>
/// <param name="Inputs">Indices of producing layers; -1 is the graph input.</param>
/// <param name="Ops">Arithmetic operations (a MAC counts two; element-wise ops one per element).</param>
/// <param name="Parameters">Weights and biases.</param>
/// <param name="InputElements">Activation elements read, all inputs together.</param>
/// <param name="OutputElements">Activation elements written.</param>
/// <param name="Detail">Kernel, stride, groups and the like, for people.</param>
/// <param name="Structure">The operator's exact attributes where the layer was built from a definition, so the graph can be written out as a runnable network (ONNX export); null for imported layers.</param>
public sealed record Layer(
    string Name,
    OpKind Kind,
    IReadOnlyList<int> Inputs,
    TensorShape Output,
    Ops Ops,
    long Parameters,
    long InputElements,
    long OutputElements,
    string Detail,
    LayerStructure? Structure = null);

/// <summary>The builder operation a layer came from: finer than <see cref="OpKind"/> (max vs average pooling, add vs multiply).</summary>
public enum LayerOperator
{
    Conv,
    ConvTranspose,
    Linear,
    MaxPool,
    AveragePool,
    GlobalAveragePool,
    Upsample,
    Concat,
    Split,
    Add,
    Multiply,
    Activation,
    Softmax,
    Normalization,
    PixelShuffle,
    Reshape,
    Attention,
}

/// <summary>A layer's attributes as built: kernel, stride, padding, groups, bias, fused activation, and the factor of upsampling, pixel shuffle or split.</summary>
public sealed record LayerStructure(
    LayerOperator Operator,
    int Kernel = 0,
    int Stride = 1,
    int Padding = 0,
    int Groups = 1,
    bool Bias = false,
    Activation Activation = Activation.None,
    int Factor = 1);

/// <summary>A network built at one input size: a topologically ordered list of layers.</summary>
public sealed class Graph
{
    public Graph(string name, TensorShape input, IReadOnlyList<Layer> layers)
    {
        Name = name;
        Input = input;
        Layers = layers;
        TotalOps = new Ops(layers.Sum(l => l.Ops.Value));
        TotalParameters = layers.Sum(l => l.Parameters);
        var consumed = new bool[layers.Count];
        foreach (var layer in layers)
        {
            foreach (var producer in layer.Inputs)
            {
                if (producer >= 0)
                {
                    consumed[producer] = true;
                }
            }
        }

        OutputElements = layers.Where((_, i) => !consumed[i]).Sum(l => l.OutputElements);
        PeakLiveActivationElements = ComputePeakLiveElements(input, layers);
        (_matrixInputChannels, _matrixOutputChannels) = MatrixChannels(layers);
        _fusedInputElements = FusedInputElements(layers);
    }

    private readonly int[] _matrixInputChannels;
    private readonly int[] _matrixOutputChannels;
    private readonly long[] _fusedInputElements;

    /// <summary>
    /// The input channels a dense matrix layer (convolution, transposed convolution, fully connected) reduces over per group,
    /// 0 for any other layer or where the layer's structure is unknown (an imported layer): what a matrix engine's tile pads.
    /// </summary>
    public int MatrixInputChannels(int layer) => _matrixInputChannels[layer];

    /// <summary>The output channels per group of a dense matrix layer, 0 for any other layer (see <see cref="MatrixInputChannels"/>).</summary>
    public int MatrixOutputChannels(int layer) => _matrixOutputChannels[layer];

    /// <summary>
    /// For a layer a fusing runtime folds into the kernel before it, the activation elements it would otherwise read from that
    /// kernel (the producer's output, which then never leaves the chip); 0 for a layer that is not fused. A layer is fused when it
    /// is element-wise (an add, a multiply, an activation), reads the layer just before it, and that layer is a matrix layer (or
    /// itself fused) whose output nobody else reads: TensorRT's convolution + element-wise and activation fusions.
    /// </summary>
    public long FusedInputElements(int layer) => _fusedInputElements[layer];

    private static (int[] Input, int[] Output) MatrixChannels(IReadOnlyList<Layer> layers)
    {
        var input = new int[layers.Count];
        var output = new int[layers.Count];
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            if (layer.Structure is not { } s || layer.Output.Rank < 2 || layer.Kind is not (OpKind.Conv or OpKind.ConvTranspose or OpKind.MatMul))
            {
                continue;
            }

            // Weights are k × k × (in / groups) × out (+ out biases): the channels follow from the parameter count.
            var outChannels = layer.Output[1];
            var kernelArea = s.Operator == LayerOperator.Linear ? 1L : (long)s.Kernel * s.Kernel;
            var weights = layer.Parameters - (s.Bias ? outChannels : 0);
            var groups = Math.Max(1, s.Groups);
            if (kernelArea <= 0 || outChannels <= 0 || weights <= 0 || outChannels % groups != 0)
            {
                continue;
            }

            input[i] = (int)(weights / (kernelArea * outChannels));
            output[i] = (int)(outChannels / groups);
        }

        return (input, output);
    }

    private static long[] FusedInputElements(IReadOnlyList<Layer> layers)
    {
        var consumers = new int[layers.Count];
        foreach (var layer in layers)
        {
            foreach (var producer in layer.Inputs)
            {
                if (producer >= 0)
                {
                    consumers[producer]++;
                }
            }
        }

        var fused = new long[layers.Count];
        for (var i = 1; i < layers.Count; i++)
        {
            var layer = layers[i];
            var before = layers[i - 1];
            var fusable = layer.Kind is OpKind.Elementwise or OpKind.Activation
                && layer.Inputs.Contains(i - 1)
                && consumers[i - 1] == 1
                && (before.Kind.IsMatrix() || fused[i - 1] > 0);
            fused[i] = fusable ? before.OutputElements : 0;
        }

        return fused;
    }

    public string Name { get; }

    public TensorShape Input { get; }

    public IReadOnlyList<Layer> Layers { get; }

    public Ops TotalOps { get; }

    public long TotalParameters { get; }

    /// <summary>Elements of the graph's outputs (layers nobody consumes).</summary>
    public long OutputElements { get; }

    /// <summary>The most activation elements alive at once when layers run in order: what a dataflow part must hold on chip.</summary>
    public long PeakLiveActivationElements { get; }

    private static long ComputePeakLiveElements(TensorShape input, IReadOnlyList<Layer> layers)
    {
        // A tensor is alive from the step that produces it to the last step that reads it.
        var lastUse = new int[layers.Count];
        var inputLastUse = 0;
        for (var i = 0; i < layers.Count; i++)
        {
            lastUse[i] = i;
            foreach (var producer in layers[i].Inputs)
            {
                if (producer >= 0)
                {
                    lastUse[producer] = i;
                }
                else
                {
                    inputLastUse = i;
                }
            }
        }

        var delta = new long[layers.Count + 1];
        delta[0] += input.Elements;
        delta[inputLastUse + 1] -= input.Elements;
        for (var i = 0; i < layers.Count; i++)
        {
            var size = layers[i].Kind.IsView() ? 0 : layers[i].OutputElements;
            delta[i] += size;
            delta[lastUse[i] + 1] -= size;
        }

        long live = 0, peak = 0;
        for (var i = 0; i < layers.Count; i++)
        {
            live += delta[i];
            peak = Math.Max(peak, live);
        }

        return peak;
    }

    public override string ToString() => $"{Name} @ {Input}";
}
