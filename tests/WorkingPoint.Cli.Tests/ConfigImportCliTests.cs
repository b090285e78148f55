using System.Text.Json;
using WorkingPoint.Catalog;
using WorkingPoint.Core;
using WorkingPoint.Evaluation;
using WorkingPoint.Evaluation.ModelFiles;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Cli.Tests;

/// <summary><c>wpt models import config.json</c> and <c>--model path/config.json</c>: Hugging Face configs as models.</summary>
public sealed class ConfigImportCliTests
{
    internal static string Fixture(string folder) => Path.Combine(TestModels.RepositoryRoot, "tests", "Shared", "Fixtures", "huggingface", folder, "config.json");

    [Theory]
    [InlineData("models-import-config-llama-3.2-1b.txt", "llama-3.2-1b")]
    [InlineData("models-import-config-phi-3.5-mini.txt", "phi-3.5-mini")]
    [InlineData("models-import-config-gemma-3-4b.txt", "gemma-3-4b")]
    [InlineData("models-import-config-qwen3-30b-a3b.txt", "qwen3-30b-a3b")]
    public void Models_import_shows_a_config_json_as_models_shows_a_catalog_model(string golden, string folder)
    {
        var (code, output, errors) = Wpt.Run("models", "import", Fixture(folder));

        Assert.True(code == 0, errors);
        Golden.Verify(golden, output);
    }

    [Fact]
    public void Models_import_writes_a_model_yaml_that_reads_back_and_predicts_like_the_config()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"wpt-import-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var yaml = Path.Combine(folder, "my-model.yaml");
            var (code, output, errors) = Wpt.Run("models", "import", Fixture("qwen2.5-0.5b"), "-o", yaml, "--id", "my-qwen");
            Assert.True(code == 0, errors);
            Assert.Contains($"Wrote the model description to {yaml}", output.ReplaceLineEndings(string.Empty), StringComparison.Ordinal);
            Assert.StartsWith("# Imported by wpt models import from ", File.ReadAllText(yaml), StringComparison.Ordinal);

            var fromYaml = Predict(yaml);
            var fromConfig = Predict(Fixture("qwen2.5-0.5b"));
            var fromCatalog = Predict("qwen2.5-0.5b");
            Assert.Equal("my-qwen", fromYaml.GetProperty("model").GetString());
            Assert.Equal(fromCatalog.GetProperty("throughput").GetDouble(), fromConfig.GetProperty("throughput").GetDouble());
            Assert.Equal(fromCatalog.GetProperty("throughput").GetDouble(), fromYaml.GetProperty("throughput").GetDouble());
            Assert.Equal(
                fromCatalog.GetProperty("llm").GetProperty("ttftMs").GetDouble(),
                fromConfig.GetProperty("llm").GetProperty("ttftMs").GetDouble());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_mixture_of_experts_config_is_predicted_at_once()
    {
        var (code, output, errors) = Wpt.Run("predict", "-p", "apple-m4-pro", "-m", Fixture("qwen3-30b-a3b"), "--weights", "q4_0", "--json");
        Assert.True(code == 0, errors);

        using var json = JsonDocument.Parse(output);
        Assert.Equal("qwen3-30b-a3b", json.RootElement.GetProperty("model").GetString());
        Assert.True(json.RootElement.GetProperty("throughput").GetDouble() > 0);
    }

