using WorkingPoint.Core;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Evaluation.Published;
using WorkingPoint.Results;

namespace WorkingPoint.Evaluation.Tests.Published;

public sealed class PublishedDatasetTests
{
    private static readonly Catalog.Catalog Catalog = WorkingPoint.Catalog.Catalog.BuiltIn;

    private static string Row(string metric = "tg_tok_s", string value = "22.5", string source = "nvidia-holoscan/holohub issue 170", string prompt = "", string weights = "q4_0", string date = "2024-03") =>
        $"J13,jetson-agx-orin-64gb,llama-2-7b,{weights},llama.cpp-cuda,gpu,1,{prompt},128,,,{metric},{value},{source},{date},";

    private static InvalidInputException BadFile(string text) =>
        Assert.Throws<InvalidInputException>(() => PublishedDataset.ParseFile("data/published/llm.csv", text));

    [Fact]
    public void The_fixture_reads_every_row_with_its_settings_and_source()
    {
        var dataset = PublishedDataset.Load(PublishedFixture.Directory);

        Assert.Equal(72, dataset.Rows.Count);
        var a1p = dataset.Rows.Single(r => r.Id == "A1p");
        Assert.Equal(("apple-m1", "llama-2-7b", "q4_0", "llama.cpp-metal", "gpu"), (a1p.Platform, a1p.Model, a1p.Weights, a1p.Runtime, a1p.Unit));
        Assert.Equal((PublishedMetric.PrefillTokensPerSecond, 512, 118.0), (a1p.Metric, a1p.PromptTokens!.Value, a1p.Value));
        var espcn = dataset.Rows.Single(r => r.Id == "V16");
        Assert.Equal((156, 240), (espcn.InputWidth!.Value, espcn.InputHeight!.Value));
        var yolo = dataset.Rows.Single(r => r.Id == "V1");
        Assert.Equal((640, 640, 1), (yolo.InputWidth!.Value, yolo.InputHeight!.Value, yolo.Batch));
        Assert.EndsWith("vision.csv:2", yolo.Location, StringComparison.Ordinal);
    }

    [Fact]
    public void An_mlperf_offline_row_is_predicted_at_its_batch_over_every_unit_the_runtime_drives_at_once()
    {
        var m1 = PublishedDataset.BuiltIn.Rows.Single(r => r.Id == "M1");
        Assert.Equal(PublishedDataset.DefaultOfflineBatch, m1.Batch);
        var single = PublishedDataset.BuiltIn.Rows.Single(r => r.Id == "M2");
        Assert.Equal(1, single.Batch);

        var c = Assert.Single(PublishedCases.Resolve([m1], Catalog).Cases);
        var prediction = (GraphModelPrediction)Predictions.Predict(c.Model, c.Platform, c.Request);
        var offline = prediction.OfflineThroughput();
        Assert.Equal("gpu + dla", offline.UnitList);
        Assert.Equal(offline.FramesPerSecond, c.Predict(), 6);
        Assert.True(offline.FramesPerSecond > prediction.Result.FramesPerSecond, $"{offline.FramesPerSecond} vs the GPU alone {prediction.Result.FramesPerSecond}");
    }

    [Fact]
    public void The_built_in_dataset_reads_without_error()
    {
        Assert.Equal("built-in", PublishedDataset.BuiltIn.Origin);
        Assert.All(PublishedDataset.BuiltIn.Rows, r => Assert.StartsWith("data/published/", r.Location, StringComparison.Ordinal));
    }

    [Fact]
    public void A_good_row_reads()
    {
        var row = Assert.Single(PublishedDataset.ParseFile("llm.csv", PublishedFixture.Header + "\n" + Row()));
        Assert.Equal(("J13", 22.5, "2024-03", "llm.csv:2"), (row.Id, row.Value, row.Date, row.Location));
        Assert.Equal("llama.cpp-cuda", row.Runtime);
        Assert.Equal("gpu", row.Unit);
    }

