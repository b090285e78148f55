namespace WorkingPoint.Cli.Tests;

/// <summary>Bad input gets one clear line naming the problem and the fix, and a non-zero exit code.</summary>
public sealed class BadInputTests
{
    [Theory]
    [InlineData("Unknown platform 'hailo-9'. Did you mean 'hailo-8'?", "predict", "--platform", "hailo-9", "--model", "yolov8s")]
    [InlineData("Unknown model 'yolov9s'. Did you mean 'yolov8s'?", "predict", "--platform", "hailo-8", "--model", "yolov9s")]
    [InlineData("Unknown weight format 'q3_x'", "predict", "--platform", "hailo-8", "--model", "yolov8s", "--weights", "q3_x")]
    [InlineData("--input '1280by720' is not a size", "predict", "--platform", "hailo-8", "--model", "yolov8s", "--input", "1280by720")]
    [InlineData("no such platform file", "predict", "--platform", "./missing.yaml", "--model", "yolov8s")]
    [InlineData("--target-tok-s must be a positive number", "solve", "bandwidth", "--model", "llama-3.2-1b", "--target-tok-s", "0")]
    [InlineData("is not an LLM", "solve", "bandwidth", "--model", "yolov8s", "--target-tok-s", "10")]
    [InlineData("--model is required", "predict", "--platform", "hailo-8")]
    [InlineData("--dram-fraction 1.5 is out of range: give a finite number above 0 to 1.", "predict", "--platform", "hailo-8", "--model", "yolov8s", "--dram-fraction", "1.5")]
    [InlineData("--sort must be one of", "compare", "--model", "yolov8s", "--sort", "speed")]
    [InlineData("--experts-in 'disk' is not known; use weights", "predict", "--platform", "hailo-10h", "--model", "qwen3-30b-a3b", "--experts-in", "disk")]
    [InlineData("has no experts to place in host memory", "predict", "--platform", "hailo-10h", "--model", "llama-3.2-1b", "--experts-in", "host")]
    [InlineData("gives its gpu no host link bandwidth", "predict", "--platform", "jetson-agx-orin-64gb", "--model", "qwen3-30b-a3b", "--experts-in", "host")]
    [InlineData("the target is not reachable", "solve", "input", "--platform", "coral-edge-tpu", "--model", "yolov8x", "--target-fps", "100000")]
    [InlineData("run 'wpt measure roofline' first", "predict", "--platform", "host", "--model", "yolov8s")]
    [InlineData("Unknown runtime 'tensorrtt'. Did you mean 'tensorrt'?", "predict", "--platform", "jetson-orin-nano-8gb", "--model", "yolov8s", "--runtime", "tensorrtt")]
    [InlineData("Runtime 'tensorrt' does not run LLMs", "predict", "--platform", "jetson-orin-nano-8gb", "--model", "llama-3.2-1b", "--runtime", "tensorrt")]
    [InlineData("Runtime 'llama.cpp-metal' runs on a GPU, and platform 'hailo-8' has none", "predict", "--platform", "hailo-8", "--model", "llama-3.2-1b", "--runtime", "llama.cpp-metal")]
    [InlineData("Unknown runtime 'nope'", "runtimes", "nope")]
    [InlineData("--gpu-layers 40 is out of range: the model has 32 layers and an output layer; give 0 to 33", "predict", "--platform", "jetson-agx-orin-64gb", "--model", "llama-3.1-8b", "--gpu-layers", "40")]
    [InlineData("Platform 'raspberry-pi-5' has no GPU to offload layers to", "predict", "--platform", "raspberry-pi-5", "--model", "llama-3.2-1b", "--gpu-layers", "4")]
    [InlineData("Platform 'rk3588' has no GPU to offload layers to", "solve", "gpu-layers", "--platform", "rk3588", "--model", "llama-3.2-1b", "--target-tok-s", "10")]
    [InlineData("--gpu-layers is llama.cpp's GPU offload and 'mlc-llm' does not split layers", "predict", "--platform", "jetson-orin-nano-8gb", "--model", "llama-3.2-1b", "--gpu-layers", "4", "--runtime", "mlc-llm")]
    [InlineData("--gpu-layers splits or drafts an LLM's decode; 'yolov8s' is a network", "predict", "--platform", "jetson-orin-nano-8gb", "--model", "yolov8s", "--gpu-layers", "4")]
    [InlineData("--gpu-layers and --pipeline-with are two ways to split the model; give one of them", "predict", "--platform", "hailo-10h", "--model", "llama-3.2-1b", "--gpu-layers", "4", "--pipeline-with", "hailo-10h")]
    [InlineData("'jetson-orin-nano-8gb' has none", "predict", "--platform", "jetson-orin-nano-8gb", "--model", "llama-3.2-1b", "--pipeline-with", "hailo-10h")]
    [InlineData("--pipeline-with needs one or more platform ids, comma-separated", "predict", "--platform", "hailo-10h", "--model", "llama-3.2-1b", "--pipeline-with", ",")]
    [InlineData("Unknown platform 'hailo-11h'", "predict", "--platform", "hailo-10h", "--model", "llama-3.2-1b", "--pipeline-with", "hailo-11h")]
    [InlineData("--draft needs --acceptance A", "predict", "--platform", "apple-m4", "--model", "llama-3.1-8b", "--draft", "llama-3.2-1b")]
    [InlineData("--acceptance and --draft-tokens describe a draft model; add --draft MODEL", "predict", "--platform", "apple-m4", "--model", "llama-3.1-8b", "--acceptance", "0.5")]
    [InlineData("--acceptance 1.5 is out of range", "predict", "--platform", "apple-m4", "--model", "llama-3.1-8b", "--draft", "llama-3.2-1b", "--acceptance", "1.5")]
    [InlineData("--draft-tokens 0 is out of range", "predict", "--platform", "apple-m4", "--model", "llama-3.1-8b", "--draft", "llama-3.2-1b", "--acceptance", "0.5", "--draft-tokens", "0")]
    [InlineData("Speculative decoding is predicted for one sequence; drop --batch 2", "predict", "--platform", "apple-m4", "--model", "llama-3.1-8b", "--draft", "llama-3.2-1b", "--acceptance", "0.5", "--batch", "2")]
    [InlineData("--draft splits or drafts an LLM's decode; 'yolov8n' is a network", "predict", "--platform", "apple-m4", "--model", "llama-3.1-8b", "--draft", "yolov8n", "--acceptance", "0.5")]
    public void Bad_input_gets_one_line_that_names_the_problem_and_a_non_zero_exit(string expected, params string[] args)
    {
        var (code, _, errors) = Wpt.Run(args);
        Assert.NotEqual(0, code);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
        Assert.Single(errors.TrimEnd().Split('\n'));
    }

