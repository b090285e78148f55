using WorkingPoint.Core.Workloads;
using WorkingPoint.Onnx;
using WorkingPoint.Onnx.Import;
using WorkingPoint.Onnx.Protobuf;
using WorkingPoint.Tests.Shared;
using A = WorkingPoint.Tests.Shared.OnnxBuilder.Attribute;

namespace WorkingPoint.Fuzzing.Tests;

/// <summary>Malformed and extreme ONNX files through the reader and the importer.</summary>
public sealed class OnnxFuzzTests
{
    /// <summary>A small valid model touching every reader path: initializers, int/ints/string/graph attributes, If, LSTM.</summary>
    private static readonly byte[] Valid = Model();

    private static byte[] Model(params A[] convAttributes) => new OnnxBuilder()
        .Input("x", 1, 3, 8, 8).BoolInput("flag")
        .Weight("w", 4, 3, 3, 3).Weight("b", 4).Weight("W", 1, 32, 16).Weight("R", 1, 32, 8)
        .Node("Conv", ["x", "w", "b"], ["c"], convAttributes.Length > 0 ? convAttributes : [A.Ints("pads", 1, 1, 1, 1), A.Ints("strides", 1, 1)])
        .Node("Relu", ["c"], ["r"])
        .Node("MaxPool", ["r"], ["p"], A.Ints("kernel_shape", 2, 2), A.Ints("strides", 2, 2))
        .Node("Constant", [], ["shape"], A.Ints("value_ints", 4, 1, 16))
        .Node("Reshape", ["p", "shape"], ["s"])
        .Node("LSTM", ["s", "W", "R"], ["y"], A.Int("hidden_size", 8))
        .Node("If", ["flag"], ["z"], A.Graph("then_branch", new OnnxBuilder().Node("Relu", ["y"], ["t"]).Output("t")), A.Graph("else_branch", new OnnxBuilder().Node("Sigmoid", ["y"], ["e"]).Output("e")))
        .Output("z").Build();

    private static void Import(byte[] bytes, string name) =>
        OnnxImporter.Import(OnnxModelReader.Read(bytes, name), name, InputShapes.None);

    [Fact]
    public void The_seed_model_imports()
    {
        var import = OnnxImporter.Import(OnnxModelReader.Read(Valid, "seed.onnx"), "seed.onnx", InputShapes.None);
        Assert.True(import.Graph.TotalOps.Value > 0);
    }

    [Fact]
    public void Truncation_at_every_byte_is_handled()
    {
        Fuzz.All(Enumerable.Range(0, Valid.Length).Select(n => ($"truncated to {n} bytes", (Action)(() => Import(Valid[..n], "cut.onnx")))));
    }

    [Fact]
    public void Random_byte_flips_are_handled()
    {
        Fuzz.All(Fuzz.Flips(Valid, 0, Valid.Length, "onnx").Select(c => (c.Name, (Action)(() => Import(c.Bytes, "flipped.onnx")))));
    }

    public static TheoryData<string> ExtremeConvAttributes => new() { "strides=0", "group=0", "dilations=0", "kernel=0", "strides=-1", "pads=-1000", "pads=2^40", "kernel=2^40", "strides-short" };

    [Theory]
    [MemberData(nameof(ExtremeConvAttributes))]
    public void Extreme_convolution_attributes_are_refused_with_one_line(string which)
    {
        A[] attributes = which switch
        {
            "strides=0" => [A.Ints("strides", 0, 0)],
            "group=0" => [A.Int("group", 0)],
            "dilations=0" => [A.Ints("dilations", 0, 0)],
            "kernel=0" => [A.Ints("kernel_shape", 0, 0)],
            "strides=-1" => [A.Ints("strides", -1, -1)],
            "pads=-1000" => [A.Ints("pads", -1000, -1000, -1000, -1000)],
            "pads=2^40" => [A.Ints("pads", 1L << 40, 1L << 40, 1L << 40, 1L << 40)],
            "kernel=2^40" => [A.Ints("kernel_shape", 1L << 40, 1L << 40)],
            _ => [A.Ints("strides", 1)],
        };
        var bytes = Model(attributes);
        Fuzz.All([(which, () => Import(bytes, "conv.onnx"))]);
        Assert.ThrowsAny<OnnxImportException>(() => Import(bytes, "conv.onnx"));
    }

