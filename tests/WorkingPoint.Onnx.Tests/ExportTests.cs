using WorkingPoint.Core;
using WorkingPoint.Core.Units;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Graphs;
using WorkingPoint.Onnx.Export;
using WorkingPoint.Onnx.Protobuf;

namespace WorkingPoint.Onnx.Tests;

public sealed class ExportTests
{
    [Theory]
    [InlineData(0UL, new byte[] { 0x00 })]
    [InlineData(1UL, new byte[] { 0x01 })]
    [InlineData(150UL, new byte[] { 0x96, 0x01 })]
    [InlineData(300UL, new byte[] { 0xAC, 0x02 })]
    public void Varints_are_written_seven_bits_at_a_time_low_bits_first(ulong value, byte[] expected)
    {
        var bytes = ProtoWriter.Build(w => w.Varint(value));
        Assert.Equal(expected, bytes);
        Assert.Equal(expected.Length, ProtoWriter.VarintSize(value));
    }

    [Fact]
    public void A_string_field_is_its_tag_its_length_and_its_utf8_bytes()
    {
        // Field 4 (NodeProto.op_type), wire type 2: tag 0x22.
        Assert.Equal(new byte[] { 0x22, 0x04, (byte)'C', (byte)'o', (byte)'n', (byte)'v' }, ProtoWriter.Build(w => w.String(OnnxSchema.Node.OpType, "Conv")));
    }

    [Fact]
    public void An_exported_network_carries_every_parameter_of_its_graph_and_a_weight_byte_count_to_match()
    {
        var graph = ModelZoo.GraphModels.Single(m => m.Id == "mobilenet-v2").Build(224, 224);
        using var stream = new MemoryStream();
        var summary = OnnxExporter.Export(graph, stream);

        Assert.Equal(graph.TotalParameters, summary.Parameters);
        Assert.True(stream.Length > summary.Parameters * 4);
        Assert.True(summary.WeightBytes >= summary.Parameters * 4);
        Assert.Equal(new TensorShape(1, 1000, 1, 1), Assert.Single(summary.Outputs));
    }

    [Fact]
    public void A_graph_without_structure_cannot_be_exported_and_the_error_says_which_layer()
    {
        var layer = new Layer("mystery", OpKind.Elementwise, [-1], new TensorShape(1, 3, 8, 8), Ops.Zero, 0, 192, 192, "imported");
        var graph = new Graph("imported", new TensorShape(1, 3, 8, 8), [layer]);
        var error = Assert.Throws<InvalidInputException>(() => OnnxExporter.Export(graph, new MemoryStream()));
        Assert.Contains("'mystery'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_transformer_layer_is_refused_rather_than_exported_wrongly()
    {
        var builder = new GraphBuilder("tiny-vit", 3, 16, 16);
        var tokens = builder.ToTokens(builder.Conv(builder.Input, 8, 4, 4));
        builder.Attention(builder.Linear(tokens, 24), 2, 4, 16);
        var error = Assert.Throws<InvalidInputException>(() => OnnxExporter.Export(builder.Build(), new MemoryStream()));
        Assert.Contains("cannot be exported to ONNX", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_interrupted_file_export_leaves_no_partial_model()
    {
        var builder = new GraphBuilder("bad", 3, 8, 8);
        builder.ToTokens(builder.Input);
        var path = Path.Combine(Path.GetTempPath(), $"wpt-partial-{Guid.NewGuid():N}.onnx");
        Assert.Throws<InvalidInputException>(() => OnnxExporter.Export(builder.Build(), path));
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + ".tmp"));
    }
}
