using WorkingPoint.Core;
using System.Globalization;
using WorkingPoint.Core.Units;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Graphs;
using WorkingPoint.Onnx.Protobuf;
using DataType = WorkingPoint.Onnx.OnnxSchema.DataType;

namespace WorkingPoint.Onnx.Import;

/// <summary>A model input as declared and as resolved for this import.</summary>
public sealed record OnnxInput(string Name, string Declared, IReadOnlyList<long> Shape, DataType ElementType);

/// <summary>The result of importing an ONNX file into the graph IR, with everything the import noticed.</summary>
public sealed record OnnxImport(
    string Source,
    OnnxModel Model,
    Graph Graph,
    IReadOnlyList<OnnxInput> Inputs,
    IReadOnlyDictionary<string, int> OperatorCounts,
    IReadOnlyDictionary<string, int> UnsupportedOperators,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<OnnxAlternative> Alternatives)
{
    /// <summary>Every tensor stored in the file, subgraphs included: initializers, and the values of Constant nodes (where some exporters keep weights).</summary>
    public IEnumerable<OnnxTensor> StoredTensors => Model.Graph.StoredTensors;

    /// <summary>Elements of every stored tensor: what the weight bytes hold, whichever branch a run takes.</summary>
    public long StoredElements => StoredTensors.Sum(t => t.Elements);

    /// <summary>Bytes of all stored tensors by element type.</summary>
    public IReadOnlyDictionary<DataType, long> WeightBytesByType =>
        StoredTensors.GroupBy(t => t.DataType).ToDictionary(g => g.Key, g => g.Sum(t => t.Bytes));

    /// <summary>The weight format most of the weight bytes are stored in.</summary>
    public WeightFormat WeightFormat =>
        WeightBytesByType.Count == 0 ? WeightFormat.Parse("fp32") : WeightBytesByType.MaxBy(kv => kv.Value).Key switch
        {
            DataType.Float16 => WeightFormat.Parse("fp16"),
            DataType.BFloat16 => WeightFormat.Parse("bf16"),
            DataType.Int8 or DataType.UInt8 => WeightFormat.Parse("int8"),
            _ => WeightFormat.Parse("fp32"),
        };
}

/// <summary>
/// One branch of an If whose condition is only known at run time: both branches are counted, the graph holds the more expensive
/// one (<see cref="Counted"/>), and each is listed here with its cost.
/// </summary>
public sealed record OnnxAlternative(string Node, string Branch, double Ops, long Parameters, bool Counted);

/// <summary>
/// Imports an ONNX model into the graph IR: shapes are inferred node by node from the input shapes (dynamic dimensions resolved
/// from the user's), shape computations (Shape → Gather → Concat → Reshape and the like) are constant-folded, and every compute
/// node becomes a layer counted with the same conventions as the catalog's own networks. Operators it does not know are listed by
/// name and count; where their output shape can be assumed equal to their input's, the import goes on.
/// </summary>
public sealed class OnnxImporter
{
    private readonly string _source;
    private readonly OnnxModel _model;
    private readonly long _opset;
    private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _consumers = new(StringComparer.Ordinal);
    private readonly List<Layer> _layers = [];
    private readonly SortedDictionary<string, int> _operators = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> _unsupported = new(StringComparer.Ordinal);
    private readonly List<string> _warnings;
    private readonly List<OnnxAlternative> _alternatives;
    private readonly IReadOnlyList<OnnxNode> _nodes;
    private readonly int _depth;

    /// <summary>What is known about a tensor: its shape and type, its values when constant, and the layer that produces it (-1: graph input, -2: constant).</summary>
    private sealed record Value(long[] Shape, DataType Type, double[]? Constant, int Producer, bool Weight = false)
    {
        public long Elements => Folding.Elements(Shape);
    }

    private OnnxImporter(string source, OnnxModel model)
    {
        _source = source;
        _model = model;
        _opset = model.Opset;
        _warnings = [];
        _alternatives = [];
        _nodes = model.Graph.Nodes;
    }

    /// <summary>
    /// An importer for a subgraph (If branch, Loop or Scan body): it sees the outer graph's values (ONNX scoping) and continues its
    /// layer list, so the layers it adds can be spliced into the outer graph with their producer indices intact.
    /// </summary>
    private OnnxImporter(OnnxImporter outer, OnnxGraph body)
    {
        _source = outer._source;
        _model = outer._model;
        _opset = outer._opset;
        _values = new Dictionary<string, Value>(outer._values, StringComparer.Ordinal);
        _layers = [.. outer._layers];
        _operators = outer._operators;
        _unsupported = outer._unsupported;
        _warnings = outer._warnings;
        _alternatives = outer._alternatives;
        _nodes = body.Nodes;
        _depth = outer._depth + 1;
        foreach (var node in body.Nodes)
        {
            foreach (var input in node.Inputs.Where(i => i.Length > 0))
            {
                _consumers[input] = _consumers.GetValueOrDefault(input) + 1;
            }
        }

        foreach (var (name, tensor) in body.Initializers)
        {
            _values[name] = new Value(tensor.Dims.ToArray(), tensor.DataType, tensor.Values, -2, Weight: true);
        }
    }

    public static OnnxImport Import(string path, InputShapes shapes) => Import(OnnxModelReader.Read(path), path, shapes);

    public static OnnxImport Import(OnnxModel model, string source, InputShapes shapes) => new OnnxImporter(source, model).Run(shapes);

    private OnnxImport Run(InputShapes shapes)
    {
        var graph = _model.Graph;
        foreach (var (name, tensor) in graph.Initializers)
        {
            _values[name] = new Value(tensor.Dims.ToArray(), tensor.DataType, tensor.Values, -2, Weight: true);
        }

        var realInputs = graph.Inputs.Where(i => !graph.Initializers.ContainsKey(i.Name)).ToArray();
        var inputs = new List<OnnxInput>();
        foreach (var input in realInputs)
        {
            var declared = input.Dims?.Select(d => d.Value ?? -1).ToArray()
                ?? throw new OnnxImportException($"{_source}: input {input.Name} declares no shape; give it with --input {input.Name}=1x3x640x640.");
            var symbols = input.Dims.Select(d => d.Symbol).ToArray();
            var shape = shapes.Resolve(input.Name, declared, symbols, realInputs.Length == 1);
            if (!WithinElementLimit(shape))
            {
                throw new OnnxImportException($"{_source}: input {input.Name} has shape [{string.Join(",", shape)}], more than {OnnxModelReader.MaxTensorElements} elements (the limit); check the model's declared shape or --input.");
            }

            _values[input.Name] = new Value(shape, input.ElementType, null, -1);
            inputs.Add(new OnnxInput(input.Name, string.Join("x", input.Dims.Select(d => d.Value?.ToString(CultureInfo.InvariantCulture) ?? d.Symbol ?? "?")), shape, input.ElementType));
        }

        foreach (var name in shapes.Named.Keys.Where(n => realInputs.All(i => i.Name != n)))
        {
            throw new InvalidInputException($"--input {name}=…: {_source} has no input named {name}; its inputs are {string.Join(", ", realInputs.Select(i => i.Name))}.");
        }

        if (inputs.Count == 0)
        {
            throw new OnnxImportException($"{_source}: the graph has no inputs to run on; it is not a model WorkingPoint can count.");
        }

        foreach (var node in graph.Nodes)
        {
            foreach (var input in node.Inputs.Where(i => i.Length > 0))
            {
                _consumers[input] = _consumers.GetValueOrDefault(input) + 1;
            }
        }

        try
        {
            InferAll(graph.Nodes);
        }
        catch (OnnxImportException ex) when (StrideHint(ex.Message, inputs) is { Length: > 0 } hint)
        {
            throw new OnnxImportException(ex.Message.TrimEnd('.') + hint);
        }

        if (_layers.Count == 0)
        {
            throw new OnnxImportException($"{_source}: no compute layers found (the graph only folds constants).");
        }

        var first = inputs[0].Shape.Count == 0 ? [1L] : inputs[0].Shape.ToArray();
        var graphName = string.IsNullOrEmpty(graph.Name) ? Path.GetFileNameWithoutExtension(_source) : graph.Name;
        return new OnnxImport(_source, _model, new Graph(graphName, new TensorShape(first), _layers.ToArray()), inputs, _operators, _unsupported, _warnings, _alternatives);
    }

