using System.Buffers.Binary;
using WorkingPoint.Onnx.Protobuf;

namespace WorkingPoint.Onnx.Import;

/// <summary>A tensor stored in the model (an initializer or a Constant's value): its shape and type, and its values when small.</summary>
/// <param name="Values">The values as doubles when the tensor has at most <see cref="OnnxModelReader.MaxFoldedElements"/> elements (shapes, axes, scales); null for weights.</param>
/// <param name="External">Whether the data lives in an external file (large models); shapes are still known.</param>
public sealed record OnnxTensor(string Name, IReadOnlyList<long> Dims, OnnxSchema.DataType DataType, double[]? Values, bool External)
{
    // The reader refuses negative dimensions and products past MaxTensorElements, so this cannot overflow.
    public long Elements => Dims.Aggregate(1L, (a, b) => a * b);

    public long Bytes => Elements * OnnxSchema.BytesPerElement(DataType);
}

/// <summary>A declared graph input or output: element type and dimensions, each a number or a symbolic name (or unknown).</summary>
public sealed record OnnxValueInfo(string Name, OnnxSchema.DataType ElementType, IReadOnlyList<(long? Value, string? Symbol)>? Dims);

public sealed record OnnxAttribute(string Name, int Type, float F, long I, string? S, OnnxTensor? T, OnnxGraph? G, IReadOnlyList<float> Floats, IReadOnlyList<long> Ints, IReadOnlyList<OnnxGraph> Graphs);

public sealed record OnnxNode(string Name, string OpType, string Domain, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, IReadOnlyDictionary<string, OnnxAttribute> Attributes)
{
    public long Int(string name, long fallback) => Attributes.TryGetValue(name, out var a) ? a.I : fallback;

    public float Float(string name, float fallback) => Attributes.TryGetValue(name, out var a) ? a.F : fallback;

    public string? String(string name) => Attributes.TryGetValue(name, out var a) ? a.S : null;

    public IReadOnlyList<long>? Ints(string name) => Attributes.TryGetValue(name, out var a) ? a.Ints : null;

    /// <summary>The i-th input's name, or null when absent or given as "" (an omitted optional input).</summary>
    public string? Input(int i) => i < Inputs.Count && Inputs[i].Length > 0 ? Inputs[i] : null;
}

public sealed record OnnxGraph(string Name, IReadOnlyList<OnnxNode> Nodes, IReadOnlyDictionary<string, OnnxTensor> Initializers, IReadOnlyList<OnnxValueInfo> Inputs, IReadOnlyList<OnnxValueInfo> Outputs)
{
    /// <summary>The graphs held in this graph's nodes' attributes (If branches, Loop and Scan bodies), not this graph itself.</summary>
    public IEnumerable<OnnxGraph> Subgraphs => Nodes.SelectMany(n => n.Attributes.Values).SelectMany(a => a.G is null ? a.Graphs : a.Graphs.Prepend(a.G));

    /// <summary>Every tensor stored in this graph and its subgraphs: initializers and Constant nodes' values (where some exporters keep weights).</summary>
    public IEnumerable<OnnxTensor> StoredTensors =>
        Initializers.Values
            .Concat(Nodes.Where(n => n.OpType == "Constant").SelectMany(n => n.Attributes.Values).Select(a => a.T).OfType<OnnxTensor>())
            .Concat(Subgraphs.SelectMany(g => g.StoredTensors));
}

public sealed record OnnxModel(long IrVersion, string Producer, string ProducerVersion, IReadOnlyDictionary<string, long> Opsets, OnnxGraph Graph)
{
    /// <summary>The default-domain (ai.onnx) opset, which decides how several operators take their arguments.</summary>
    public long Opset => Opsets.TryGetValue(string.Empty, out var v) ? v : Opsets.TryGetValue("ai.onnx", out var w) ? w : 1;
}

/// <summary>Reads the subset of onnx.proto WorkingPoint needs, skipping everything else.</summary>
public static class OnnxModelReader
{
    /// <summary>Tensors up to this size keep their values (for constant folding of shape computations).</summary>
    public const int MaxFoldedElements = 4096;

    /// <summary>How deep subgraphs (If branches, Loop and Scan bodies) may nest; real models nest two or three levels. The reader recurses per level, so this also bounds its stack.</summary>
    public const int MaxSubgraphDepth = 32;

