using WorkingPoint.Core;
using Microsoft.ML.OnnxRuntime;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Graphs;
using WorkingPoint.Onnx.Import;
using WorkingPoint.Onnx.Protobuf;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Onnx.Tests;

/// <summary>Import of the real PaddleOCR models (from npm), checked against figures derived independently of the importer.</summary>
public sealed class ImportTests
{
    public static TheoryData<string, string> Models => new()
    {
        { "cls", "192x48" },
        { "det", "640x640" },
        { "rec", "320x48" },
    };

    private static string PathOf(string model) => model switch
    {
        "cls" => TestModels.OcrDirectionClassifier,
        "det" => TestModels.OcrDetection,
        _ => TestModels.OcrRecognition,
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void The_paddleocr_models_import_with_every_operator_supported(string model, string size)
    {
        var import = OnnxImporter.Import(PathOf(model), InputShapes.Parse([size]));
        Assert.Empty(import.UnsupportedOperators);
        Assert.Empty(import.Warnings);
        Assert.True(import.Graph.TotalOps.Value > 0);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Parameters_are_every_weight_initializer_less_the_batch_norm_statistics_folded_into_convolutions(string model, string size)
    {
        var path = PathOf(model);
        var import = OnnxImporter.Import(path, InputShapes.Parse([size]));
        var onnx = OnnxModelReader.Read(path);

        // Independent of the importer's inference: initializer sizes straight from the file. A batch-norm folded into its
        // convolution keeps one bias vector of its four (scale, shift, mean, variance); one that is not folded keeps all four;
        // scalars, resize scales and clip bounds are settings, and int64 shape constants are not weights either.
        var stored = onnx.Graph.Initializers.ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (var constant in onnx.Graph.Nodes.Where(n => n.OpType == "Constant" && n.Attributes.ContainsKey("value")))
        {
            stored[constant.Outputs[0]] = constant.Attributes["value"].T!;
        }

        var floatElements = stored.Values.Where(t => t.DataType == OnnxSchema.DataType.Float).Sum(t => t.Elements);
        var batchNorms = onnx.Graph.Nodes.Where(n => n.OpType == "BatchNormalization").ToArray();
        var producers = onnx.Graph.Nodes.SelectMany(n => n.Outputs.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
        long removed = 0;
        foreach (var bn in batchNorms)
        {
            var channels = stored[bn.Inputs[1]].Elements;
            var conv = producers.GetValueOrDefault(bn.Inputs[0]);
            var folded = conv?.OpType == "Conv" && onnx.Graph.Nodes.Count(n => n.Inputs.Contains(bn.Inputs[0])) == 1;
            removed += folded ? (conv!.Inputs.Count > 2 ? 4 : 3) * channels : 0;
        }

        var settings = stored.Values.Where(t => t.DataType == OnnxSchema.DataType.Float
            && (t.Elements <= 1 || onnx.Graph.Nodes.Where(n => n.Inputs.Contains(t.Name)).All(n => n.OpType is "Resize" or "Upsample" or "Clip" or "Pad"))).Sum(t => t.Elements);
        Assert.Equal(floatElements - removed - settings, import.Graph.TotalParameters);
    }

    [Fact]
    public void The_direction_classifier_has_the_convolution_macs_computed_from_its_weights_and_runtime_shapes()
    {
        var path = TestModels.OcrDirectionClassifier;
        var import = OnnxImporter.Import(path, InputShapes.Parse(["192x48"]));
        var onnx = OnnxModelReader.Read(path);
        var convs = onnx.Graph.Nodes.Where(n => n.OpType == "Conv").ToArray();
        var weights = onnx.Graph.Nodes.Where(n => n.OpType == "Constant").ToDictionary(n => n.Outputs[0], n => n.Attributes["value"].T!.Dims);

        // Output shapes of every convolution from ONNX Runtime itself: each conv output is added as a graph output by appending a
        // second 'graph' field to the file, which protobuf merges into the first.
        var shapes = RuntimeShapes(path, convs.Select(c => c.Outputs[0]).ToArray(), [1, 3, 48, 192]);
        double expected = 0;
        foreach (var conv in convs)
        {
            var weight = onnx.Graph.Initializers.TryGetValue(conv.Inputs[1], out var w) ? w.Dims : weights[conv.Inputs[1]];
            var output = shapes[conv.Outputs[0]];
            expected += (double)output[1] * output[2] * output[3] * weight[1] * weight[2] * weight[3];
        }

        var counted = import.Graph.Layers.Where(l => l.Kind is OpKind.Conv or OpKind.DepthwiseConv).Sum(l => l.Ops.Value) / 2;
        Assert.Equal(expected, counted);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Inferred_output_shapes_match_what_onnx_runtime_produces(string model, string size)
    {
        var path = PathOf(model);
        var import = OnnxImporter.Import(path, InputShapes.Parse([size]));
        var onnx = OnnxModelReader.Read(path);
        var outputName = onnx.Graph.Outputs[0].Name;
        var runtime = RuntimeShapes(path, [], import.Inputs[0].Shape.ToArray())[outputName];

        var consumed = import.Graph.Layers.SelectMany(l => l.Inputs).ToHashSet();
        var last = import.Graph.Layers.Where((_, i) => !consumed.Contains(i)).Last();
        Assert.Equal(runtime.Aggregate(1L, (a, b) => a * b), last.OutputElements);
    }

    [Fact]
    public void A_dynamic_model_without_a_shape_names_the_input_and_an_example()
    {
        var error = Assert.Throws<InvalidInputException>(() => OnnxImporter.Import(TestModels.OcrDetection, InputShapes.None));
        Assert.Contains("Input x has dynamic dimensions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_detector_input_that_is_not_a_multiple_of_32_gets_the_rounded_size_as_the_fix()
    {
        var error = Assert.ThrowsAny<WorkingPointException>(() => OnnxImporter.Import(TestModels.OcrDetection, InputShapes.Parse(["1280x720"])));
        Assert.Contains("do not broadcast", error.Message, StringComparison.Ordinal);
        Assert.Contains("multiples of 32; try --input 1280x736", error.Message, StringComparison.Ordinal);

        var import = OnnxImporter.Import(TestModels.OcrDetection, InputShapes.Parse(["1280x736"]));
        Assert.NotEmpty(import.Graph.Layers);
    }

    [Fact]
    public void A_wrong_channel_count_is_refused()
    {
        var error = Assert.Throws<InvalidInputException>(() => OnnxImporter.Import(TestModels.OcrDetection, InputShapes.Parse(["x=1x1x640x640"])));
        Assert.Contains("dimension 1 must be 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_file_names_the_offset_and_the_fix()
    {
        var bytes = File.ReadAllBytes(TestModels.OcrDirectionClassifier);
        var error = Assert.Throws<OnnxFormatException>(() => OnnxModelReader.Read(bytes[..(bytes.Length / 2)], "cls.onnx"));
        Assert.StartsWith("cls.onnx: the file ends in the middle of a field at byte", error.Message, StringComparison.Ordinal);
        Assert.Contains("re-export", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_file_that_is_not_onnx_is_refused()
    {
        var error = Assert.Throws<OnnxFormatException>(() => OnnxModelReader.Read("name: not a model\nvalue: 3\n"u8.ToArray(), "notes.txt"));
        Assert.StartsWith("notes.txt:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_operator_is_listed_by_name_and_count_and_passed_through()
    {
        var model = HandBuilt(("Relu", "x", "a"), ("FancyNorm", "a", "b"), ("FancyNorm", "b", "c"), ("Sigmoid", "c", "y"));
        var import = OnnxImporter.Import(model, "fancy.onnx", InputShapes.None);

        Assert.Equal(2, import.UnsupportedOperators["FancyNorm"]);
        Assert.Equal(2, import.Warnings.Count);
        Assert.Equal(4, import.Graph.Layers.Count);
        Assert.Equal(new TensorShape(1, 3, 8, 8), import.Graph.Layers[^1].Output);
    }

    /// <summary>A chain of single-input nodes on a 1×3×8×8 input, written with the exporter's protobuf writer and read back.</summary>
    private static OnnxModel HandBuilt(params (string Op, string Input, string Output)[] nodes)
    {
        var bytes = ProtoWriter.Build(w =>
        {
            w.Int64(OnnxSchema.Model.IrVersion, 8);
            w.Message(OnnxSchema.Model.OpsetImport, o => o.Int64(OnnxSchema.OperatorSetId.Version, 17));
            w.Message(OnnxSchema.Model.Graph, g =>
            {
                foreach (var (op, input, output) in nodes)
                {
                    g.Message(OnnxSchema.Graph.Node, n =>
                    {
                        n.String(OnnxSchema.Node.Input, input);
                        n.String(OnnxSchema.Node.Output, output);
                        n.String(OnnxSchema.Node.OpType, op);
                    });
                }

                g.Message(OnnxSchema.Graph.Input, v =>
                {
                    v.String(OnnxSchema.ValueInfo.Name, "x");
                    v.Message(OnnxSchema.ValueInfo.Type, t => t.Message(OnnxSchema.Type.TensorType, tt =>
                    {
                        tt.Int64(OnnxSchema.Type.TensorElementType, 1);
                        tt.Message(OnnxSchema.Type.TensorShape, s =>
                        {
                            foreach (var d in new long[] { 1, 3, 8, 8 })
                            {
                                s.Message(OnnxSchema.Type.ShapeDim, dim => dim.Int64(OnnxSchema.Type.DimValue, d));
                            }
                        });
                    }));
                });
            });
        });
        return OnnxModelReader.Read(bytes, "hand-built.onnx");
    }

    /// <summary>Runs the model in ONNX Runtime with extra graph outputs and returns every output's shape.</summary>
    private static Dictionary<string, long[]> RuntimeShapes(string path, IReadOnlyList<string> extraOutputs, long[] inputShape)
    {
        var extra = ProtoWriter.Build(w => w.Message(OnnxSchema.Model.Graph, g =>
        {
            foreach (var name in extraOutputs)
            {
                g.Message(OnnxSchema.Graph.Output, v =>
                {
                    v.String(OnnxSchema.ValueInfo.Name, name);
                    v.Message(OnnxSchema.ValueInfo.Type, t => t.Message(OnnxSchema.Type.TensorType, tt => tt.Int64(OnnxSchema.Type.TensorElementType, 1)));
                });
            }
        }));
        var bytes = File.ReadAllBytes(path).Concat(extra).ToArray();
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(bytes, options);
        var input = session.InputMetadata.Keys.Single();
        var data = new float[inputShape.Aggregate(1L, (a, b) => a * b)];
        using var value = OrtValue.CreateTensorValueFromMemory(data, inputShape);
        using var runOptions = new RunOptions();
        var names = session.OutputMetadata.Keys.ToArray();
        using var results = session.Run(runOptions, [input], [value], names);
        return names.Zip(results).ToDictionary(p => p.First, p => p.Second.GetTensorTypeAndShape().Shape);
    }
}