    private void InferAll(IEnumerable<OnnxNode> nodes)
    {
        foreach (var node in nodes)
        {
            var op = node.Domain is "" or "ai.onnx" ? node.OpType : $"{node.Domain}.{node.OpType}";
            _operators[op] = _operators.GetValueOrDefault(op) + 1;
            try
            {
                Infer(node);
            }
            catch (Exception ex) when (ex is IndexOutOfRangeException or ArgumentException or OverflowException or InvalidOperationException
                or DivideByZeroException or KeyNotFoundException or InvalidCastException or FormatException)
            {
                // Attributes and shapes come from the file: arithmetic on damaged ones fails here, and is the file's fault, not a bug.
                throw new OnnxImportException($"{_source}: cannot infer the shapes of {node.OpType} node '{NameOf(node)}': {FirstLine(ex.Message)}; the model is damaged or uses the operator in a way WorkingPoint does not know.");
            }
        }
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim().TrimEnd('.');

    /// <summary>A node's attribute that must be positive (strides, dilations, kernel sizes, group): zero or less is refused with the rule.</summary>
    private long[] Positive(OnnxNode node, string attribute, long[] values, int count)
    {
        if (values.Length < count)
        {
            throw new OnnxImportException($"{_source}: {node.OpType} node '{NameOf(node)}' gives {attribute} for {values.Length} axes and its input has {count} spatial axes; the model is damaged, re-export it.");
        }

        foreach (var v in values)
        {
            if (v <= 0 || v > int.MaxValue)
            {
                var given = values.Length == 1 ? values[0].ToString(CultureInfo.InvariantCulture) : $"[{string.Join(",", values)}]";
                throw new OnnxImportException($"{_source}: {node.OpType} node '{NameOf(node)}' has {attribute} {given}; {(values.Length == 1 ? "it" : "each")} must be from 1 to {int.MaxValue}. The model is damaged, re-export it.");
            }
        }

        return values;
    }

    private static string NameOf(OnnxNode node) => node.Name.Length > 0 ? node.Name : node.Outputs.Count > 0 ? node.Outputs[0] : node.OpType;

    private Value Get(OnnxNode node, int index)
    {
        var name = node.Input(index) ?? throw new InvalidOperationException($"input {index} is missing");
        return _values.TryGetValue(name, out var value)
            ? value
            : throw new OnnxImportException($"{_source}: node '{NameOf(node)}' ({node.OpType}) reads '{name}', which nothing before it produces; the graph is not in topological order or an earlier operator could not be inferred.");
    }

    /// <summary>
    /// When shapes fail to broadcast and the image input's height or width is not a multiple of 32, the usual cause: a network that
    /// downsamples by 32 and upsamples back (a detector's feature pyramid) only lines up at multiples of its stride.
    /// </summary>
    private static string StrideHint(string message, IReadOnlyList<OnnxInput> inputs)
    {
        const int stride = 32;
        if (!message.Contains("do not broadcast", StringComparison.Ordinal) || inputs.Count != 1 || inputs[0].Shape.Count != 4)
        {
            return string.Empty;
        }

        long height = inputs[0].Shape[2], width = inputs[0].Shape[3];
        if (height % stride == 0 && width % stride == 0)
        {
            return string.Empty;
        }

        static long Up(long v) => (v + stride - 1) / stride * stride;
        return string.Create(CultureInfo.InvariantCulture, $". The input is {width}x{height}: a network that halves its feature maps 5 times and merges them back needs a height and width that are multiples of {stride}; try --input {Up(width)}x{Up(height)}.");
    }

    private Value? Optional(OnnxNode node, int index) => node.Input(index) is { } name && _values.TryGetValue(name, out var v) ? v : null;

    private long[] ConstantInts(OnnxNode node, int index, string what)
    {
        var value = Get(node, index);
        return value.Constant?.Select(v => (long)v).ToArray()
            ?? throw new OnnxImportException($"{_source}: node '{NameOf(node)}' ({node.OpType}) takes its {what} from '{node.Inputs[index]}', computed at run time from data; WorkingPoint needs it to be a constant or a shape computation.");
    }

    private void SetConstant(OnnxNode node, long[] shape, DataType type, double[] values, int output = 0) =>
        _values[node.Outputs[output]] = new Value(shape, type, values, -2);

    /// <summary>Passes a tensor through unchanged (Identity, Dropout, Cast on activations): the output is the same tensor.</summary>
    private void Alias(OnnxNode node, Value input, DataType? type = null)
    {
        _values[node.Outputs[0]] = input with { Type = type ?? input.Type, Weight = false };
    }

    private bool AllConstant(OnnxNode node) => node.Inputs.Where(i => i.Length > 0).All(i => _values.TryGetValue(i, out var v) && v.Constant is not null);

    /// <summary>Adds a layer producing every output of <paramref name="node"/>; activation inputs link it to their producers.</summary>
    private void AddLayer(OnnxNode node, OpKind kind, long[][] outputShapes, double ops, long parameters, string detail, DataType? outputType = null)
    {
        foreach (var shape in outputShapes)
        {
            if (shape.Any(d => d < 0) || !WithinElementLimit(shape))
            {
                throw new OnnxImportException($"{_source}: {node.OpType} node '{NameOf(node)}' would produce a tensor of shape [{string.Join(",", shape)}] (negative, or more than {OnnxModelReader.MaxTensorElements} elements, the limit); its attributes or the input shapes are wrong.");
            }
        }

        var activationInputs = node.Inputs.Where(i => i.Length > 0 && _values.TryGetValue(i, out var v) && v.Producer != -2).Select(i => _values[i]).ToArray();
        var producers = activationInputs.Select(v => v.Producer).Distinct().ToArray();
        var index = _layers.Count;
        var type = outputType ?? activationInputs.FirstOrDefault()?.Type ?? DataType.Float;
        var outputs = outputShapes.Select(s => s.Length == 0 ? new long[] { 1 } : s).ToArray();
        _layers.Add(new Layer(
            NameOf(node),
            kind,
            producers.Length == 0 ? [-1] : producers,
            new TensorShape(outputs[0].Select(d => Math.Max(1, d)).ToArray()),
            new Ops(ops),
            parameters,
            activationInputs.Sum(v => v.Elements),
            outputs.Sum(Folding.Elements),
            detail));
        for (var i = 0; i < node.Outputs.Count && i < outputShapes.Length; i++)
        {
            if (node.Outputs[i].Length > 0)
            {
                _values[node.Outputs[i]] = new Value(outputShapes[i], type, null, index);
            }
        }
    }

    private static bool WithinElementLimit(long[] shape)
    {
        long elements = 1;
        foreach (var d in shape)
        {
            if (d > 0 && elements > OnnxModelReader.MaxTensorElements / d)
            {
                return false;
            }

            elements *= Math.Max(d, 0);
        }

        return true;
    }

    /// <summary>Elements of constant (initializer) operands: the layer's parameters.</summary>
    private long WeightsOf(OnnxNode node, params int[] indices) =>
        indices.Select(i => Optional(node, i)).Where(v => v is { Weight: true }).Sum(v => v!.Elements);

    private void Unsupported(OnnxNode node, string op, string why)
    {
        _unsupported[op] = _unsupported.GetValueOrDefault(op) + 1;
        var input = node.Inputs.Where(i => i.Length > 0 && _values.ContainsKey(i)).Select(i => _values[i]).FirstOrDefault(v => v.Producer != -2);
        if (input is null || node.Outputs.Count == 0)
        {
            throw new OnnxImportException($"{_source}: operator {op} (node '{NameOf(node)}') is not supported and its output shape cannot be assumed ({why}); WorkingPoint cannot count this model.");
        }

        _warnings.Add($"{op} (node '{NameOf(node)}') is not supported ({why}): counted as a pass-through with the shape of its input and no operations.");
        AddLayer(node, OpKind.Elementwise, node.Outputs.Select(_ => input.Shape).ToArray(), 0, 0, $"unsupported {op}");
    }

    private static readonly HashSet<string> UnaryActivations = new(StringComparer.Ordinal)
    {
        "Relu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "LeakyRelu", "Clip", "Gelu", "Erf", "Exp", "Log", "Softplus", "Softsign", "Elu", "Selu",
        "Celu", "Mish", "ThresholdedRelu", "PRelu", "Sqrt", "Reciprocal", "Neg", "Abs", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Tan", "Atan", "IsNaN", "IsInf", "Not",
        "QuickGelu", "com.microsoft.Gelu", "com.microsoft.FastGelu",
    };

    private static readonly HashSet<string> BinaryElementwise = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mod", "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Xor", "Sum", "Mean", "BitShift",
    };

