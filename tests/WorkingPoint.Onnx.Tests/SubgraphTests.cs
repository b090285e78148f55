using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Graphs;
using WorkingPoint.Onnx.Import;
using WorkingPoint.Onnx.Protobuf;
using WorkingPoint.Tests.Shared;
using A = WorkingPoint.Tests.Shared.OnnxBuilder.Attribute;

namespace WorkingPoint.Onnx.Tests;

public sealed class SubgraphTests
{
    private static OnnxBuilder Cheap => new OnnxBuilder().Node("Relu", ["x"], ["t"]).Output("t");

    // 1×3×8×8 → 1×4×8×8, 1×1 convolution: 2 × 4 × 3 × 64 = 1536 operations, 12 parameters.
    private static OnnxBuilder Expensive => new OnnxBuilder().Weight("w", 4, 3, 1, 1).Node("Conv", ["x", "w"], ["e"]).Output("e");

    [Fact]
    public void An_if_with_a_constant_condition_counts_only_the_branch_taken()
    {
        var bytes = new OnnxBuilder().Input("x", 1, 3, 8, 8)
            .Node("Constant", [], ["flag"], A.Int("value_int", 1))
            .Node("If", ["flag"], ["y"], A.Graph("then_branch", Expensive), A.Graph("else_branch", Cheap))
            .Output("y").Build();
        var import = OnnxImporter.Import(OnnxModelReader.Read(bytes, "if.onnx"), "if.onnx", InputShapes.None);

        Assert.Equal(1536, import.Graph.TotalOps.Value);
        Assert.Equal(12, import.Graph.TotalParameters);
        Assert.Empty(import.Alternatives);
        Assert.Empty(import.UnsupportedOperators);
    }

    [Fact]
    public void An_if_decided_at_run_time_counts_the_more_expensive_branch_and_lists_both()
    {
        var bytes = new OnnxBuilder().Input("x", 1, 3, 8, 8).BoolInput("flag")
            .Node("If", ["flag"], ["y"], A.Graph("then_branch", Cheap), A.Graph("else_branch", Expensive))
            .Node("Relu", ["y"], ["z"])
            .Output("z").Build();
        var import = OnnxImporter.Import(OnnxModelReader.Read(bytes, "if.onnx"), "if.onnx", InputShapes.None);

        Assert.Equal(1536 + 256, import.Graph.TotalOps.Value);
        Assert.Equal(new TensorShape(1, 4, 8, 8), import.Graph.Layers[^1].Output);
        Assert.Collection(
            import.Alternatives,
            then => Assert.Equal((192.0, 0L, false), (then.Ops, then.Parameters, then.Counted)),
            otherwise => Assert.Equal((1536.0, 12L, true), (otherwise.Ops, otherwise.Parameters, otherwise.Counted)));
        Assert.Contains(import.Warnings, w => w.Contains("else-branch (the more expensive) is counted", StringComparison.Ordinal));
    }

    [Fact]
    public void An_lstm_counts_gates_times_input_plus_hidden_times_hidden_per_step_and_its_weights()
    {
        // X: 5 steps × batch 1 × 10 features; hidden 20; bidirectional.
        var bytes = new OnnxBuilder().Input("x", 5, 1, 10)
            .Weight("W", 2, 80, 10).Weight("R", 2, 80, 20).Weight("B", 2, 160)
            .Node("LSTM", ["x", "W", "R", "B"], ["y", "h", "c"], A.Int("hidden_size", 20), A.String("direction", "bidirectional"))
            .Output("y").Build();
        var import = OnnxImporter.Import(OnnxModelReader.Read(bytes, "lstm.onnx"), "lstm.onnx", InputShapes.None);

        var lstm = Assert.Single(import.Graph.Layers);
        Assert.Equal(2.0 * 4 * (10 + 20) * 20 * 5 * 2, lstm.Ops.Value);
        Assert.Equal((2 * 80 * 10) + (2 * 80 * 20) + (2 * 160), lstm.Parameters);
        Assert.Equal(new TensorShape(5, 2, 1, 20), lstm.Output);
    }

    [Theory]
    [InlineData("GRU", 3)]
    [InlineData("RNN", 1)]
    public void A_gru_and_an_rnn_count_their_gates(string op, int gates)
    {
        var bytes = new OnnxBuilder().Input("x", 7, 2, 16)
            .Weight("W", 1, gates * 8, 16).Weight("R", 1, gates * 8, 8)
            .Node(op, ["x", "W", "R"], ["y"], A.Int("hidden_size", 8))
            .Output("y").Build();
        var import = OnnxImporter.Import(OnnxModelReader.Read(bytes, "rnn.onnx"), "rnn.onnx", InputShapes.None);

        Assert.Equal(2.0 * gates * (16 + 8) * 8 * 7 * 2, import.Graph.TotalOps.Value);
        Assert.Equal((gates * 8 * 16) + (gates * 8 * 8), import.Graph.TotalParameters);
    }

    [Fact]
    public void A_loop_with_a_constant_trip_count_counts_its_body_that_many_times()
    {
        var body = new OnnxBuilder().Input("i").BoolInput("cond_in").Node("Relu", ["x"], ["r"]).Node("Identity", ["cond_in"], ["cond_out"]).Output("cond_out").Output("r");
        var bytes = new OnnxBuilder().Input("x", 1, 3, 8, 8)
            .Node("Constant", [], ["m"], A.Int("value_int", 5))
            .Node("Loop", ["m", ""], ["stacked"], A.Graph("body", body))
            .Output("stacked").Build();
        var import = OnnxImporter.Import(OnnxModelReader.Read(bytes, "loop.onnx"), "loop.onnx", InputShapes.None);

        Assert.Equal(5 * 192, import.Graph.TotalOps.Value);
    }

    [Fact]
    public void Silero_vad_counts_its_convolutions_and_lstms_in_both_sample_rate_branches()
    {
        var import = OnnxImporter.Import(TestModels.SileroVad, InputShapes.Parse(["input=1x512", "h=2x1x64", "c=2x1x64"]));

        // An independent count of the top-level initializers (both sample-rate models' convolutions) gives 178,697 elements; the
        // LSTM weights live inside the nested If branches, which that count does not reach.
        Assert.Equal(178_697, import.Model.Graph.Initializers.Values.Sum(t => t.Elements));
        Assert.Equal(445_117, import.StoredElements);

        // Per branch: one sample rate's convolutions (178,696 / 2) plus two LSTMs of 4 × 64 × (64 + 64) + 512 parameters.
        Assert.Equal((178_696 / 2) + (2 * ((4 * 64 * 128) + 512)), import.Graph.TotalParameters);
        var alternatives = import.Alternatives.Where(a => a.Node == "If_25").ToArray();
        Assert.Equal(2, alternatives.Length);
        Assert.InRange(alternatives.Single(a => a.Branch == "then").Ops, 1.38e6, 1.40e6); // the 16 kHz model on 512 samples
        Assert.Equal(alternatives.Max(a => a.Ops) + 1, import.Graph.TotalOps.Value); // + the Equal that tests the sample rate
        Assert.Empty(import.UnsupportedOperators);
    }
}
