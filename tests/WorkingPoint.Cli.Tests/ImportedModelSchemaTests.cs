using WorkingPoint.Catalog;

namespace WorkingPoint.Cli.Tests;

/// <summary>What <c>wpt models import config.json -o FILE</c> writes is valid against schemas/model.schema.json.</summary>
public sealed partial class SchemaTests
{
    [Theory]
    [InlineData("llama-3.2-1b")]
    [InlineData("gemma-2-2b")]
    [InlineData("mistral-7b-v0.3")]
    [InlineData("qwen2.5-vl-3b")]
    [InlineData("qwen3-30b-a3b")]
    [InlineData("gemma-3-4b")]
    [InlineData("gpt-oss-20b")]
    public void A_model_yaml_written_from_a_config_json_is_valid_against_the_model_schema(string folder)
    {
        var architecture = HuggingFaceConfig.Load(ConfigImportCliTests.Fixture(folder)).Architecture;

        AssertValid(Path.Combine(Schemas, "model.schema.json"), YamlToJson(LlmYamlWriter.Write(architecture, "comment")), folder);
    }
}