    private void Infer(OnnxNode node)
    {
        var op = node.Domain is "" or "ai.onnx" ? node.OpType : $"{node.Domain}.{node.OpType}";
        switch (op)
        {
            case "Constant":
                Constant(node);
                return;
            case "Identity" or "Dropout" or "com.microsoft.Identity":
                Alias(node, Get(node, 0));
                return;
            case "Cast" or "CastLike":
                Cast(node);
                return;
            case "Shape":
            {
                var shape = Get(node, 0).Shape;
                var start = Folding.Axis(node.Int("start", 0), shape.Length);
                var end = node.Attributes.ContainsKey("end") ? Folding.Axis(node.Int("end", shape.Length), shape.Length) : shape.Length;
                start = Math.Clamp(start, 0, shape.Length);
                end = Math.Clamp(end, start, shape.Length);
                SetConstant(node, [end - start], DataType.Int64, shape[start..end].Select(d => (double)d).ToArray());
                return;
            }

            case "Size":
                SetConstant(node, [], DataType.Int64, [Get(node, 0).Elements]);
                return;
            case "ConstantOfShape":
            {
                var shape = ConstantInts(node, 0, "shape");
                var fill = node.Attributes.TryGetValue("value", out var v) && v.T?.Values is { Length: > 0 } values ? values[0] : 0;
                var type = node.Attributes.TryGetValue("value", out var vt) && vt.T is { } t ? t.DataType : DataType.Float;
                var count = Folding.Elements(shape);
                _values[node.Outputs[0]] = new Value(shape, type, count <= OnnxModelReader.MaxFoldedElements ? Enumerable.Repeat(fill, (int)count).ToArray() : null, -2);
                return;
            }

            case "Range":
            {
                var start = Get(node, 0).Constant?[0];
                var limit = Get(node, 1).Constant?[0];
                var delta = Get(node, 2).Constant?[0];
                if (start is null || limit is null || delta is null or 0)
                {
                    throw new OnnxImportException($"{_source}: Range node '{NameOf(node)}' has a run-time length; WorkingPoint needs constant bounds.");
                }

                var length = Math.Max(0, Math.Ceiling((limit.Value - start.Value) / delta.Value));
                if (!(length <= OnnxModelReader.MaxTensorElements))
                {
                    throw new OnnxImportException($"{_source}: Range node '{NameOf(node)}' spans {length} elements, more than {OnnxModelReader.MaxTensorElements} (the limit); the model is damaged.");
                }

                var count = (long)length;
                _values[node.Outputs[0]] = new Value([count], Get(node, 0).Type, count <= OnnxModelReader.MaxFoldedElements ? Enumerable.Range(0, (int)count).Select(i => start.Value + (i * delta.Value)).ToArray() : null, -2);
                return;
            }
        }

        if (AllConstant(node) && Fold(node, op))
        {
            return;
        }

        switch (op)
        {
            case "Conv" or "com.microsoft.FusedConv":
                Conv(node, data: 0, weight: 1, bias: 2);
                break;
            case "QLinearConv":
                Conv(node, data: 0, weight: 3, bias: 8);
                break;
            case "ConvInteger":
                Conv(node, data: 0, weight: 1, bias: -1);
                break;
            case "ConvTranspose":
                ConvTranspose(node);
                break;
            case "MatMul" or "MatMulInteger" or "com.microsoft.FusedMatMul":
                MatMul(node, 0, 1);
                break;
            case "QLinearMatMul":
                MatMul(node, 0, 3);
                break;
            case "Gemm":
                Gemm(node);
                break;
            case "MaxPool" or "AveragePool" or "LpPool":
                Pool(node);
                break;
            case "GlobalAveragePool" or "GlobalMaxPool" or "GlobalLpPool":
            {
                var x = Get(node, 0);
                AddLayer(node, OpKind.GlobalPool, [[x.Shape[0], x.Shape[1], .. x.Shape[2..].Select(_ => 1L)]], x.Elements, 0, $"{string.Join("x", x.Shape[2..])}→1");
                break;
            }

            case "BatchNormalization":
                BatchNormalization(node);
                break;
            case "LayerNormalization" or "InstanceNormalization" or "GroupNormalization" or "LpNormalization" or "MeanVarianceNormalization" or "SimplifiedLayerNormalization" or "com.microsoft.SkipLayerNormalization":
            {
                var x = Get(node, 0);
                AddLayer(node, OpKind.Normalization, node.Outputs.Select(_ => x.Shape).Take(1).ToArray(), 5.0 * x.Elements, WeightsOf(node, 1, 2), op);
                break;
            }

            case "Softmax" or "LogSoftmax" or "Hardmax":
            {
                var x = Get(node, 0);
                AddLayer(node, OpKind.Softmax, [x.Shape], 5.0 * x.Elements, 0, $"{op} axis {node.Int("axis", _opset >= 13 ? -1 : 1)}");
                break;
            }

            case "Resize" or "Upsample":
                Resize(node, op);
                break;
            case "Concat":
                Concat(node);
                break;
            case "Split":
                Split(node);
                break;
            case "Slice":
                Slice(node);
                break;
            case "Reshape":
            {
                var x = Get(node, 0);
                AddLayer(node, OpKind.Reshape, [ReshapeTo(x.Shape, ConstantInts(node, 1, "shape"), node.Int("allowzero", 0) == 1)], 0, 0, "reshape");
                break;
            }

            case "Flatten":
            {
                var x = Get(node, 0);
                var axis = Folding.Axis(node.Int("axis", 1), x.Shape.Length);
                AddLayer(node, OpKind.Reshape, [[Folding.Elements(x.Shape[..axis]), Folding.Elements(x.Shape[axis..])]], 0, 0, "flatten");
                break;
            }

            case "Squeeze" or "Unsqueeze":
            {
                var x = Get(node, 0);
                AddLayer(node, OpKind.Reshape, [SqueezeShape(node, op, x.Shape)], 0, 0, op.ToLowerInvariant());
                break;
            }

            case "Transpose":
            {
                var x = Get(node, 0);
                var perm = node.Ints("perm") ?? Enumerable.Range(0, x.Shape.Length).Reverse().Select(i => (long)i).ToArray();
                AddLayer(node, OpKind.Transpose, [perm.Select(p => x.Shape[p]).ToArray()], 0, 0, $"perm {string.Join(",", perm)}");
                break;
            }

            case "DepthToSpace" or "SpaceToDepth":
            {
                var x = Get(node, 0);
                var b = Positive(node, "blocksize", [node.Int("blocksize", 1)], 1)[0];
                long[] shape = op == "DepthToSpace" ? [x.Shape[0], x.Shape[1] / (b * b), x.Shape[2] * b, x.Shape[3] * b] : [x.Shape[0], x.Shape[1] * b * b, x.Shape[2] / b, x.Shape[3] / b];
                AddLayer(node, OpKind.PixelShuffle, [shape], 0, 0, $"{op} ×{b}");
                break;
            }

            case "Gather" or "GatherElements":
            {
                var data = Get(node, 0);
                var indices = Get(node, 1);
                var axis = Folding.Axis(node.Int("axis", 0), data.Shape.Length);
                long[] shape = op == "GatherElements" ? indices.Shape : [.. data.Shape[..axis], .. indices.Shape, .. data.Shape[(axis + 1)..]];
                AddLayer(node, OpKind.Reshape, [shape], 0, data.Weight ? data.Elements : 0, $"gather axis {axis}", data.Type);
                break;
            }

            case "Expand":
            {
                var x = Get(node, 0);
                var shape = Folding.Broadcast(x.Shape, ConstantInts(node, 1, "shape")) ?? throw new InvalidOperationException("Expand shape does not broadcast");
                AddLayer(node, OpKind.Elementwise, [shape], 0, 0, "expand");
                break;
            }

            case "Tile":
            {
                var x = Get(node, 0);
                var repeats = ConstantInts(node, 1, "repeats");
                AddLayer(node, OpKind.Concat, [x.Shape.Select((d, i) => d * repeats[i]).ToArray()], 0, 0, $"tile {string.Join("x", repeats)}");
                break;
            }

            case "Pad":
            {
                var x = Get(node, 0);
                var pads = _opset >= 11 ? ConstantInts(node, 1, "pads") : node.Ints("pads")?.ToArray() ?? [];
                var axes = Optional(node, 3)?.Constant?.Select(a => Folding.Axis((long)a, x.Shape.Length)).ToArray() ?? Enumerable.Range(0, x.Shape.Length).ToArray();
                var shape = x.Shape.ToArray();
                for (var i = 0; i < axes.Length && i + axes.Length < pads.Length + 1; i++)
                {
                    shape[axes[i]] += pads[i] + pads[i + axes.Length];
                }

                AddLayer(node, OpKind.Elementwise, [shape], 0, 0, $"pad {string.Join(",", pads)}");
                break;
            }

            case "ReduceMean" or "ReduceSum" or "ReduceMax" or "ReduceMin" or "ReduceProd" or "ReduceL1" or "ReduceL2" or "ReduceLogSumExp" or "ReduceSumSquare" or "ArgMax" or "ArgMin":
                Reduce(node, op);
                break;
            case "Where":
            {
                var shape = Folding.Broadcast(Get(node, 0).Shape, Get(node, 1).Shape, Get(node, 2).Shape) ?? throw new InvalidOperationException("Where inputs do not broadcast");
                AddLayer(node, OpKind.Elementwise, [shape], Folding.Elements(shape), WeightsOf(node, 1, 2), "where", Get(node, 1).Type);
                break;
            }

            case "QuantizeLinear" or "DequantizeLinear" or "DynamicQuantizeLinear":
            {
                var x = Get(node, 0);
                AddLayer(node, OpKind.Elementwise, node.Outputs.Select((_, i) => i == 0 ? x.Shape : []).ToArray(), x.Elements, x.Weight ? x.Elements : 0, op.ToLowerInvariant(), op == "DequantizeLinear" ? DataType.Float : DataType.UInt8);
                break;
            }

            case "If":
                If(node);
                break;
            case "Loop":
                Loop(node);
                break;
            case "Scan":
                Scan(node);
                break;
            case "LSTM":
                Recurrent(node, gates: 4);
                break;
            case "GRU":
                Recurrent(node, gates: 3);
                break;
            case "RNN":
                Recurrent(node, gates: 1);
                break;
            default:
                if (UnaryActivations.Contains(op))
                {
                    var x = Get(node, 0);
                    // Only PRelu learns a tensor; Clip's bounds and similar scalars are settings, not weights.
                    AddLayer(node, OpKind.Activation, [x.Shape], x.Elements, op == "PRelu" ? WeightsOf(node, 1) : 0, op);
                }
                else if (BinaryElementwise.Contains(op))
                {
                    var inputs = Enumerable.Range(0, node.Inputs.Count).Where(i => node.Input(i) is not null).Select(i => (IReadOnlyList<long>)Get(node, i).Shape).ToArray();
                    var shape = Folding.Broadcast(inputs) ?? throw new InvalidOperationException($"inputs [{string.Join("], [", inputs.Select(s => string.Join(",", s)))}] do not broadcast");
                    var parameters = Enumerable.Range(0, node.Inputs.Count).Select(i => Optional(node, i)).Where(v => v is { Weight: true, Elements: > 1 }).Sum(v => v!.Elements);
                    var logical = op is "Equal" or "Less" or "LessOrEqual" or "Greater" or "GreaterOrEqual" or "And" or "Or" or "Xor";
                    AddLayer(node, OpKind.Elementwise, [shape], Folding.Elements(shape), parameters, op.ToLowerInvariant(), logical ? DataType.Bool : null);
                }
                else
                {
                    Unsupported(node, op, "no shape rule for it");
                }

                break;
        }
    }