    [Fact]
    public void Extreme_values_in_lengths_dimensions_and_counts_are_handled()
    {
        byte[] Graph(Action<ProtoWriter> graph) => ProtoWriter.Build(w =>
        {
            w.Int64(OnnxSchema.Model.IrVersion, 8);
            w.Message(OnnxSchema.Model.OpsetImport, o => o.Int64(OnnxSchema.OperatorSetId.Version, 17));
            w.Message(OnnxSchema.Model.Graph, graph);
        });

        var cases = new List<(string, Action)>
        {
            ("length field 2^31-1", () => Import([0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 1, 2, 3], "len.onnx")),
            ("length field 2^40", () => Import([0x3A, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 1, 2, 3], "len.onnx")),
            ("varint of 11 bytes", () => Import([0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "varint.onnx")),
            ("wire type 7", () => Import([0x0F, 0x00], "wire.onnx")),
            ("field number 0", () => Import([0x00, 0x00], "field.onnx")),
        };
        foreach (var dims in new[] { new[] { -1L }, [-(1L << 62)], [int.MaxValue, int.MaxValue, int.MaxValue], [long.MaxValue], [1L << 40, 1L << 40] })
        {
            cases.Add(($"initializer dims [{string.Join(",", dims)}]", () => Import(Graph(g =>
            {
                g.Message(OnnxSchema.Graph.Initializer, t =>
                {
                    t.PackedInt64(OnnxSchema.Tensor.Dims, dims);
                    t.Int64(OnnxSchema.Tensor.DataType, 1);
                    t.String(OnnxSchema.Tensor.Name, "w");
                });
                new OnnxBuilder().Input("x", 1, 3, 8, 8).Node("Conv", ["x", "w"], ["y"]).Output("y").WriteGraph(g);
            }), "dims.onnx")));
            cases.Add(($"input dims [1,{string.Join(",", dims)}]", () => Import(new OnnxBuilder().Input("x", [1, .. dims]).Node("Relu", ["x"], ["y"]).Output("y").Build(), "input.onnx")));
        }

        foreach (var hidden in new[] { 0L, -5, 1L << 40 })
        {
            cases.Add(($"LSTM hidden_size {hidden}", () => Import(new OnnxBuilder().Input("x", 4, 1, 16).Weight("W", 1, 32, 16).Weight("R", 1, 32, 8)
                .Node("LSTM", ["x", "W", "R"], ["y"], A.Int("hidden_size", hidden)).Output("y").Build(), "lstm.onnx")));
        }

        foreach (var value in new[] { 1L << 62, -1, 1L << 40 })
        {
            cases.Add(($"Range to {value}", () => Import(new OnnxBuilder().Input("x", 1, 4)
                .Node("Constant", [], ["s"], A.Int("value_int", 0)).Node("Constant", [], ["l"], A.Int("value_int", value)).Node("Constant", [], ["d"], A.Int("value_int", 1))
                .Node("Range", ["s", "l", "d"], ["r"]).Node("Add", ["x", "r"], ["y"]).Output("y").Build(), "range.onnx")));
            cases.Add(($"Loop trip count {value}", () => Import(new OnnxBuilder().Input("x", 1, 4)
                .Node("Constant", [], ["m"], A.Int("value_int", value))
                .Node("Loop", ["m", ""], ["y"], A.Graph("body", new OnnxBuilder().Input("i").BoolInput("c").Node("Relu", ["x"], ["r"]).Node("Identity", ["c"], ["co"]).Output("co").Output("r")))
                .Output("y").Build(), "loop.onnx")));
            cases.Add(($"Tile by {value}", () => Import(new OnnxBuilder().Input("x", 1, 4)
                .Node("Constant", [], ["k"], A.Ints("value_ints", value, value)).Node("Tile", ["x", "k"], ["y"]).Output("y").Build(), "tile.onnx")));
        }

        Fuzz.All(cases);
    }

    [Fact]
    public void An_if_nested_a_hundred_thousand_deep_is_refused_at_the_nesting_limit()
    {
        var bytes = NestedIfs(100_000);
        Assert.True(bytes.Length > 1_000_000);
        var error = Assert.Throws<OnnxFormatException>(() => OnnxModelReader.Read(bytes, "deep.onnx"));
        Assert.Contains($"nested more than {OnnxModelReader.MaxSubgraphDepth} deep", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("deep.onnx: If node", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Model → graph → (If node → then_branch graph) × depth, written outside-in with lengths computed inside-out, so building a
    /// deep file costs linear time (wrapping message by message would copy it once per level).
    /// </summary>
    private static byte[] NestedIfs(int depth)
    {
        static byte[] Tag(int field) => [(byte)((field << 3) | 2)];
        static byte[] Varint(long value)
        {
            var bytes = new List<byte>();
            do
            {
                var b = (byte)(value & 0x7F);
                value >>= 7;
                bytes.Add(value != 0 ? (byte)(b | 0x80) : b);
            }
            while (value != 0);
            return [.. bytes];
        }

        byte[] opType = [.. Tag(OnnxSchema.Node.OpType), 2, (byte)'I', (byte)'f'];
        byte[] name = [.. Tag(OnnxSchema.Attribute.Name), 11, .. "then_branch"u8];

        // Sizes inside-out: graph(k) = node tag + len + node(k); node(k) = opType + attr tag + len + attr(k); attr(k) = name + G tag + len + graph(k+1).
        var graphSizes = new long[depth + 1];
        var nodeSizes = new long[depth];
        var attributeSizes = new long[depth];
        graphSizes[depth] = 0;
        for (var k = depth - 1; k >= 0; k--)
        {
            attributeSizes[k] = name.Length + 1 + Varint(graphSizes[k + 1]).Length + graphSizes[k + 1];
            nodeSizes[k] = opType.Length + 1 + Varint(attributeSizes[k]).Length + attributeSizes[k];
            graphSizes[k] = 1 + Varint(nodeSizes[k]).Length + nodeSizes[k];
        }

        using var stream = new MemoryStream();
        stream.Write([0x08, 8]); // ir_version 8
        stream.Write([.. Tag(OnnxSchema.Model.Graph), .. Varint(graphSizes[0])]);
        for (var k = 0; k < depth; k++)
        {
            stream.Write([.. Tag(OnnxSchema.Graph.Node), .. Varint(nodeSizes[k]), .. opType]);
            stream.Write([.. Tag(OnnxSchema.Node.Attribute), .. Varint(attributeSizes[k]), .. name]);
            stream.Write([.. Tag(OnnxSchema.Attribute.G), .. Varint(graphSizes[k + 1])]);
        }

        return stream.ToArray();
    }
}