    [Theory]
    [InlineData("tok_per_s", "22.5", "metric 'tok_per_s' is unknown; use one of tg_tok_s")]
    [InlineData("tg_tok_s", "0", "value '0' must be a positive number")]
    [InlineData("tg_tok_s", "-3", "value '-3' must be a positive number")]
    [InlineData("tg_tok_s", "NaN", "value 'NaN' must be a positive number")]
    [InlineData("tg_tok_s", "Infinity", "value 'Infinity' must be a positive number")]
    [InlineData("tg_tok_s", "22,5", "fields, the header has 16; quote a field that holds a comma")]
    [InlineData("tg_tok_s", "22.5 tok/s", "value '22.5 tok/s' must be a positive number")]
    public void A_bad_metric_or_value_is_one_error_naming_file_line_and_the_fix(string metric, string value, string expected)
    {
        var error = BadFile(PublishedFixture.Header + "\n" + Row(metric, value));

        Assert.StartsWith("data/published/llm.csv:2", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_row_without_a_source_is_refused_on_its_own_line()
    {
        var error = BadFile(PublishedFixture.Header + "\n" + Row() + "\n" + Row(source: "").Replace("J13", "J14", StringComparison.Ordinal));

        Assert.StartsWith("data/published/llm.csv:3: source is empty; name where the figure comes from", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tg_tok_s", "", "q3_z", "2024", "weights 'q3_z' is not a weight format")]
    [InlineData("tg_tok_s", "", "q4_0", "March 2024", "date 'March 2024' must be YYYY, YYYY-MM or YYYY-MM-DD")]
    [InlineData("tg_tok_s", "-1", "q4_0", "2024", "prompt_tokens '-1' must be a whole number ≥ 0")]
    public void Settings_are_validated_too(string metric, string prompt, string weights, string date, string expected)
    {
        var error = BadFile(PublishedFixture.Header + "\n" + Row(metric, prompt: prompt, weights: weights, date: date));

        Assert.StartsWith("data/published/llm.csv:2 (J13): ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_first_token_time_without_its_prompt_length_is_kept_and_reported_as_not_predictable()
    {
        var rows = PublishedDataset.ParseFile("llm.csv", PublishedFixture.Header + "\n" + Row("ttft_ms", "310"));

        var resolved = PublishedCases.Resolve(rows, Catalog);

        Assert.Equal("ttft_ms depends on the prompt length, and the row gives no prompt_tokens", Assert.Single(resolved.NotPredictable).Reason);
    }

    [Fact]
    public void An_llm_rows_input_is_a_vlm_image_or_speech_audio()
    {
        var rows = PublishedDataset.ParseFile("llm.csv", string.Join('\n',
            PublishedFixture.Header,
            "v,rk3588,qwen2.5-vl-3b,int8,rkllm,npu,1,196,,image 392x392,,ttft_ms,1120,s,,",
            "w,hailo-10h,whisper-base,int8,hailo-genai,npu,1,,,audio 10 s window,,tg_tok_s,47.55,s,,"));

        Assert.Equal((392, 392), (rows[0].InputWidth!.Value, rows[0].InputHeight!.Value));
        Assert.Equal(10, rows[1].AudioSeconds);
        var vlm = PublishedCases.RequestFor(rows[0], Catalog.ResolveRuntime("rkllm")).Generation!;
        Assert.Equal((1, 392, 392, 196), (vlm.Images, vlm.ImageWidth, vlm.ImageHeight, vlm.PromptTokens));
        Assert.Equal(10, PublishedCases.RequestFor(rows[1], Catalog.ResolveRuntime("hailo-genai")).Generation!.AudioSeconds);
        var error = BadFile(PublishedFixture.Header + "\n" + Row().Replace(",,,tg_tok_s", ",640,,tg_tok_s", StringComparison.Ordinal));
        Assert.Contains("input '640' of an LLM row (tg_tok_s) must be 'image WIDTHxHEIGHT'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_whose_header_differs_is_refused_with_the_header_to_use()
    {
        var error = BadFile("id,platform,model,metric,value,source\nJ1,a,b,tg_tok_s,1,x");

        Assert.StartsWith("data/published/llm.csv:1: the header must be exactly id,platform,model,weights,", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_rows_with_one_id_are_refused_naming_both_places()
    {
        var error = Assert.Throws<InvalidInputException>(() => PublishedDataset.FromFiles(
            [("a.csv", PublishedFixture.Header + "\n" + Row()), ("b.csv", PublishedFixture.Header + "\n\n" + Row())], "test"));

        Assert.Equal("b.csv:3: id 'J13' is already used at a.csv:2; give every row its own id.", error.Message);
    }

    [Fact]
    public void A_quoted_field_holds_commas_quotes_and_line_breaks_as_rfc_4180_says()
    {
        var text = PublishedFixture.Header + "\r\n" + Row(source: "\"Jetson blog, \"\"LLM\"\" table\"").TrimEnd(',') + ",\"two\r\nlines\"\r\n";
        var row = Assert.Single(PublishedDataset.ParseFile("llm.csv", text));

        Assert.Equal("Jetson blog, \"LLM\" table", row.Source);
        Assert.Equal("two\r\nlines", row.Notes);
    }

    [Fact]
    public void An_unclosed_quote_names_the_line_it_opens_on()
    {
        var error = BadFile(PublishedFixture.Header + "\n" + Row(source: "\"never closed"));

        Assert.Equal("data/published/llm.csv:2: a quoted field is never closed; add the closing quote.", error.Message);
    }

    [Fact]
    public void A_missing_data_folder_is_one_error_saying_what_to_give()
    {
        var error = Assert.Throws<InvalidInputException>(() => PublishedDataset.Load("/nonexistent/published"));

        Assert.StartsWith("--data '/nonexistent/published': no such directory;", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rows_whose_model_or_platform_the_catalog_lacks_are_reported_with_the_reason_never_dropped()
    {
        var text = PublishedFixture.Header + "\n" + Row() + "\n"
            + Row().Replace("J13", "X1", StringComparison.Ordinal).Replace("llama-2-7b", "mixtral-8x7b", StringComparison.Ordinal) + "\n"
            + Row().Replace("J13", "X2", StringComparison.Ordinal).Replace("jetson-agx-orin-64gb", "jetson-thor", StringComparison.Ordinal) + "\n"
            + Row().Replace("J13", "X3", StringComparison.Ordinal).Replace("llama-2-7b", "yolov8n", StringComparison.Ordinal);
        var resolved = PublishedCases.Resolve(PublishedDataset.ParseFile("llm.csv", text), Catalog);

        Assert.Equal("J13", Assert.Single(resolved.Cases).Row.Id);
        Assert.Equal(
            ["X1: model 'mixtral-8x7b' is not in the catalog", "X2: platform 'jetson-thor' is not in the catalog", "X3: tg_tok_s is an LLM figure but yolov8n is a network"],
            resolved.NotPredictable.Select(u => $"{u.Row.Id}: {u.Reason}"));
    }

    [Fact]
    public void A_row_whose_runtime_is_unknown_or_cannot_run_on_the_platform_is_reported_with_the_reason()
    {
        var text = PublishedFixture.Header + "\n"
            + Row().Replace("llama.cpp-cuda", "llama.cpp-rocm", StringComparison.Ordinal) + "\n"
            + Row().Replace("J13", "X1", StringComparison.Ordinal).Replace("llama.cpp-cuda", "tensorrt", StringComparison.Ordinal);
        var resolved = PublishedCases.Resolve(PublishedDataset.ParseFile("llm.csv", text), Catalog);

        Assert.Empty(resolved.Cases);
        Assert.Equal("runtime 'llama.cpp-rocm' is not in the catalog (wpt runtimes lists them)", resolved.NotPredictable[0].Reason);
        Assert.StartsWith("Runtime 'tensorrt' does not run LLMs", resolved.NotPredictable[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_fixture_row_is_either_predicted_or_reported_with_a_reason()
    {
        var dataset = PublishedDataset.Load(PublishedFixture.Directory);
        var resolved = PublishedCases.Resolve(dataset.Rows, Catalog);

        Assert.Equal(dataset.Rows.Count, resolved.Cases.Count + resolved.NotPredictable.Count);
        Assert.All(resolved.NotPredictable, u => Assert.False(string.IsNullOrWhiteSpace(u.Reason)));
    }

    [Fact]
    public void Each_metric_compares_the_matching_figure_of_the_prediction()
    {
        var rows = PublishedDataset.ParseFile("t.csv", string.Join('\n',
            PublishedFixture.Header,
            "a,jetson-agx-orin-64gb,llama-2-7b,q4_0,llama.cpp-cuda,gpu,1,,128,,,tg_tok_s,22.5,s,,",
            "b,jetson-agx-orin-64gb,llama-2-7b,q4_0,llama.cpp-cuda,gpu,1,512,,,,pp_tok_s,1000,s,,",
            "c,rk3588,qwen2.5-0.5b,int8,rkllm,npu,1,128,,,,ttft_ms,146,s,,",
            "d,hailo-8,yolov8n,int8,hailort,npu,1,,,640,,fps,1036,s,,",
            "e,jetson-orin-nano-8gb,yolov8n,fp16,tensorrt,gpu,1,,,640,,latency_ms,7.3,s,,",
            "f,jetson-agx-orin-64gb,resnet-50,int8,tensorrt,gpu,8,,,224,,offline_samples_s,6424,s,,",
            "g,jetson-agx-orin-64gb,resnet-50,int8,tensorrt,gpu,1,,,224,,singlestream_p90_ms,0.64,s,,"));
        var cases = PublishedCases.Resolve(rows, Catalog).Cases.ToDictionary(c => c.Row.Id);
        PredictionRequest On(string id, PredictionRequest request) => request with { Runtime = Catalog.ResolveRuntime(cases[id].Row.Runtime) };

        var tg = (LlmModelPrediction)Predictions.Predict(cases["a"].Model, cases["a"].Platform, On("a", new PredictionRequest(Core.Workloads.WeightFormat.Q4_0, Generation: new LlmScenario(0, 128))));
        Assert.Equal(tg.Result.DecodeTokensPerSecond, cases["a"].Predict(), 9);
        var pp = (LlmModelPrediction)Predictions.Predict(cases["b"].Model, cases["b"].Platform, On("b", new PredictionRequest(Core.Workloads.WeightFormat.Q4_0, Generation: new LlmScenario(512, 0))));
        Assert.Equal(pp.Result.PrefillTokensPerSecond, cases["b"].Predict(), 9);
        var ttft = (LlmModelPrediction)Predictions.Predict(cases["c"].Model, cases["c"].Platform, On("c", new PredictionRequest(Core.Workloads.WeightFormat.Int8, Generation: new LlmScenario(128, 0))));
        Assert.Equal(ttft.Result.TimeToFirstToken.Value * 1000, cases["c"].Predict(), 9);
        var fps = (GraphModelPrediction)Predictions.Predict(cases["d"].Model, cases["d"].Platform, On("d", new PredictionRequest(Core.Workloads.WeightFormat.Int8, InputWidth: 640, InputHeight: 640)));
        Assert.Equal(fps.Result.FramesPerSecond, cases["d"].Predict(), 9);
        var latency = (GraphModelPrediction)Predictions.Predict(cases["e"].Model, cases["e"].Platform, On("e", new PredictionRequest(Core.Workloads.WeightFormat.Fp16, InputWidth: 640, InputHeight: 640)));
        Assert.Equal(latency.Result.Latency.Value * 1000, cases["e"].Predict(), 9);
        var offline = (GraphModelPrediction)Predictions.Predict(cases["f"].Model, cases["f"].Platform, On("f", new PredictionRequest(Core.Workloads.WeightFormat.Int8, InputWidth: 224, InputHeight: 224, Batch: 8)));
        // Offline: every unit the runtime drives at once (TensorRT: the GPU and the DLAs), each at the row's batch.
        Assert.Equal(offline.OfflineThroughput().FramesPerSecond, cases["f"].Predict(), 9);
        Assert.Equal("gpu + dla", offline.OfflineThroughput().UnitList);
        Assert.Equal(8, offline.Result.Batch);
        var single = (GraphModelPrediction)Predictions.Predict(cases["g"].Model, cases["g"].Platform, On("g", new PredictionRequest(Core.Workloads.WeightFormat.Int8, InputWidth: 224, InputHeight: 224)));
        Assert.Equal(single.Result.Latency.Value * 1000, cases["g"].Predict(), 9);
    }
}
