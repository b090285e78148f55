using WorkingPoint.Onnx;
using WorkingPoint.Onnx.Protobuf;

namespace WorkingPoint.Tests.Shared;

/// <summary>
/// Small ONNX models written with the exporter's protobuf writer, for tests of the reader and importer: graph inputs, float
/// initializers, and nodes with int, ints, float, string and subgraph attributes.
/// </summary>
internal sealed class OnnxBuilder
{
    private readonly List<Action<ProtoWriter>> _parts = [];

    public OnnxBuilder Input(string name, params long[] dims)
    {
        _parts.Add(g => g.Message(OnnxSchema.Graph.Input, v => ValueInfo(v, name, dims, elementType: 1)));
        return this;
    }

    public OnnxBuilder BoolInput(string name)
    {
        _parts.Add(g => g.Message(OnnxSchema.Graph.Input, v => ValueInfo(v, name, [], elementType: 9)));
        return this;
    }

    public OnnxBuilder Output(string name)
    {
        _parts.Add(g => g.Message(OnnxSchema.Graph.Output, v => v.String(OnnxSchema.ValueInfo.Name, name)));
        return this;
    }

    /// <summary>A float initializer of the given shape (zeros), a weight to the importer.</summary>
    public OnnxBuilder Weight(string name, params long[] dims)
    {
        var elements = dims.Aggregate(1L, (a, b) => a * b);
        _parts.Add(g => g.Message(OnnxSchema.Graph.Initializer, t =>
        {
            t.PackedInt64(OnnxSchema.Tensor.Dims, dims);
            t.Int64(OnnxSchema.Tensor.DataType, 1);
            t.String(OnnxSchema.Tensor.Name, name);
            t.Bytes(OnnxSchema.Tensor.RawData, new byte[elements * 4]);
        }));
        return this;
    }

    public OnnxBuilder Node(string op, string[] inputs, string[] outputs, params Attribute[] attributes)
    {
        _parts.Add(g => g.Message(OnnxSchema.Graph.Node, n =>
        {
            foreach (var input in inputs)
            {
                n.String(OnnxSchema.Node.Input, input);
            }

            foreach (var output in outputs)
            {
                n.String(OnnxSchema.Node.Output, output);
            }

            n.String(OnnxSchema.Node.Name, $"{op}_{outputs.FirstOrDefault()}");
            n.String(OnnxSchema.Node.OpType, op);
            foreach (var attribute in attributes)
            {
                n.Message(OnnxSchema.Node.Attribute, attribute.Write);
            }
        }));
        return this;
    }

    /// <summary>The graph's bytes alone (for a subgraph attribute).</summary>
    public void WriteGraph(ProtoWriter g)
    {
        g.String(OnnxSchema.Graph.Name, "g");
        foreach (var part in _parts)
        {
            part(g);
        }
    }

    public byte[] Build(long opset = 17) => ProtoWriter.Build(w =>
    {
        w.Int64(OnnxSchema.Model.IrVersion, 8);
        w.Message(OnnxSchema.Model.OpsetImport, o => o.Int64(OnnxSchema.OperatorSetId.Version, opset));
        w.Message(OnnxSchema.Model.Graph, WriteGraph);
    });

    private static void ValueInfo(ProtoWriter v, string name, long[] dims, int elementType)
    {
        v.String(OnnxSchema.ValueInfo.Name, name);
        v.Message(OnnxSchema.ValueInfo.Type, t => t.Message(OnnxSchema.Type.TensorType, tt =>
        {
            tt.Int64(OnnxSchema.Type.TensorElementType, elementType);
            tt.Message(OnnxSchema.Type.TensorShape, s =>
            {
                foreach (var d in dims)
                {
                    s.Message(OnnxSchema.Type.ShapeDim, dim => dim.Int64(OnnxSchema.Type.DimValue, d));
                }
            });
        }));
    }

    public sealed record Attribute(Action<ProtoWriter> Write)
    {
        public static Attribute Int(string name, long value) => new(a =>
        {
            a.String(OnnxSchema.Attribute.Name, name);
            a.Int64(OnnxSchema.Attribute.I, value);
            a.Int64(OnnxSchema.Attribute.Type, OnnxSchema.Attribute.TypeInt);
        });

        public static Attribute Ints(string name, params long[] values) => new(a =>
        {
            a.String(OnnxSchema.Attribute.Name, name);
            a.PackedInt64(OnnxSchema.Attribute.Ints, values);
            a.Int64(OnnxSchema.Attribute.Type, OnnxSchema.Attribute.TypeInts);
        });

        public static Attribute String(string name, string value) => new(a =>
        {
            a.String(OnnxSchema.Attribute.Name, name);
            a.String(OnnxSchema.Attribute.S, value);
            a.Int64(OnnxSchema.Attribute.Type, OnnxSchema.Attribute.TypeString);
        });

        public static Attribute Graph(string name, OnnxBuilder graph) => new(a =>
        {
            a.String(OnnxSchema.Attribute.Name, name);
            a.Message(OnnxSchema.Attribute.G, graph.WriteGraph);
            a.Int64(OnnxSchema.Attribute.Type, OnnxSchema.Attribute.TypeGraph);
        });
    }
}