    [Fact]
    public void A_malformed_platform_file_is_reported_with_its_line()
    {
        var path = Path.Combine(Path.GetTempPath(), $"wpt-bad-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "id: broken\nname: [unclosed\n");
        try
        {
            var (code, _, errors) = Wpt.Run("predict", "--platform", path, "--model", "yolov8s");
            Assert.Equal(2, code);
            Assert.Contains($"{path}:", errors, StringComparison.Ordinal);
            Assert.Contains("malformed YAML", errors, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_user_platform_file_is_accepted_in_place_of_a_catalog_id()
    {
        var path = Path.Combine(Path.GetTempPath(), $"wpt-user-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, """
            id: my-board
            name: My board
            vendor: Me
            kind: npu
            execution: layer-by-layer
            sources:
              D: my datasheet rev 1
            compute:
              int8: { value: 10, source: D }
            memory:
              dram:
                type: LPDDR4X
                dataRateMTps: { value: 4266, source: D }
                busWidthBits: { value: 64, source: D }
                capacityGiB: { value: 4, source: D }
            power:
              maxW: { value: 5, source: D }
              idleW: { value: 0.5, source: D }
            """);
        try
        {
            var (code, output, errors) = Wpt.Run("predict", "--platform", path, "--model", "llama-3.2-1b", "--json");
            Assert.True(code == 0, errors);
            Assert.Contains("\"platform\": \"my-board\"", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

public sealed class RooflineCommandTests
{
    [Theory]
    [InlineData(".png")]
    [InlineData(".svg")]
    public void The_roofline_command_writes_a_plot_with_every_workload_placed(string extension)
    {
        var path = Path.Combine(Path.GetTempPath(), $"wpt-roofline-{Guid.NewGuid():N}{extension}");
        try
        {
            var (code, output, errors) = Wpt.Run("roofline", "--platform", "jetson-orin-nano-8gb-super,hailo-8", "--model", "yolov8s,llama-3.2-1b", "-o", path);
            Assert.True(code == 0, errors);
            Assert.True(new FileInfo(path).Length > 10_000);
            Assert.Contains("llama-3.2-1b decode", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_per_layer_roofline_needs_a_single_network()
    {
        var (code, _, errors) = Wpt.Run("roofline", "--platform", "hailo-8", "--model", "yolov8s,yolov8n", "--layers", "-o", Path.Combine(Path.GetTempPath(), "x.png"));
        Assert.Equal(2, code);
        Assert.Contains("--layers places the layers of one network", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_plot_format_is_refused_before_anything_is_computed()
    {
        var (code, _, errors) = Wpt.Run("roofline", "--platform", "hailo-8", "--model", "yolov8s", "-o", "plot.pdf");
        Assert.NotEqual(0, code);
        Assert.Contains("--output must end in .png or .svg", errors, StringComparison.Ordinal);
    }
}