    private OnnxGraph Body(OnnxNode node, string attribute) =>
        node.Attributes.TryGetValue(attribute, out var a) && a.G is { } g
            ? g
            : throw new OnnxImportException($"{_source}: {node.OpType} node '{NameOf(node)}' has no {attribute} subgraph; the model is damaged, re-export it.");

    /// <summary>Runs a subgraph on the current values in a child importer; <paramref name="bind"/> sets its declared inputs.</summary>
    private OnnxImporter RunBody(OnnxGraph body, Action<OnnxImporter>? bind = null)
    {
        // The reader already bounds nesting; this keeps the importer's own recursion bounded whatever built the model.
        if (_depth >= OnnxModelReader.MaxSubgraphDepth)
        {
            throw new OnnxImportException($"{_source}: subgraphs nest more than {OnnxModelReader.MaxSubgraphDepth} deep (the limit).");
        }

        var child = new OnnxImporter(this, body);
        bind?.Invoke(child);
        child.InferAll(body.Nodes);
        return child;
    }

    /// <summary>A subgraph's output as the child computed it, by position.</summary>
    private Value BodyOutput(OnnxImporter child, OnnxNode node, OnnxGraph body, int index) =>
        index < body.Outputs.Count && child._values.TryGetValue(body.Outputs[index].Name, out var v)
            ? v
            : throw new OnnxImportException($"{_source}: {node.OpType} node '{NameOf(node)}': its subgraph does not produce output {index}; the model is damaged, re-export it.");

    /// <summary>Takes over the layers a child added (its list continues ours, so indices hold).</summary>
    private (double Ops, long Parameters) Splice(OnnxImporter child, double repeat = 1)
    {
        var first = _layers.Count;
        double ops = 0;
        long parameters = 0;
        for (var i = 0; i < child._layers.Count; i++)
        {
            var layer = child._layers[i];
            if (i >= first && repeat != 1)
            {
                layer = layer with { Ops = new Ops(layer.Ops.Value * repeat), Detail = $"{layer.Detail} ×{repeat:0} iterations" };
            }

            if (i < first)
            {
                _layers[i] = layer; // a fold inside the body may have updated an outer layer (batch-norm into a convolution)
                continue;
            }

            ops += layer.Ops.Value;
            parameters += layer.Parameters;
            _layers.Add(layer);
        }

        return (ops, parameters);
    }

    private static (double Ops, long Parameters) Cost(OnnxImporter child, int from) =>
        (child._layers.Skip(from).Sum(l => l.Ops.Value), child._layers.Skip(from).Sum(l => l.Parameters));

    /// <summary>
    /// If: with a condition known at import (a shape test, as exporters emit), the branch taken is counted as if inlined. Otherwise
    /// both are counted; the graph holds the more expensive one and both are listed as alternatives with their costs.
    /// </summary>
    private void If(OnnxNode node)
    {
        var condition = Get(node, 0);
        var thenBranch = Body(node, "then_branch");
        var elseBranch = Body(node, "else_branch");
        if (condition.Constant is { Length: > 0 } known)
        {
            var branch = known[0] != 0 ? thenBranch : elseBranch;
            var taken = RunBody(branch);
            Splice(taken);
            BindOutputs(node, taken, branch);
            return;
        }

        var start = _layers.Count;
        var then = RunBody(thenBranch);
        var otherwise = RunBody(elseBranch);
        var (thenOps, thenParameters) = Cost(then, start);
        var (elseOps, elseParameters) = Cost(otherwise, start);
        var countThen = thenOps >= elseOps;
        var name = NameOf(node);
        _alternatives.Add(new OnnxAlternative(name, "then", thenOps, thenParameters, countThen));
        _alternatives.Add(new OnnxAlternative(name, "else", elseOps, elseParameters, !countThen));
        _warnings.Add($"If (node '{name}') decides at run time: then-branch {FormatOps(thenOps)} and {thenParameters} parameters, else-branch {FormatOps(elseOps)} and {elseParameters} parameters; the {(countThen ? "then" : "else")}-branch (the more expensive) is counted.");
        var counted = countThen ? then : otherwise;
        Splice(counted);
        BindOutputs(node, counted, countThen ? thenBranch : elseBranch);
    }

