using System.Text.Json;

namespace WorkingPoint.Cli.Tests;

public sealed class CliTests
{
    [Theory]
    [InlineData("predict-hailo-10h-llama-3.2-1b.txt", "predict", "--platform", "hailo-10h", "--model", "llama-3.2-1b")]
    [InlineData("predict-orin-nano-super-yolov8s-720p.txt", "predict", "--platform", "jetson-orin-nano-8gb-super", "--model", "yolov8s", "--input", "1280x720")]
    [InlineData("predict-hailo-8-yolov8s-layers.txt", "predict", "--platform", "hailo-8", "--model", "yolov8s", "--layers")]
    [InlineData("compare-llama-3.2-1b.txt", "compare", "--model", "llama-3.2-1b")]
    [InlineData("compare-yolov8s-perf-per-watt.txt", "compare", "--model", "yolov8s", "--sort", "perf-per-watt")]
    [InlineData("solve-bandwidth-llama-3.2-1b.txt", "solve", "bandwidth", "--model", "llama-3.2-1b", "--weights", "q4_0", "--target-tok-s", "40")]
    [InlineData("solve-model-raspberry-pi-5.txt", "solve", "model", "--platform", "raspberry-pi-5", "--target-tok-s", "10")]
    [InlineData("solve-input-hailo-8-yolov8s.txt", "solve", "input", "--platform", "hailo-8", "--model", "yolov8s", "--target-fps", "60", "--aspect", "16:9")]
    [InlineData("platforms.txt", "platforms")]
    [InlineData("platforms-jetson-orin-nano-8gb-super.txt", "platforms", "jetson-orin-nano-8gb-super")]
    [InlineData("models.txt", "models")]
    [InlineData("runtimes.txt", "runtimes")]
    [InlineData("runtimes-llama.cpp-metal.txt", "runtimes", "llama.cpp-metal")]
    [InlineData("predict-apple-m4-llama-2-7b-metal.txt", "predict", "--platform", "apple-m4", "--model", "llama-2-7b", "--runtime", "llama.cpp-metal")]
    [InlineData("predict-jetson-agx-orin-llama-3.1-8b-gpu-layers-20.txt", "predict", "--platform", "jetson-agx-orin-64gb", "--model", "llama-3.1-8b", "--gpu-layers", "20")]
    [InlineData("predict-hailo-10h-llama-3.2-3b-pipeline.txt", "predict", "--platform", "hailo-10h", "--model", "llama-3.2-3b", "--pipeline-with", "hailo-10h", "--batch", "4")]
    [InlineData("predict-apple-m4-llama-3.1-8b-draft.txt", "predict", "--platform", "apple-m4", "--model", "llama-3.1-8b", "--draft", "llama-3.2-1b", "--acceptance", "0.7", "--draft-tokens", "4")]
    [InlineData("solve-gpu-layers-jetson-agx-orin-llama-3.1-8b.txt", "solve", "gpu-layers", "--platform", "jetson-agx-orin-64gb", "--model", "llama-3.1-8b", "--target-tok-s", "15")]
    [InlineData("solve-gpu-layers-unreachable.txt", "solve", "gpu-layers", "--platform", "jetson-agx-orin-64gb", "--model", "llama-3.1-8b", "--target-tok-s", "50", "--prompt", "128")]
    [InlineData("models-qwen2.5-vl-3b.txt", "models", "qwen2.5-vl-3b")]
    [InlineData("predict-json-llm.json", "predict", "--platform", "jetson-orin-nano-8gb-super", "--model", "qwen2.5-vl-3b", "--images", "1", "--json")]
    [InlineData("predict-json-graph.json", "predict", "--platform", "hailo-8", "--model", "yolov8n", "--json")]
    public void What_the_user_sees_matches_the_reviewed_golden_output(string golden, params string[] args)
    {
        var (code, output, errors) = Wpt.Run(args);
        Assert.True(code == 0, errors);
        Golden.Verify(golden, output);
    }

    [Fact]
    public void Predict_with_GPU_layers_as_json_lists_the_stages_and_the_crossing()
    {
        var (code, output, errors) = Wpt.Run("predict", "--platform", "jetson-agx-orin-64gb", "--model", "llama-3.1-8b", "--gpu-layers", "20", "--json");
        Assert.True(code == 0, errors);
        using var doc = JsonDocument.Parse(output);
        var stages = doc.RootElement.GetProperty("stages");
        Assert.Equal(2, stages.GetArrayLength());
        Assert.Equal(("cpu", "llama.cpp-cpu", 13), (stages[0].GetProperty("unit").GetString(), stages[0].GetProperty("runtime").GetString(), stages[0].GetProperty("layers").GetInt32()));
        Assert.Equal(("gpu", 19, true), (stages[1].GetProperty("unit").GetString(), stages[1].GetProperty("layers").GetInt32(), stages[1].GetProperty("outputLayer").GetBoolean()));
        Assert.Equal("shared DRAM", doc.RootElement.GetProperty("crossings")[0].GetString());
        Assert.True(doc.RootElement.GetProperty("memory")[0].GetProperty("requiredBytes").GetDouble() > 0);
    }

