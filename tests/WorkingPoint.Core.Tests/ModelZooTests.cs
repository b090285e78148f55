using WorkingPoint.Core.Workloads;
using Xunit.Abstractions;

namespace WorkingPoint.Core.Tests;

public sealed class ModelZooTests(ITestOutputHelper output)
{
    public static TheoryData<string> GraphModelIds()
    {
        var data = new TheoryData<string>();
        foreach (var model in ModelZoo.GraphModels)
        {
            data.Add(model.Id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(GraphModelIds))]
    public void Parameters_at_the_reference_input_match_the_published_count_within_3_percent(string id)
    {
        var model = ModelZoo.GraphModels.Single(m => m.Id == id);
        var published = model.Published!;
        var graph = model.Build(published.Width, published.Height);
        output.WriteLine($"{id}: {graph.TotalParameters:N0} parameters vs published {published.Parameters:N0}");
        var tolerance = Math.Max(0.03 * published.Parameters, published.ParameterStep / 2.0);
        Assert.InRange(graph.TotalParameters, published.Parameters - tolerance, published.Parameters + tolerance);
    }

    [Theory]
    [MemberData(nameof(GraphModelIds))]
    public void Operations_at_the_reference_input_match_the_published_count_within_3_percent(string id)
    {
        var model = ModelZoo.GraphModels.Single(m => m.Id == id);
        var published = model.Published!;
        var graph = model.Build(published.Width, published.Height);
        output.WriteLine($"{id}: {graph.TotalOps.Giga:F3} GOP vs published {published.Ops / 1e9:F3}");
        var tolerance = Math.Max(0.03 * published.Ops, published.OpsStep / 2.0);
        Assert.InRange(graph.TotalOps.Value, published.Ops - tolerance, published.Ops + tolerance);
    }

    [Fact]
    public void Yolov8_operations_scale_with_the_number_of_input_pixels()
    {
        var yolo = ModelZoo.GraphModels.Single(m => m.Id == "yolov8s");
        var small = yolo.Build(640, 640).TotalOps.Value;
        var large = yolo.Build(1280, 1280).TotalOps.Value;
        Assert.InRange(large / small, 3.9, 4.1);
    }

    [Fact]
    public void A_720p_input_is_padded_to_the_detector_stride_as_the_reference_letterbox_does()
    {
        var yolo = ModelZoo.GraphModels.Single(m => m.Id == "yolov8n");
        var graph = yolo.Build(1280, 720);
        Assert.Equal("1x3x736x1280", graph.Input.ToString());
    }

    [Fact]
    public void The_dataflow_live_set_of_a_network_is_smaller_than_all_its_activations_together()
    {
        var graph = ModelZoo.GraphModels.Single(m => m.Id == "resnet-50").Build();
        var allActivations = graph.Layers.Sum(l => l.OutputElements);
        Assert.InRange(graph.PeakLiveActivationElements, 1, allActivations / 4);
    }
}
