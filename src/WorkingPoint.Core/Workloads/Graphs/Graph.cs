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