    [Fact]
    public void Predict_with_a_draft_as_json_carries_the_plain_prediction_and_the_speculative_rate()
    {
        var (code, output, errors) = Wpt.Run("predict", "--platform", "apple-m4", "--model", "llama-3.1-8b", "--draft", "llama-3.2-1b", "--acceptance", "0", "--json");
        Assert.True(code == 0, errors);
        using var doc = JsonDocument.Parse(output);
        var speculative = doc.RootElement.GetProperty("speculative");
        Assert.Equal(1, speculative.GetProperty("expectedTokensPerStep").GetDouble());
        Assert.Equal(4, speculative.GetProperty("draftTokens").GetInt32());
        Assert.True(speculative.GetProperty("decodeTokS").GetDouble() < doc.RootElement.GetProperty("prediction").GetProperty("llm").GetProperty("decodeTokensPerSecond").GetDouble());
    }

    [Fact]
    public void Predict_with_a_harness_as_the_runtime_names_it_and_pays_its_cost()
    {
        double Latency(string runtime, out string named)
        {
            var (code, output, errors) = Wpt.Run("predict", "--platform", "jetson-orin-nx-16gb", "--model", "yolov8n", "--runtime", runtime, "--json");
            Assert.True(code == 0, errors);
            using var doc = JsonDocument.Parse(output);
            named = doc.RootElement.GetProperty("runtime").GetString()!;
            return doc.RootElement.GetProperty("graph").GetProperty("latencyMs").GetDouble();
        }

        var plain = Latency("tensorrt", out var plainName);
        var python = Latency("ultralytics-tensorrt", out var pythonName);
        var graphs = Latency("tensorrt-cuda-graphs", out var graphsName);

        Assert.Equal(("tensorrt", "ultralytics-tensorrt", "tensorrt-cuda-graphs"), (plainName, pythonName, graphsName));
        Assert.True(python > plain && plain > graphs, $"python {python}, plain {plain}, graphs {graphs} ms");
    }

    [Fact]
    public void Predict_json_names_every_quantity_with_its_unit()
    {
        var (code, output, _) = Wpt.Run("predict", "--platform", "jetson-orin-nano-8gb-super", "--model", "llama-3.2-1b", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var llm = doc.RootElement.GetProperty("llm");
        Assert.True(llm.GetProperty("decodeTokensPerSecond").GetDouble() > 0);
        Assert.True(llm.GetProperty("prefillTokensPerSecond").GetDouble() > 0);
        Assert.True(llm.GetProperty("ttftMs").GetDouble() > 0);
        Assert.Equal("dram-bandwidth", doc.RootElement.GetProperty("bottleneck").GetString());
    }

    [Fact]
    public void Every_command_answers_in_json_when_asked()
    {
        string[][] commands =
        [
            ["platforms", "--json"],
            ["platforms", "hailo-8", "--json"],
            ["models", "--json"],
            ["models", "yolov8n", "--json"],
            ["compare", "--model", "yolov8n", "--platforms", "hailo-8,rk3588", "--json"],
            ["solve", "bandwidth", "--model", "llama-3.2-1b", "--target-tok-s", "40", "--json"],
            ["solve", "model", "--platform", "jetson-orin-nano-8gb-super", "--target-tok-s", "20", "--json"],
            ["solve", "input", "--platform", "hailo-8", "--model", "yolov8n", "--target-fps", "100", "--json"],
            ["sweep", "--seconds", "0.05", "--platforms", "hailo-8,rk3588", "--json"],
        ];
        foreach (var args in commands)
        {
            var (code, output, errors) = Wpt.Run(args);
            Assert.True(code == 0, $"{string.Join(' ', args)}: {errors}");
            using var _ = JsonDocument.Parse(output);
        }
    }

    [Fact]
    public void The_bandwidth_solver_reports_the_peak_bandwidth_a_decode_rate_needs()
    {
        var (code, output, _) = Wpt.Run("solve", "bandwidth", "--model", "llama-3.2-1b", "--weights", "q4_0", "--target-tok-s", "40", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var needed = doc.RootElement.GetProperty("requiredBandwidthGBps").GetDouble();

        // About 0.72 GB per token at 40 tok/s over a 75 % achievable fraction.
        Assert.InRange(needed, 30, 45);
    }

    [Fact]
    public void Solve_input_reports_the_cliff_where_the_weights_stop_fitting_on_chip_and_the_rate_on_each_side()
    {
        var (code, output, errors) = Wpt.Run("solve", "input", "--platform", "hailo-8", "--model", "yolov8s", "--target-fps", "30", "--json");
        Assert.True(code == 0, errors);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        var cliff = root.GetProperty("cliff");
        Assert.Equal(root.GetProperty("largestInput").GetString(), cliff.GetProperty("below").GetString());
        Assert.Equal(root.GetProperty("nextSize").GetProperty("input").GetString(), cliff.GetProperty("above").GetString());
        Assert.True(cliff.GetProperty("belowFps").GetDouble() > 5 * cliff.GetProperty("aboveFps").GetDouble(), "the rate falls off a cliff");
        Assert.True(cliff.GetProperty("aboveFps").GetDouble() < 30);
        Assert.Contains("no longer fit on chip", cliff.GetProperty("change").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_sweep_reports_evaluations_per_second_for_decode_and_per_layer_predictions()
    {
        var (code, output, _) = Wpt.Run("sweep", "--seconds", "0.1", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(["llm-decode", "graph-per-layer"], results.Select(r => r.GetProperty("kind").GetString()));
        Assert.All(results, r => Assert.True(r.GetProperty("evaluationsPerSecond").GetDouble() > 0));
    }
}
