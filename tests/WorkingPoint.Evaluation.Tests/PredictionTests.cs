using WorkingPoint.Catalog;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Gguf;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Evaluation.Tests;

public sealed class PredictionTests
{
    private static readonly Catalog.Catalog Catalog = WorkingPoint.Catalog.Catalog.BuiltIn;

    [Fact]
    public void Without_a_weight_format_llms_predict_at_q4_0_speech_models_at_fp16_and_networks_at_int8()
    {
        Assert.Equal(WeightFormat.Q4_0.Id, new PredictionRequest().WeightsFor(Catalog.ResolveModel("qwen2.5-0.5b")).Id);
        Assert.Equal(WeightFormat.Int8.Id, new PredictionRequest().WeightsFor(Catalog.ResolveModel("yolov8s")).Id);
        var speech = Catalog.Models.OfType<LlmCatalogModel>().First(m => m.Architecture.Audio is not null);
        Assert.Equal(WeightFormat.Fp16.Id, new PredictionRequest().WeightsFor(speech).Id);
    }

    [Fact]
    public void A_gguf_file_predicts_at_the_weight_layout_it_stores()
    {
        var model = Assert.IsType<LlmCatalogModel>(Catalog.ResolveModel(TinyLlm.File(format: "q8_0")));

        Assert.Same(model.FileWeights, new PredictionRequest().WeightsFor(model));
        Assert.Equal(WeightFormat.Q8_0.Id, new PredictionRequest().WeightsFor(model).Id);
    }

    [Fact]
    public void A_prediction_carries_its_runtimes_error_band_per_quantity_or_says_it_is_uncalibrated()
    {
        var m4 = Catalog.ResolvePlatform("apple-m4");
        var metal = Catalog.ResolveRuntime("llama.cpp-metal");
        var llm = Predictions.Predict(Catalog.ResolveModel("llama-2-7b"), m4, new PredictionRequest(Runtime: metal));

        Assert.Equal([WorkingPoint.Core.Runtimes.PredictedQuantity.Decode, WorkingPoint.Core.Runtimes.PredictedQuantity.Prefill], llm.Quantities);
        Assert.Equal(metal.BandFor(WorkingPoint.Core.Runtimes.PredictedQuantity.Decode), llm.UncertaintyOf(WorkingPoint.Core.Runtimes.PredictedQuantity.Decode).Band);
        Assert.NotNull(llm.UncertaintyOf(WorkingPoint.Core.Runtimes.PredictedQuantity.Prefill).Band);
        var json = PredictionJson.From(llm);
        var decode = json.Uncertainty.Single(u => u.Quantity == "decode");
        Assert.Equal(llm.Throughput / (1 + (decode.PlusMinusPercent!.Value / 100)), decode.Low!.Value, 9);
        Assert.Equal(llm.Throughput * (1 + (decode.PlusMinusPercent.Value / 100)), decode.High!.Value, 9);

        var generic = Predictions.Predict(Catalog.ResolveModel("yolov8s"), m4, new PredictionRequest(Runtime: Catalog.ResolveRuntime("generic-gpu")));
        Assert.Equal("uncalibrated: datasheet only", generic.UncertaintyOf(WorkingPoint.Core.Runtimes.PredictedQuantity.Network).Text);
        Assert.Null(PredictionJson.From(generic).Uncertainty.Single().PlusMinusPercent);
    }

    [Fact]
    public void A_prediction_has_the_kind_of_its_model_and_a_positive_rate()
    {
        var platform = Catalog.ResolvePlatform("jetson-orin-nano-8gb-super");

        var llm = Assert.IsType<LlmModelPrediction>(Predictions.Predict(Catalog.ResolveModel("llama-3.2-1b"), platform, new PredictionRequest()));
        var network = Assert.IsType<GraphModelPrediction>(Predictions.Predict(Catalog.ResolveModel("yolov8s"), platform, new PredictionRequest(InputWidth: 1280, InputHeight: 720)));

        Assert.Equal("tok/s", llm.ThroughputUnit);
        Assert.True(llm.Throughput > 0);
        Assert.Equal("FPS", network.ThroughputUnit);
        Assert.True(network.Throughput > 0);
        Assert.Equal(network.Throughput, PredictionJson.From(network).Throughput);
    }

    [Fact]
    public void A_larger_input_takes_longer()
    {
        var platform = Catalog.ResolvePlatform("hailo-8");
        var model = Catalog.ResolveModel("yolov8s");

        var small = Predictions.Predict(model, platform, new PredictionRequest(InputWidth: 640, InputHeight: 640));
        var large = Predictions.Predict(model, platform, new PredictionRequest(InputWidth: 1920, InputHeight: 1088));

        Assert.True(large.Latency.Value > small.Latency.Value);
    }
}