    private static string FormatOps(double ops) => ops >= 1e9 ? $"{ops / 1e9:0.###} GOP" : ops >= 1e6 ? $"{ops / 1e6:0.###} MOP" : $"{ops / 1e3:0.###} kOP";

    private void BindOutputs(OnnxNode node, OnnxImporter child, OnnxGraph body)
    {
        for (var i = 0; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i].Length > 0)
            {
                _values[node.Outputs[i]] = BodyOutput(child, node, body, i) with { Weight = false };
            }
        }
    }

    /// <summary>
    /// Loop: the body counted once per iteration, with the trip count M when it is a constant; a loop that only a run-time
    /// condition ends is counted as one iteration, and said so.
    /// </summary>
    private void Loop(OnnxNode node)
    {
        var body = Body(node, "body");
        var tripCount = Optional(node, 0)?.Constant is { Length: > 0 } m ? (long)m[0] : (long?)null;
        if (tripCount is < 0 or > OnnxModelReader.MaxTensorElements)
        {
            throw new OnnxImportException($"{_source}: Loop node '{NameOf(node)}' has a trip count of {tripCount}; it must be from 0 to {OnnxModelReader.MaxTensorElements}.");
        }

        var carried = node.Inputs.Count - 2;
        var child = RunBody(body, c =>
        {
            for (var i = 0; i < body.Inputs.Count; i++)
            {
                var input = body.Inputs[i];
                c._values[input.Name] = i switch
                {
                    0 => new Value([], DataType.Int64, null, -1),
                    1 => new Value([], DataType.Bool, null, -1),
                    _ when i - 2 < carried && node.Input(i) is not null => Get(node, i) with { Weight = false },
                    _ => throw new OnnxImportException($"{_source}: Loop node '{NameOf(node)}' body declares input '{input.Name}' that the node does not pass; the model is damaged."),
                };
            }
        });
        var trips = tripCount ?? 1;
        if (tripCount is null)
        {
            _warnings.Add($"Loop (node '{NameOf(node)}') ends on a run-time condition: its body is counted once; multiply by the iterations it really runs.");
        }

        Splice(child, trips);
        for (var i = 0; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i].Length == 0)
            {
                continue;
            }

            // Outputs: the final carried values, then the scan outputs stacked along a new first axis.
            var value = BodyOutput(child, node, body, i + 1);
            _values[node.Outputs[i]] = i < carried ? value with { Weight = false } : value with { Shape = [trips, .. value.Shape], Constant = null, Weight = false };
        }
    }

    /// <summary>Scan (opset 9+): the body counted once per slice along the scan axis of the first scan input.</summary>
    private void Scan(OnnxNode node)
    {
        var body = Body(node, "body");
        var scanInputs = (int)node.Int("num_scan_inputs", 0);
        var states = node.Inputs.Count - scanInputs;
        if (scanInputs <= 0 || states < 0 || _opset < 9)
        {
            throw new OnnxImportException($"{_source}: Scan node '{NameOf(node)}' has num_scan_inputs {scanInputs} for {node.Inputs.Count} inputs (opset {_opset}); WorkingPoint reads Scan from opset 9 with at least one scan input.");
        }

        var axes = node.Ints("scan_input_axes")?.ToArray() ?? new long[scanInputs];
        long trips = -1;
        var child = RunBody(body, c =>
        {
            for (var i = 0; i < body.Inputs.Count && i < node.Inputs.Count; i++)
            {
                var value = Get(node, i) with { Weight = false };
                if (i >= states)
                {
                    var axis = Folding.Axis(i - states < axes.Length ? axes[i - states] : 0, value.Shape.Length);
                    trips = trips < 0 ? value.Shape[axis] : trips;
                    value = value with { Shape = value.Shape.Where((_, k) => k != axis).ToArray(), Constant = null };
                }

                c._values[body.Inputs[i].Name] = value;
            }
        });
        trips = Math.Max(trips, 0);
        Splice(child, trips);
        for (var i = 0; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i].Length == 0)
            {
                continue;
            }

            var value = BodyOutput(child, node, body, i);
            _values[node.Outputs[i]] = i < states ? value with { Weight = false } : value with { Shape = [trips, .. value.Shape], Constant = null, Weight = false };
        }
    }

    /// <summary>
    /// LSTM, GRU and RNN as ONNX defines them: per time step and direction, each gate multiplies the input by W and the hidden state
    /// by R, so gates × (input + hidden) × hidden MACs per step, for every sequence step, batch item and direction.
    /// </summary>
    private void Recurrent(OnnxNode node, int gates)
    {
        var x = Get(node, 0);
        var w = Get(node, 1);
        if (x.Shape.Length != 3 || w.Shape.Length != 3)
        {
            throw new OnnxImportException($"{_source}: {node.OpType} node '{NameOf(node)}' takes X of shape [{string.Join(",", x.Shape)}] and W of [{string.Join(",", w.Shape)}]; both must have three dimensions.");
        }

        var batchFirst = node.Int("layout", 0) == 1;
        var (sequence, batch, input) = batchFirst ? (x.Shape[1], x.Shape[0], x.Shape[2]) : (x.Shape[0], x.Shape[1], x.Shape[2]);
        var directions = node.String("direction") == "bidirectional" ? 2 : 1;
        var hidden = node.Int("hidden_size", gates == 0 ? 0 : w.Shape[1] / gates);
        if (hidden <= 0 || hidden > int.MaxValue)
        {
            throw new OnnxImportException($"{_source}: {node.OpType} node '{NameOf(node)}' has hidden_size {hidden}; it must be from 1 to {int.MaxValue}.");
        }

        var macs = (double)gates * (input + hidden) * hidden * sequence * batch * directions;
        var parameters = WeightsOf(node, 1, 2, 3) + (node.OpType == "LSTM" ? WeightsOf(node, 7) : 0);
        long[] y = batchFirst ? [batch, sequence, directions, hidden] : [sequence, directions, batch, hidden];
        long[] state = batchFirst ? [batch, directions, hidden] : [directions, batch, hidden];
        var shapes = node.Outputs.Select((_, i) => i == 0 ? y : state).ToArray();
        AddLayer(node, OpKind.MatMul, shapes, 2 * macs, parameters, $"{node.OpType} {input}→{hidden} ×{sequence} steps{(directions == 2 ? " bidirectional" : string.Empty)}", DataType.Float);
    }

    private void Constant(OnnxNode node)
    {
        var (name, attribute) = node.Attributes.First();
        switch (name)
        {
            case "value" when attribute.T is { } t:
                // Some exporters (paddle2onnx) store every weight as a Constant node rather than an initializer.
                _values[node.Outputs[0]] = new Value(t.Dims.ToArray(), t.DataType, t.Values, -2, Weight: true);
                break;
            case "value_float":
                SetConstant(node, [], DataType.Float, [attribute.F]);
                break;
            case "value_floats":
                SetConstant(node, [attribute.Floats.Count], DataType.Float, attribute.Floats.Select(f => (double)f).ToArray());
                break;
            case "value_int":
                SetConstant(node, [], DataType.Int64, [attribute.I]);
                break;
            case "value_ints":
                SetConstant(node, [attribute.Ints.Count], DataType.Int64, attribute.Ints.Select(i => (double)i).ToArray());
                break;
            default:
                Unsupported(node, "Constant", $"a {name} constant");
                break;
        }
    }

    private void Cast(OnnxNode node)
    {
        var x = Get(node, 0);
        var to = node.OpType == "CastLike" ? Get(node, 1).Type : (DataType)node.Int("to", (long)x.Type);
        if (x.Constant is { } values)
        {
            var integer = to is not (DataType.Float or DataType.Double or DataType.Float16 or DataType.BFloat16);
            SetConstant(node, x.Shape, to, integer ? values.Select(Math.Truncate).ToArray() : values);
            return;
        }

        Alias(node, x, to);
    }

    /// <summary>Constant folding of shape computations; false when the operator has no folding rule (it then becomes a layer).</summary>
    private bool Fold(OnnxNode node, string op)
    {
        var x = Get(node, 0);
        var values = x.Constant!;
        switch (op)
        {
            case "Unsqueeze" or "Squeeze":
                SetConstant(node, SqueezeShape(node, op, x.Shape), x.Type, values);
                return true;
            case "Reshape":
                SetConstant(node, ReshapeTo(x.Shape, ConstantInts(node, 1, "shape"), node.Int("allowzero", 0) == 1), x.Type, values);
                return true;
            case "Flatten":
            {
                var axis = Folding.Axis(node.Int("axis", 1), x.Shape.Length);
                SetConstant(node, [Folding.Elements(x.Shape[..axis]), Folding.Elements(x.Shape[axis..])], x.Type, values);
                return true;
            }

            case "Concat":
            {
                var axis = Folding.Axis(node.Int("axis", 0), x.Shape.Length);
                var parts = node.Inputs.Where(i => i.Length > 0).Select(i => _values[i]).ToArray();
                var shape = x.Shape.ToArray();
                shape[axis] = parts.Sum(p => p.Shape[axis]);
                var outer = Folding.Elements(shape[..axis]);
                var result = new List<double>();
                for (long o = 0; o < outer; o++)
                {
                    foreach (var part in parts)
                    {
                        var chunk = Folding.Elements(part.Shape[axis..]);
                        result.AddRange(part.Constant!.Skip((int)(o * chunk)).Take((int)chunk));
                    }
                }

                SetConstant(node, shape, x.Type, result.ToArray());
                return true;
            }

            case "Gather":
            {
                var indices = Get(node, 1);
                var axis = Folding.Axis(node.Int("axis", 0), x.Shape.Length);
                long[] shape = [.. x.Shape[..axis], .. indices.Shape, .. x.Shape[(axis + 1)..]];
                var outer = Folding.Elements(x.Shape[..axis]);
                var inner = Folding.Elements(x.Shape[(axis + 1)..]);
                var result = new List<double>();
                for (long o = 0; o < outer; o++)
                {
                    foreach (var raw in indices.Constant!)
                    {
                        var i = (long)raw < 0 ? (long)raw + x.Shape[axis] : (long)raw;
                        result.AddRange(values.Skip((int)(((o * x.Shape[axis]) + i) * inner)).Take((int)inner));
                    }
                }

                SetConstant(node, shape, x.Type, result.ToArray());
                return true;
            }

            case "Slice" when x.Shape.Length == 1:
            {
                var (start, count, step) = SliceAxis(node, x.Shape, 0);
                SetConstant(node, [count], x.Type, Enumerable.Range(0, (int)count).Select(k => values[start + (k * step)]).ToArray());
                return true;
            }

            case "Expand":
            {
                var shape = Folding.Broadcast(x.Shape, ConstantInts(node, 1, "shape"))!;
                if (Folding.Elements(shape) > OnnxModelReader.MaxFoldedElements)
                {
                    return false;
                }

                SetConstant(node, shape, x.Type, Folding.Map(shape, [(values, x.Shape)], a => a[0]));
                return true;
            }

            case "Where":
            {
                var inputs = Enumerable.Range(0, 3).Select(i => Get(node, i)).ToArray();
                var shape = Folding.Broadcast(inputs.Select(v => (IReadOnlyList<long>)v.Shape).ToArray())!;
                SetConstant(node, shape, inputs[1].Type, Folding.Map(shape, inputs.Select(v => (v.Constant!, (IReadOnlyList<long>)v.Shape)).ToArray(), a => a[0] != 0 ? a[1] : a[2]));
                return true;
            }

            case "Neg" or "Abs" or "Floor" or "Ceil" or "Sqrt" or "Not" or "Relu" or "Reciprocal":
            {
                Func<double, double> f = op switch
                {
                    "Neg" => v => -v,
                    "Abs" => Math.Abs,
                    "Floor" => Math.Floor,
                    "Ceil" => Math.Ceiling,
                    "Sqrt" => Math.Sqrt,
                    "Not" => v => v == 0 ? 1 : 0,
                    "Relu" => v => Math.Max(0, v),
                    _ => v => 1 / v,
                };
                SetConstant(node, x.Shape, x.Type, values.Select(f).ToArray());
                return true;
            }

            case "Add" or "Sub" or "Mul" or "Div" or "Equal" or "Less" or "Greater" or "Max" or "Min" or "Pow" or "Mod" or "And" or "Or":
            {
                var y = Get(node, 1);
                var shape = Folding.Broadcast(x.Shape, y.Shape) ?? throw new InvalidOperationException("constant operands do not broadcast");
                if (Folding.Elements(shape) > OnnxModelReader.MaxFoldedElements)
                {
                    return false;
                }

                var integer = x.Type is DataType.Int64 or DataType.Int32 or DataType.Int16 or DataType.Int8 or DataType.UInt8;
                Func<double[], double> f = op switch
                {
                    "Add" => a => a[0] + a[1],
                    "Sub" => a => a[0] - a[1],
                    "Mul" => a => a[0] * a[1],
                    "Div" => a => integer ? Math.Truncate(a[0] / a[1]) : a[0] / a[1],
                    "Equal" => a => a[0] == a[1] ? 1 : 0,
                    "Less" => a => a[0] < a[1] ? 1 : 0,
                    "Greater" => a => a[0] > a[1] ? 1 : 0,
                    "Max" => a => Math.Max(a[0], a[1]),
                    "Min" => a => Math.Min(a[0], a[1]),
                    "Pow" => a => Math.Pow(a[0], a[1]),
                    "And" => a => a[0] != 0 && a[1] != 0 ? 1 : 0,
                    "Or" => a => a[0] != 0 || a[1] != 0 ? 1 : 0,
                    _ => a => a[0] - (Math.Floor(a[0] / a[1]) * a[1]),
                };
                var type = op is "Equal" or "Less" or "Greater" or "And" or "Or" ? DataType.Bool : x.Type;
                SetConstant(node, shape, type, Folding.Map(shape, [(values, x.Shape), (y.Constant!, y.Shape)], f));
                return true;
            }

            case "ReduceProd" or "ReduceSum" or "ReduceMax" or "ReduceMin" when x.Shape.Length <= 1 && node.Int("keepdims", 1) == 0:
            {
                double result = op switch
                {
                    "ReduceProd" => values.Aggregate(1.0, (a, b) => a * b),
                    "ReduceSum" => values.Sum(),
                    "ReduceMax" => values.Max(),
                    _ => values.Min(),
                };
                SetConstant(node, [], x.Type, [result]);
                return true;
            }

            default:
                return false;
        }
    }

    private long[] SqueezeShape(OnnxNode node, string op, long[] shape)
    {
        var axes = (_opset >= 13 ? Optional(node, 1)?.Constant?.Select(a => (long)a).ToArray() : node.Ints("axes")?.ToArray()) ?? [];
        if (op == "Squeeze")
        {
            var drop = axes.Length == 0 ? Enumerable.Range(0, shape.Length).Where(i => shape[i] == 1).ToHashSet() : axes.Select(a => Folding.Axis(a, shape.Length)).ToHashSet();
            return shape.Where((_, i) => !drop.Contains(i)).ToArray();
        }

        if (axes.Length == 0)
        {
            throw new OnnxImportException($"{_source}: Unsqueeze node '{NameOf(node)}' has no axes.");
        }

        var rank = shape.Length + axes.Length;
        var inserted = axes.Select(a => Folding.Axis(a, rank)).ToHashSet();
        var result = new long[rank];
        var next = 0;
        for (var i = 0; i < rank; i++)
        {
            result[i] = inserted.Contains(i) ? 1 : shape[next++];
        }

        return result;
    }

    private static long[] ReshapeTo(long[] input, long[] target, bool allowZero)
    {
        var shape = target.Select((d, i) => d == 0 && !allowZero && i < input.Length ? input[i] : d).ToArray();
        var known = shape.Where(d => d > 0).Aggregate(1L, (a, b) => a * b);
        var unknown = Array.IndexOf(shape, -1L);
        if (unknown >= 0)
        {
            shape[unknown] = known == 0 ? 0 : Folding.Elements(input) / known;
        }

        if (Folding.Elements(shape) != Folding.Elements(input))
        {
            throw new InvalidOperationException($"cannot reshape [{string.Join(",", input)}] to [{string.Join(",", target)}]");
        }

        return shape;
    }

    private (long Start, long Count, long Step) SliceAxis(OnnxNode node, long[] shape, int position)
    {
        long[] starts, ends, axes, steps;
        if (_opset >= 10)
        {
            starts = ConstantInts(node, 1, "starts");
            ends = ConstantInts(node, 2, "ends");
            axes = Optional(node, 3)?.Constant?.Select(a => (long)a).ToArray() ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
            steps = Optional(node, 4)?.Constant?.Select(a => (long)a).ToArray() ?? starts.Select(_ => 1L).ToArray();
        }
        else
        {
            starts = node.Ints("starts")?.ToArray() ?? [];
            ends = node.Ints("ends")?.ToArray() ?? [];
            axes = node.Ints("axes")?.ToArray() ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
            steps = starts.Select(_ => 1L).ToArray();
        }

        for (var k = 0; k < axes.Length; k++)
        {
            if (Folding.Axis(axes[k], shape.Length) != position)
            {
                continue;
            }

            var dim = shape[position];
            var step = steps[k];
            long start = starts[k] < 0 ? starts[k] + dim : starts[k];
            long end = ends[k] < 0 ? ends[k] + dim : ends[k];
            if (step > 0)
            {
                start = Math.Clamp(start, 0, dim);
                end = Math.Clamp(end, 0, dim);
                return (start, Math.Max(0, (end - start + step - 1) / step), step);
            }

            start = Math.Clamp(start, 0, dim - 1);
            end = Math.Clamp(end, -1, dim - 1);
            return (start, Math.Max(0, (start - end + (-step) - 1) / -step), step);
        }

        return (0, shape[position], 1);
    }

    private void Slice(OnnxNode node)
    {
        var x = Get(node, 0);
        var shape = x.Shape.Select((_, i) => SliceAxis(node, x.Shape, i).Count).ToArray();
        AddLayer(node, OpKind.Split, [shape], 0, 0, "slice");
    }

    private void Conv(OnnxNode node, int data, int weight, int bias)
    {
        var x = Get(node, data);
        var w = Get(node, weight);
        var spatial = RequireSpatial(node, x.Shape);
        var kernel = Positive(node, "kernel_shape", node.Ints("kernel_shape")?.ToArray() ?? w.Shape[2..], spatial);
        var strides = Positive(node, "strides", node.Ints("strides")?.ToArray() ?? Enumerable.Repeat(1L, spatial).ToArray(), spatial);
        var dilations = Positive(node, "dilations", node.Ints("dilations")?.ToArray() ?? Enumerable.Repeat(1L, spatial).ToArray(), spatial);
        var group = Positive(node, "group", [node.Int("group", 1)], 1)[0];
        var outSpatial = new long[spatial];
        var pads = Pads(node, x.Shape, kernel, strides, dilations);
        for (var i = 0; i < spatial; i++)
        {
            outSpatial[i] = ((x.Shape[i + 2] + pads[i] + pads[i + spatial] - (dilations[i] * (kernel[i] - 1)) - 1) / strides[i]) + 1;
        }

        var outChannels = w.Shape[0];
        var macs = (double)x.Shape[0] * outChannels * Folding.Elements(outSpatial) * (x.Shape[1] / group) * Folding.Elements(kernel);
        var depthwise = group > 1 && group == x.Shape[1];
        var parameters = WeightsOf(node, weight) + (bias >= 0 ? WeightsOf(node, bias) : 0);
        var output = new long[] { x.Shape[0], outChannels }.Concat(outSpatial).ToArray();
        AddLayer(node, depthwise ? OpKind.DepthwiseConv : OpKind.Conv, [output], 2 * macs, parameters,
            $"k{string.Join("x", kernel)} s{strides[0]}{(group > 1 ? $" g{group}" : string.Empty)} {x.Shape[1]}→{outChannels}", DataType.Float);
    }

    private int RequireSpatial(OnnxNode node, long[] shape) =>
        shape.Length >= 3
            ? shape.Length - 2
            : throw new OnnxImportException($"{_source}: {node.OpType} node '{NameOf(node)}' takes an input of shape [{string.Join(",", shape)}]; it needs batch, channels and at least one spatial axis.");

    private long[] Pads(OnnxNode node, long[] input, long[] kernel, long[] strides, long[] dilations)
    {
        var spatial = kernel.Length;
        var autoPad = node.String("auto_pad") ?? "NOTSET";
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            var pads = new long[spatial * 2];
            for (var i = 0; i < spatial; i++)
            {
                var output = (input[i + 2] + strides[i] - 1) / strides[i];
                var total = Math.Max(0, ((output - 1) * strides[i]) + (dilations[i] * (kernel[i] - 1)) + 1 - input[i + 2]);
                pads[i] = autoPad == "SAME_UPPER" ? total / 2 : total - (total / 2);
                pads[i + spatial] = total - pads[i];
            }

            return pads;
        }

        return autoPad == "VALID" ? new long[spatial * 2] : node.Ints("pads")?.ToArray() ?? new long[spatial * 2];
    }

    private void ConvTranspose(OnnxNode node)
    {
        var x = Get(node, 0);
        var w = Get(node, 1);
        var spatial = RequireSpatial(node, x.Shape);
        var kernel = Positive(node, "kernel_shape", node.Ints("kernel_shape")?.ToArray() ?? w.Shape[2..], spatial);
        var strides = Positive(node, "strides", node.Ints("strides")?.ToArray() ?? Enumerable.Repeat(1L, spatial).ToArray(), spatial);
        var dilations = Positive(node, "dilations", node.Ints("dilations")?.ToArray() ?? Enumerable.Repeat(1L, spatial).ToArray(), spatial);
        var outputPadding = node.Ints("output_padding")?.ToArray() ?? new long[spatial];
        var pads = node.Ints("pads")?.ToArray() ?? new long[spatial * 2];
        var group = Positive(node, "group", [node.Int("group", 1)], 1)[0];
        var outChannels = w.Shape[1] * group;
        var outSpatial = node.Ints("output_shape") is { Count: > 0 } explicitShape
            ? explicitShape.TakeLast(spatial).ToArray()
            : Enumerable.Range(0, spatial).Select(i => (strides[i] * (x.Shape[i + 2] - 1)) + outputPadding[i] + ((kernel[i] - 1) * dilations[i]) + 1 - pads[i] - pads[i + spatial]).ToArray();
        var macs = (double)x.Shape[0] * x.Shape[1] * Folding.Elements(x.Shape[2..]) * w.Shape[1] * Folding.Elements(kernel);
        AddLayer(node, OpKind.ConvTranspose, [[x.Shape[0], outChannels, .. outSpatial]], 2 * macs, WeightsOf(node, 1, 2), $"k{string.Join("x", kernel)} s{strides[0]} {x.Shape[1]}→{outChannels}", DataType.Float);
    }

    private void MatMul(OnnxNode node, int left, int right)
    {
        var a = Get(node, left).Shape;
        var b = Get(node, right).Shape;
        var a2 = a.Length == 1 ? [1, a[0]] : a;
        var b2 = b.Length == 1 ? [b[0], 1] : b;
        var (m, k, n) = (a2[^2], a2[^1], b2[^1]);
        if (b2[^2] != k)
        {
            throw new InvalidOperationException($"MatMul of [{string.Join(",", a)}] by [{string.Join(",", b)}]: inner dimensions {k} and {b2[^2]} differ");
        }

        var batch = Folding.Broadcast(a2[..^2], b2[..^2]) ?? throw new InvalidOperationException("MatMul batch dimensions do not broadcast");
        var output = batch.Concat(a.Length == 1 ? [] : new[] { m }).Concat(b.Length == 1 ? [] : new[] { n }).ToArray();
        var macs = (double)Folding.Elements(batch) * m * k * n;
        AddLayer(node, OpKind.MatMul, [output], 2 * macs, WeightsOf(node, left, right), $"{k}→{n} ×{Folding.Elements(batch) * m}", DataType.Float);
    }

    private void Gemm(OnnxNode node)
    {
        var a = Get(node, 0).Shape;
        var b = Get(node, 1).Shape;
        var (m, k) = node.Int("transA", 0) == 1 ? (a[1], a[0]) : (a[0], a[1]);
        var n = node.Int("transB", 0) == 1 ? b[0] : b[1];
        AddLayer(node, OpKind.MatMul, [[m, n]], 2.0 * m * k * n, WeightsOf(node, 0, 1, 2), $"{k}→{n} ×{m}", DataType.Float);
    }

    private void Pool(OnnxNode node)
    {
        var x = Get(node, 0);
        var spatial = RequireSpatial(node, x.Shape);
        var kernel = Positive(node, "kernel_shape", node.Ints("kernel_shape")?.ToArray() ?? throw new InvalidOperationException("pooling without kernel_shape"), spatial);
        var strides = Positive(node, "strides", node.Ints("strides")?.ToArray() ?? Enumerable.Repeat(1L, spatial).ToArray(), spatial);
        var dilations = Positive(node, "dilations", node.Ints("dilations")?.ToArray() ?? Enumerable.Repeat(1L, spatial).ToArray(), spatial);
        var pads = Pads(node, x.Shape, kernel, strides, dilations);
        var ceil = node.Int("ceil_mode", 0) == 1;
        var outSpatial = new long[spatial];
        for (var i = 0; i < spatial; i++)
        {
            var span = x.Shape[i + 2] + pads[i] + pads[i + spatial] - (dilations[i] * (kernel[i] - 1)) - 1;
            var count = (ceil ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1;

            // With ceil_mode, a last window that would start inside the end padding is dropped.
            if (ceil && (count - 1) * strides[i] >= x.Shape[i + 2] + pads[i])
            {
                count--;
            }

            outSpatial[i] = count;
        }

        long[] output = [x.Shape[0], x.Shape[1], .. outSpatial];
        AddLayer(node, OpKind.Pool, node.Outputs.Select(_ => output).ToArray(), (double)Folding.Elements(kernel) * Folding.Elements(output), 0, $"{node.OpType} k{string.Join("x", kernel)} s{strides[0]}");
    }

    /// <summary>Batch-norm right after a convolution is folded into it, as inference runtimes do: the layer keeps the convolution's counts and gains a bias if it had none.</summary>
    private void BatchNormalization(OnnxNode node)
    {
        var x = Get(node, 0);
        if (x.Producer >= 0 && _layers[x.Producer].Kind is OpKind.Conv or OpKind.DepthwiseConv or OpKind.ConvTranspose && _consumers.GetValueOrDefault(node.Inputs[0]) == 1)
        {
            var conv = _layers[x.Producer];
            var convNode = _nodes.FirstOrDefault(n => n.Outputs.Contains(node.Inputs[0]));
            var hadBias = convNode is not null && (convNode.OpType == "QLinearConv" ? convNode.Input(8) : convNode.Input(2)) is not null;
            _layers[x.Producer] = conv with { Parameters = conv.Parameters + (hadBias ? 0 : x.Shape[1]), Detail = conv.Detail + " +bn" };
            _values[node.Outputs[0]] = x;
            return;
        }

        AddLayer(node, OpKind.Normalization, [x.Shape], 2.0 * x.Elements, WeightsOf(node, 1, 2, 3, 4), "batchnorm");
    }

    private void Resize(OnnxNode node, string op)
    {
        var x = Get(node, 0);
        long[] output;
        var sizes = op == "Resize" && _opset >= 11 ? Optional(node, 3)?.Constant : null;
        if (sizes is { Length: > 0 })
        {
            output = sizes.Select(s => (long)s).ToArray();
        }
        else
        {
            var scales = (op == "Resize" ? Optional(node, _opset >= 11 ? 2 : 1)?.Constant : _opset >= 9 ? Optional(node, 1)?.Constant : node.Ints("scales")?.Select(s => (double)s).ToArray())
                ?? (node.Attributes.TryGetValue("scales", out var attribute) ? attribute.Floats.Select(f => (double)f).ToArray() : null);
            if (scales is not { Length: > 0 })
            {
                throw new OnnxImportException($"{_source}: {op} node '{NameOf(node)}' has neither constant scales nor sizes; WorkingPoint needs them to know the output size.");
            }

            output = x.Shape.Select((d, i) => (long)Math.Floor(d * scales[i])).ToArray();
        }

        AddLayer(node, OpKind.Resize, [output], 0, 0, $"{node.String("mode") ?? "nearest"} → {string.Join("x", output[2..])}");
    }

    private void Concat(OnnxNode node)
    {
        var parts = Enumerable.Range(0, node.Inputs.Count).Where(i => node.Input(i) is not null).Select(i => Get(node, i)).ToArray();
        var rank = parts.Max(p => p.Shape.Length);
        var axis = Folding.Axis(node.Int("axis", 1), rank);
        var output = parts.First(p => p.Shape.Length == rank).Shape.ToArray();
        output[axis] = parts.Where(p => p.Shape.Length == rank).Sum(p => p.Shape[axis]);
        AddLayer(node, OpKind.Concat, [output], 0, WeightsOf(node, Enumerable.Range(0, node.Inputs.Count).ToArray()), $"{parts.Length} inputs");
    }

    private void Split(OnnxNode node)
    {
        var x = Get(node, 0);
        var axis = Folding.Axis(node.Int("axis", 0), x.Shape.Length);
        var parts = node.Outputs.Count;
        var sizes = (_opset >= 13 ? Optional(node, 1)?.Constant?.Select(s => (long)s).ToArray() : node.Ints("split")?.ToArray())
            ?? Enumerable.Range(0, parts).Select(i =>
            {
                var chunk = (x.Shape[axis] + parts - 1) / parts; // Opset 18: the last part takes what is left.
                return Math.Min(chunk, Math.Max(0, x.Shape[axis] - (i * chunk)));
            }).ToArray();
        var shapes = sizes.Select(s =>
        {
            var shape = x.Shape.ToArray();
            shape[axis] = s;
            return shape;
        }).ToArray();
        AddLayer(node, OpKind.Split, shapes, 0, 0, $"{parts} parts");
    }

    private void Reduce(OnnxNode node, string op)
    {
        var x = Get(node, 0);
        var keep = node.Int("keepdims", 1) == 1;
        long[] axes;
        if (op is "ArgMax" or "ArgMin")
        {
            axes = [node.Int("axis", 0)];
        }
        else
        {
            var fromInput = _opset >= 18 || (op == "ReduceSum" && _opset >= 13);
            axes = (fromInput ? Optional(node, 1)?.Constant?.Select(a => (long)a).ToArray() : node.Ints("axes")?.ToArray()) ?? [];
            if (axes.Length == 0 && node.Int("noop_with_empty_axes", 0) == 0)
            {
                axes = Enumerable.Range(0, x.Shape.Length).Select(i => (long)i).ToArray();
            }
        }

        var reduced = axes.Select(a => Folding.Axis(a, x.Shape.Length)).ToHashSet();
        var output = x.Shape.Select((d, i) => (d, i)).Where(t => keep || !reduced.Contains(t.i)).Select(t => reduced.Contains(t.i) ? 1 : t.d).ToArray();
        AddLayer(node, OpKind.GlobalPool, [output], x.Elements, 0, $"{op} axes {string.Join(",", reduced.Order())}", op.StartsWith("Arg", StringComparison.Ordinal) ? DataType.Int64 : null);
    }
}

/// <summary>A model WorkingPoint cannot turn into a graph (a run-time shape it needs, an operator it cannot see past); the message says which node and why.</summary>
public sealed class OnnxImportException : WorkingPointException
{
    public OnnxImportException(string message)
        : base(message)
    {
    }
}