    [Fact]
    public void A_config_json_is_a_model_for_compare_and_solve_too()
    {
        var (compare, _, compareErrors) = Wpt.Run("compare", "-m", Fixture("llama-3.2-1b"), "--platforms", "hailo-10h,rk3588", "--json");
        Assert.True(compare == 0, compareErrors);

        var (solve, output, solveErrors) = Wpt.Run("solve", "bandwidth", "-m", Fixture("gemma-2-2b"), "--weights", "q4_0", "--target-tok-s", "20");
        Assert.True(solve == 0, solveErrors);
        Assert.Contains("gemma-2-2b", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Models_import_json_names_the_model_type_family_and_notes()
    {
        var (code, output, errors) = Wpt.Run("models", "import", Fixture("phi-3.5-mini"), "--json");

        Assert.True(code == 0, errors);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("phi3", root.GetProperty("modelType").GetString());
        Assert.Equal("phi3", root.GetProperty("family").GetString());
        Assert.Equal(3_821_079_552, root.GetProperty("model").GetProperty("parameters").GetInt64());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("config").GetProperty("slidingWindow").ValueKind);
        Assert.Equal(1, root.GetProperty("notes").GetArrayLength());
    }

    [Theory]
    [InlineData("{\"model_type\": \"lama\"}", "Did you mean 'llama'?")]
    [InlineData("{\"model_type\": \"llama\", \"hidden_size\": 64}", "'num_hidden_layers' is missing")]
    [InlineData("not json", "not valid JSON")]
    public void A_bad_config_json_is_one_line_and_exit_code_2_in_import_and_predict(string json, string expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"wpt-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        try
        {
            foreach (var args in new[] { new[] { "models", "import", path }, ["predict", "-p", "hailo-10h", "-m", path] })
            {
                var (code, _, errors) = Wpt.Run(args);
                Assert.Equal(2, code);
                Assert.StartsWith("wpt: error: ", errors, StringComparison.Ordinal);
                Assert.Contains(expected, errors, StringComparison.Ordinal);
                Assert.Single(errors.TrimEnd().Split('\n'));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("-o", "model.txt")]
    [InlineData("--layers")]
    [InlineData("--input", "640x640")]
    [InlineData("--id", "Not An Id")]
    public void Options_that_do_not_apply_to_a_config_json_are_refused(params string[] options)
    {
        var (code, _, errors) = Wpt.Run(["models", "import", Fixture("llama-3.2-1b"), .. options]);

        Assert.Equal(2, code);
        Assert.StartsWith("wpt: error: ", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_and_id_are_refused_for_a_gguf_or_onnx_file()
    {
        var (code, _, errors) = Wpt.Run("models", "import", "model.gguf", "--id", "x");

        Assert.Equal(2, code);
        Assert.Contains("-o and --id apply to a Hugging Face config.json", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_llm_synthesizes_a_config_json_in_the_format_asked_for_and_bench_onnx_refuses_it()
    {
        var folder = Path.Combine(Directory.CreateTempSubdirectory("wpt-config-").FullName, "tiny-config-model");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "config.json");
        File.WriteAllText(path, """
            {"model_type": "llama", "hidden_size": 256, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
             "intermediate_size": 512, "vocab_size": 1024, "max_position_embeddings": 2048, "tie_word_embeddings": true}
            """);
        ShowProgress silently = (_, work) => work(null);

        var file = LlmModelFiles.Resolve(WorkingPoint.Catalog.Catalog.BuiltIn, silently, path, "q8_0", 64);

        Assert.True(file.Synthesized);
        Assert.StartsWith("tiny-config-model q8_0 ", file.DisplayName, StringComparison.Ordinal);
        Assert.StartsWith("tiny-config-model-config-", Path.GetFileName(file.Path), StringComparison.Ordinal);
        Assert.Contains("-q8_0-", Path.GetFileName(file.Path), StringComparison.Ordinal);
        Assert.Equal(HuggingFaceConfig.Load(path).Architecture.Parameters, file.Model.Architecture.Parameters);

        var onnx = Assert.Throws<InvalidInputException>(() => WorkingPoint.Evaluation.ModelFiles.ModelFiles.Resolve(WorkingPoint.Catalog.Catalog.BuiltIn, path, []));
        Assert.Contains("is a language model's config.json", onnx.Message, StringComparison.Ordinal);
    }

    private static JsonElement Predict(string model)
    {
        var (code, output, errors) = Wpt.Run("predict", "-p", "jetson-orin-nano-8gb-super", "-m", model, "--json");
        Assert.True(code == 0, errors);
        return JsonDocument.Parse(output).RootElement.Clone();
    }
}