    /// <summary>The most elements one tensor may declare (2^48): beyond any real model, and far from overflowing a 64-bit byte count.</summary>
    public const long MaxTensorElements = 1L << 48;

    public static OnnxModel Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new OnnxFormatException($"{path}: no such ONNX file; check the path.");
        }

        // Protobuf caps a message at 2 GiB; larger models keep their weights in external data files beside the .onnx.
        var length = new FileInfo(path).Length;
        if (length > Array.MaxLength)
        {
            throw new OnnxFormatException($"{path}: the file is {length} bytes, more than an ONNX protobuf can hold (2 GiB, the limit); export the model with its weights as external data.");
        }

        var bytes = File.ReadAllBytes(path);
        return Read(bytes, path);
    }

    public static OnnxModel Read(byte[] bytes, string source)
    {
        var reader = new ProtoReader(bytes, 0, bytes.Length, source);
        long ir = 0;
        string producer = string.Empty, version = string.Empty;
        var opsets = new Dictionary<string, long>();
        OnnxGraph? graph = null;
        while (reader.Next(out var f))
        {
            switch (f.Number)
            {
                case OnnxSchema.Model.IrVersion when f.WireType == 0:
                    ir = f.Int64;
                    break;
                case OnnxSchema.Model.ProducerName when f.WireType == 2:
                    producer = reader.String(f);
                    break;
                case OnnxSchema.Model.ProducerVersion when f.WireType == 2:
                    version = reader.String(f);
                    break;
                case OnnxSchema.Model.OpsetImport when f.WireType == 2:
                    var (domain, opset) = ReadOpset(reader.Nested(f));
                    opsets[domain] = opset;
                    break;
                case OnnxSchema.Model.Graph when f.WireType == 2:
                    graph = ReadGraph(reader.Nested(f), 0);
                    break;
            }
        }

        if (graph is null || ir <= 0)
        {
            throw new OnnxFormatException($"{source}: not an ONNX model (no {(ir <= 0 ? "IR version" : "graph")} found); check that the file is an .onnx model, or re-export it.");
        }

        return new OnnxModel(ir, producer, version, opsets, graph);
    }

    private static (string Domain, long Version) ReadOpset(ProtoReader reader)
    {
        var domain = string.Empty;
        long version = 0;
        while (reader.Next(out var f))
        {
            if (f.Number == OnnxSchema.OperatorSetId.Domain && f.WireType == 2)
            {
                domain = reader.String(f);
            }
            else if (f.Number == OnnxSchema.OperatorSetId.Version && f.WireType == 0)
            {
                version = f.Int64;
            }
        }

        return (domain, version);
    }

    private static OnnxGraph ReadGraph(ProtoReader reader, int depth)
    {
        var name = string.Empty;
        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        var inputs = new List<OnnxValueInfo>();
        var outputs = new List<OnnxValueInfo>();
        while (reader.Next(out var f))
        {
            if (f.WireType != 2)
            {
                continue;
            }

            switch (f.Number)
            {
                case OnnxSchema.Graph.Node:
                    nodes.Add(ReadNode(reader.Nested(f), depth));
                    break;
                case OnnxSchema.Graph.Name:
                    name = reader.String(f);
                    break;
                case OnnxSchema.Graph.Initializer:
                    var tensor = ReadTensor(reader.Nested(f));
                    initializers[tensor.Name] = tensor;
                    break;
                case OnnxSchema.Graph.Input:
                    inputs.Add(ReadValueInfo(reader.Nested(f)));
                    break;
                case OnnxSchema.Graph.Output:
                    outputs.Add(ReadValueInfo(reader.Nested(f)));
                    break;
            }
        }

        return new OnnxGraph(name, nodes, initializers, inputs, outputs);
    }

    private static OnnxNode ReadNode(ProtoReader reader, int depth)
    {
        // Attributes are read after the node's name and type (a second pass), so that an error inside one can name its node.
        var attributePass = reader;
        string name = string.Empty, op = string.Empty, domain = string.Empty;
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, OnnxAttribute>(StringComparer.Ordinal);
        while (reader.Next(out var f))
        {
            if (f.WireType != 2)
            {
                continue;
            }

            switch (f.Number)
            {
                case OnnxSchema.Node.Input:
                    inputs.Add(reader.String(f));
                    break;
                case OnnxSchema.Node.Output:
                    outputs.Add(reader.String(f));
                    break;
                case OnnxSchema.Node.Name:
                    name = reader.String(f);
                    break;
                case OnnxSchema.Node.OpType:
                    op = reader.String(f);
                    break;
                case OnnxSchema.Node.Domain:
                    domain = reader.String(f);
                    break;
            }
        }

        var nodeName = name.Length > 0 ? name : outputs.Count > 0 ? outputs[0] : op;
        while (attributePass.Next(out var f))
        {
            if (f.Number == OnnxSchema.Node.Attribute && f.WireType == 2)
            {
                var attribute = ReadAttribute(attributePass.Nested(f), depth, $"{op} node '{nodeName}'");
                attributes[attribute.Name] = attribute;
            }
        }

        return new OnnxNode(name, op, domain, inputs, outputs, attributes);
    }

    private static OnnxAttribute ReadAttribute(ProtoReader reader, int depth, string node)
    {
        string name = string.Empty;
        string? s = null;
        int type = 0;
        float fl = 0;
        long i = 0;
        OnnxTensor? t = null;
        OnnxGraph? g = null;
        var floats = new List<float>();
        var ints = new List<long>();
        var graphs = new List<OnnxGraph>();
        while (reader.Next(out var f))
        {
            switch (f.Number)
            {
                case OnnxSchema.Attribute.Name when f.WireType == 2:
                    name = reader.String(f);
                    break;
                case OnnxSchema.Attribute.F when f.WireType == 5:
                    fl = f.Float32;
                    break;
                case OnnxSchema.Attribute.I when f.WireType == 0:
                    i = f.Int64;
                    break;
                case OnnxSchema.Attribute.S when f.WireType == 2:
                    s = reader.String(f);
                    break;
                case OnnxSchema.Attribute.T when f.WireType == 2:
                    t = ReadTensor(reader.Nested(f));
                    break;
                case OnnxSchema.Attribute.G when f.WireType == 2:
                    g = ReadGraph(reader.Nested(f), Deeper(reader, depth, node));
                    break;
                case OnnxSchema.Attribute.Floats:
                    reader.AddFloats(f, floats);
                    break;
                case OnnxSchema.Attribute.Ints:
                    reader.AddVarints(f, ints);
                    break;
                case OnnxSchema.Attribute.Graphs when f.WireType == 2:
                    graphs.Add(ReadGraph(reader.Nested(f), Deeper(reader, depth, node)));
                    break;
                case OnnxSchema.Attribute.Type when f.WireType == 0:
                    type = (int)f.Int64;
                    break;
            }
        }

        return new OnnxAttribute(name, type, fl, i, s, t, g, floats, ints, graphs);
    }

    private static int Deeper(ProtoReader reader, int depth, string node) =>
        depth < MaxSubgraphDepth
            ? depth + 1
            : throw new OnnxFormatException($"{reader.Source}: {node} holds subgraphs nested more than {MaxSubgraphDepth} deep (the limit; real models nest two or three levels); the file is damaged or hostile, re-export the model.");

    public static OnnxTensor ReadTensor(ProtoReader reader)
    {
        var dims = new List<long>();
        var type = OnnxSchema.DataType.Undefined;
        var name = string.Empty;
        ProtoField? raw = null;
        var floats = new List<float>();
        var longs = new List<long>();
        var doubles = new List<double>();
        var external = false;
        while (reader.Next(out var f))
        {
            switch (f.Number)
            {
                case OnnxSchema.Tensor.Dims:
                    reader.AddVarints(f, dims);
                    break;
                case OnnxSchema.Tensor.DataType when f.WireType == 0:
                    type = (OnnxSchema.DataType)f.Int64;
                    break;
                case OnnxSchema.Tensor.Name when f.WireType == 2:
                    name = reader.String(f);
                    break;
                case OnnxSchema.Tensor.RawData when f.WireType == 2:
                    raw = f;
                    break;
                case OnnxSchema.Tensor.FloatData:
                    reader.AddFloats(f, floats);
                    break;
                case OnnxSchema.Tensor.Int32Data:
                case OnnxSchema.Tensor.Int64Data:
                    reader.AddVarints(f, longs);
                    break;
                case OnnxSchema.Tensor.DoubleData:
                    reader.AddDoubles(f, doubles);
                    break;
                case OnnxSchema.Tensor.DataLocation when f.WireType == 0:
                    external = f.Int64 == 1;
                    break;
            }
        }

        long elements = 1;
        foreach (var dim in dims)
        {
            if (dim < 0)
            {
                throw new OnnxFormatException($"{reader.Source}: tensor '{name}' has a negative dimension ({dim}) in [{string.Join(",", dims)}]; the file is damaged, re-export the model.");
            }

            if (dim > 0 && elements > MaxTensorElements / dim)
            {
                throw new OnnxFormatException($"{reader.Source}: tensor '{name}' declares [{string.Join(",", dims)}], more than {MaxTensorElements} elements (the limit); the file is damaged, re-export the model.");
            }

            elements *= dim;
        }

        double[]? values = null;
        if (elements <= MaxFoldedElements)
        {
            values = raw is { } r ? Decode(reader.Buffer, r, type, (int)elements)
                : floats.Count > 0 ? floats.Select(v => (double)v).ToArray()
                : longs.Count > 0 ? longs.Select(v => (double)v).ToArray()
                : doubles.Count > 0 ? doubles.ToArray()
                : null;
        }

        return new OnnxTensor(name, dims, type, values, external);
    }

    private static double[]? Decode(byte[] buffer, ProtoField raw, OnnxSchema.DataType type, int elements)
    {
        var size = OnnxSchema.BytesPerElement(type);
        if (size == 0 || raw.Length < elements * size)
        {
            return null;
        }

        var span = buffer.AsSpan(raw.Offset, raw.Length);
        var values = new double[elements];
        for (var i = 0; i < elements; i++)
        {
            var at = span[(i * size)..];
            values[i] = type switch
            {
                OnnxSchema.DataType.Float => BinaryPrimitives.ReadSingleLittleEndian(at),
                OnnxSchema.DataType.Double => BinaryPrimitives.ReadDoubleLittleEndian(at),
                OnnxSchema.DataType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(at),
                OnnxSchema.DataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(at),
                OnnxSchema.DataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(at),
                OnnxSchema.DataType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(at),
                OnnxSchema.DataType.Int8 => (sbyte)at[0],
                OnnxSchema.DataType.UInt8 or OnnxSchema.DataType.Bool => at[0],
                OnnxSchema.DataType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(at),
                OnnxSchema.DataType.UInt64 => BinaryPrimitives.ReadUInt64LittleEndian(at),
                OnnxSchema.DataType.Float16 => (double)BinaryPrimitives.ReadHalfLittleEndian(at),
                _ => double.NaN,
            };
        }

        return values;
    }

    private static OnnxValueInfo ReadValueInfo(ProtoReader reader)
    {
        var name = string.Empty;
        var elementType = OnnxSchema.DataType.Undefined;
        List<(long?, string?)>? dims = null;
        while (reader.Next(out var f))
        {
            if (f.Number == OnnxSchema.ValueInfo.Name && f.WireType == 2)
            {
                name = reader.String(f);
            }
            else if (f.Number == OnnxSchema.ValueInfo.Type && f.WireType == 2)
            {
                var type = reader.Nested(f);
                while (type.Next(out var tf))
                {
                    if (tf.Number != OnnxSchema.Type.TensorType || tf.WireType != 2)
                    {
                        continue;
                    }

                    var tensor = type.Nested(tf);
                    while (tensor.Next(out var ttf))
                    {
                        if (ttf.Number == OnnxSchema.Type.TensorElementType && ttf.WireType == 0)
                        {
                            elementType = (OnnxSchema.DataType)ttf.Int64;
                        }
                        else if (ttf.Number == OnnxSchema.Type.TensorShape && ttf.WireType == 2)
                        {
                            dims = [];
                            var shape = tensor.Nested(ttf);
                            while (shape.Next(out var sf))
                            {
                                if (sf.Number != OnnxSchema.Type.ShapeDim || sf.WireType != 2)
                                {
                                    continue;
                                }

                                long? value = null;
                                string? symbol = null;
                                var dim = shape.Nested(sf);
                                while (dim.Next(out var df))
                                {
                                    if (df.Number == OnnxSchema.Type.DimValue && df.WireType == 0)
                                    {
                                        value = df.Int64;
                                    }
                                    else if (df.Number == OnnxSchema.Type.DimParam && df.WireType == 2)
                                    {
                                        symbol = dim.String(df);
                                    }
                                }

                                dims.Add((value, symbol));
                            }
                        }
                    }
                }
            }
        }

        return new OnnxValueInfo(name, elementType, dims);
    }
}
