using WorkingPoint.Core;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Tests.Shared;
using WorkingPoint.Results;

namespace WorkingPoint.Measurement.OnnxRuntime.Tests;

/// <summary>Real inference through ONNX Runtime on the PaddleOCR models from npm (fetched by .ci/test-models).</summary>
public sealed class OnnxRuntimeTargetTests
{
    private static readonly OnnxRuntimeOptions SingleThread = new(IntraOpThreads: 1);

    /// <summary>The direction classifier's reference input (PaddleOCR resizes text lines to 48 × 192).</summary>
    private static readonly InputShapes ClassifierSize = InputShapes.Parse(["192x48"]);

    [Fact]
    public void A_model_runs_with_seeded_inputs_at_the_given_size_and_reports_its_output_shape()
    {
        using var target = OnnxRuntimeTarget.Load(TestModels.OcrDirectionClassifier, ClassifierSize, SingleThread);
        target.Infer();

        var input = Assert.Single(target.Inputs);
        Assert.Equal([1L, 3, 48, 192], input.Shape);
        Assert.Equal("float", input.ElementType);
        Assert.Equal([1L, 2], Assert.Single(target.Outputs).Shape); // Two text directions: 0° and 180°.
    }

    [Fact]
    public void A_dynamic_detector_runs_at_the_size_the_user_gives()
    {
        using var target = OnnxRuntimeTarget.Load(TestModels.OcrDetection, InputShapes.Parse(["320x224"]), SingleThread);
        target.Infer();

        Assert.Equal([1L, 3, 224, 320], target.Inputs[0].Shape);
        Assert.Equal([1L, 1, 224, 320], target.Outputs[0].Shape); // DBNet's probability map is full resolution.
    }

    [Fact]
    public void A_dynamic_input_without_a_shape_is_refused_naming_the_input()
    {
        var error = Assert.Throws<InvalidInputException>(() => OnnxRuntimeTarget.Load(TestModels.OcrDetection, InputShapes.None, SingleThread));
        Assert.Contains("Input x", error.Message, StringComparison.Ordinal);
        Assert.Contains("--input x=", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shape_with_the_wrong_channel_count_is_refused_before_inference()
    {
        var error = Assert.Throws<InvalidInputException>(() => OnnxRuntimeTarget.Load(TestModels.OcrDetection, InputShapes.Parse(["x=1x4x224x224"]), SingleThread));
        Assert.Contains("dimension 1 must be 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shape_for_an_input_the_model_does_not_have_is_refused()
    {
        var error = Assert.Throws<InvalidInputException>(() => OnnxRuntimeTarget.Load(TestModels.OcrDirectionClassifier, InputShapes.Parse(["image=1x3x48x192"]), SingleThread));
        Assert.Contains("no input named image", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_model_gets_a_one_line_error_that_names_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"wpt-truncated-{Guid.NewGuid():N}.onnx");
        var bytes = File.ReadAllBytes(TestModels.OcrDirectionClassifier);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        try
        {
            var error = Assert.Throws<MeasurementException>(() => OnnxRuntimeTarget.Load(path, InputShapes.None, SingleThread));
            Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
            Assert.Contains("complete ONNX model", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_model_file_is_named()
    {
        var error = Assert.Throws<MeasurementException>(() => OnnxRuntimeTarget.Load("/nonexistent/model.onnx", InputShapes.None, SingleThread));
        Assert.Contains("no such model file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_execution_provider_this_build_lacks_is_refused_with_the_available_ones()
    {
        Assert.Contains("cpu", OnnxRuntimeTarget.AvailableProviders);
        var error = Assert.Throws<MeasurementException>(() => OnnxRuntimeTarget.Load(TestModels.OcrDirectionClassifier, ClassifierSize, new OnnxRuntimeOptions("warp-drive")));
        Assert.Contains("'warp-drive' is not available", error.Message, StringComparison.Ordinal);
        Assert.Contains("available: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_model_hash_identifies_the_file_content()
    {
        var hash = ModelHash.Sha256Of(TestModels.OcrDirectionClassifier);
        Assert.Equal(64, hash.Length);
        Assert.Equal(hash, ModelHash.Sha256Of(TestModels.OcrDirectionClassifier));
        Assert.NotEqual(hash, ModelHash.Sha256Of(TestModels.OcrDetection));
    }

    [Fact]
    public void A_real_model_goes_through_every_scenario_with_concurrent_workers()
    {
        using var target = OnnxRuntimeTarget.Load(TestModels.OcrDirectionClassifier, ClassifierSize, SingleThread);
        foreach (var scenario in Enum.GetValues<Scenario>())
        {
            var settings = new ScenarioSettings { Scenario = scenario, MinDuration = TimeSpan.Zero, MinQueryCount = 4, WarmupQueries = 1, SamplesPerQuery = 2, TargetQps = 200, Concurrency = 2 };
            var result = new LoadGenerator(target).Run(settings);
            Assert.True(result.QueryCount >= 4);
            Assert.True(result.Latency.Min.Value > 0);
        }
    }
}
