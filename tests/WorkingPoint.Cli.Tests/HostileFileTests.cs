using System.Text;
using WorkingPoint.Tests.Shared;
using A = WorkingPoint.Tests.Shared.OnnxBuilder.Attribute;

namespace WorkingPoint.Cli.Tests;

/// <summary>Hostile ONNX, GGUF and YAML files through the commands: one line naming the limit, exit 2, never a trace.</summary>
public sealed class HostileFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-hostile-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void RefusedWithOneLine(string expected, params string[] args)
    {
        var (code, _, errors) = Wpt.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
        Assert.Single(errors.TrimEnd().Split('\n'));
    }

    [Fact]
    public void An_onnx_convolution_with_zero_strides_is_refused()
    {
        var path = Write("strides0.onnx", new OnnxBuilder().Input("x", 1, 3, 8, 8).Weight("w", 4, 3, 3, 3).Node("Conv", ["x", "w"], ["y"], A.Ints("strides", 0, 0)).Output("y").Build());
        RefusedWithOneLine("Conv node 'Conv_y' has strides [0,0]; each must be from 1 to 2147483647", "models", "import", path);
    }

    [Fact]
    public void An_onnx_length_field_of_two_gigabytes_is_refused_as_truncation()
    {
        var path = Write("len.onnx", [0x08, 0x08, 0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 1, 2, 3]);
        RefusedWithOneLine("the file ends in the middle of a field at byte 2 of 11", "models", "import", path);
    }

    [Fact]
    public void A_gguf_with_a_nan_norm_epsilon_is_refused_before_llama_cpp_sees_it()
    {
        var bytes = File.ReadAllBytes(TinyLlm.File());
        var key = "llama.attention.layer_norm_rms_epsilon"u8;
        var at = bytes.AsSpan().IndexOf(key) + key.Length + 4;
        BitConverter.GetBytes(float.NaN).CopyTo(bytes, at);
        var path = Write("nan.gguf", bytes);
        RefusedWithOneLine("metadata 'llama.attention.layer_norm_rms_epsilon' is NaN; a norm epsilon must be a finite number above 0", "models", "import", path);
    }

    [Fact]
    public void A_yaml_alias_is_refused()
    {
        var path = Write("alias.yaml", Encoding.UTF8.GetBytes("id: x\n? *a\n: 1\n"));
        RefusedWithOneLine("the alias *a is not allowed", "predict", "--platform", path, "--model", "yolov8s");
    }

    [Fact]
    public void A_prompt_of_a_trillion_tokens_is_refused_with_the_range()
    {
        var path = Write("prompt.yaml", Encoding.UTF8.GetBytes("name: chat\nworkloads:\n  - id: chat\n    model: llama-3.2-1b\n    requestsPerHour: 10\n    prompt: 1e12\n"));
        RefusedWithOneLine("'workloads[chat].prompt' is 1000000000000 tokens, outside the accepted range 0 to 1048576 tokens", "evaluate", path);
    }
}
