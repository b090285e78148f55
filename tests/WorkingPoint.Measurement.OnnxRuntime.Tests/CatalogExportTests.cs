using WorkingPoint.Core.Workloads;
using WorkingPoint.Onnx.Export;

namespace WorkingPoint.Measurement.OnnxRuntime.Tests;

/// <summary>Catalog networks written to ONNX with random weights must load and run in ONNX Runtime with the shapes the graph IR predicts.</summary>
public sealed class CatalogExportTests
{
    public static TheoryData<string, int, int> Networks => new()
    {
        { "yolov8n", 320, 256 },
        { "resnet-50", 224, 224 },
        { "mobilenet-v2", 224, 224 },
        { "espcn-x2", 64, 48 },
        { "dncnn3", 64, 64 },
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void An_exported_catalog_network_runs_and_its_outputs_have_the_shapes_of_the_graph(string id, int width, int height)
    {
        var model = ModelZoo.GraphModels.Single(m => m.Id == id);
        var graph = model.Build(width, height);
        var path = Path.Combine(Path.GetTempPath(), $"wpt-export-{id}-{Guid.NewGuid():N}.onnx");
        try
        {
            var summary = OnnxExporter.Export(graph, path);
            Assert.Equal(graph.TotalParameters, summary.Parameters);

            using var target = OnnxRuntimeTarget.Load(path, InputShapes.None, new OnnxRuntimeOptions(IntraOpThreads: 1));
            target.Infer();
            Assert.Equal(graph.Input.Dims, target.Inputs[0].Shape);
            Assert.Equal(summary.Outputs.Select(o => string.Join('x', o.Dims)), target.Outputs.Select(o => string.Join('x', o.Shape)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_export_is_deterministic_for_a_seed()
    {
        var graph = ModelZoo.GraphModels.Single(m => m.Id == "espcn-x2").Build(32, 32);
        using var first = new MemoryStream();
        using var second = new MemoryStream();
        using var third = new MemoryStream();
        OnnxExporter.Export(graph, first, seed: 5);
        OnnxExporter.Export(graph, second, seed: 5);
        OnnxExporter.Export(graph, third, seed: 6);

        Assert.Equal(first.ToArray(), second.ToArray());
        Assert.NotEqual(first.ToArray(), third.ToArray());
    }
}
