using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using WorkingPoint.Tests.Shared;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace WorkingPoint.Cli.Tests;

/// <summary>
/// The JSON Schemas in schemas/ (editors validate and complete YAML with them) agree with every catalog and example file,
/// and with what the --json outputs really print.
/// </summary>
public sealed partial class SchemaTests
{
    private static string Schemas => Path.Combine(TestModels.RepositoryRoot, "schemas");

    public static TheoryData<string> YamlFiles()
    {
        var data = new TheoryData<string>();
        foreach (var folder in new[] { "catalog/platforms", "catalog/models", "catalog/runtimes", "examples" })
        {
            foreach (var file in Directory.GetFiles(Path.Combine(TestModels.RepositoryRoot, folder), "*.yaml").Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetRelativePath(TestModels.RepositoryRoot, file).Replace('\\', '/'));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(YamlFiles))]
    public void Every_catalog_and_example_file_names_its_schema_on_its_first_line_and_is_valid_against_it(string file)
    {
        var path = Path.Combine(TestModels.RepositoryRoot, file);
        var firstLine = File.ReadLines(path).First();
        var match = SchemaComment().Match(firstLine);
        Assert.True(match.Success, $"{file}: the first line must be '# yaml-language-server: $schema=…', got '{firstLine}'.");
        var schemaPath = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, match.Groups[1].Value));
        Assert.True(File.Exists(schemaPath), $"{file}: {schemaPath} does not exist.");
        var expected = file.StartsWith("catalog/platforms", StringComparison.Ordinal) || file == "examples/my-board.yaml" ? "platform.schema.json"
            : file.StartsWith("catalog/models", StringComparison.Ordinal) || file == "examples/my-llm.yaml" ? "model.schema.json"
            : file.StartsWith("catalog/runtimes", StringComparison.Ordinal) ? "runtime.schema.json"
            : "usecase.schema.json";
        Assert.Equal(expected, Path.GetFileName(schemaPath));

        AssertValid(schemaPath, YamlToJson(File.ReadAllText(path)), file);
    }

    public static TheoryData<string, string[]> JsonOutputs => new()
    {
        { "predict.output.schema.json", ["predict", "-p", "hailo-10h", "-m", "llama-3.2-1b", "--json"] },
        { "predict.output.schema.json", ["predict", "-p", "jetson-orin-nano-8gb-super", "-m", "qwen2.5-vl-3b", "--images", "1", "--json"] },
        { "predict.output.schema.json", ["predict", "-p", "hailo-8", "-m", "yolov8s", "--layers", "--json"] },
        { "predict.output.schema.json", ["predict", "-p", "jetson-orin-nano-8gb-super", "-m", "whisper-base", "--json"] },
        { "compare.output.schema.json", ["compare", "-m", "llama-3.2-1b", "--json"] },
        { "compare.output.schema.json", ["compare", "-m", "yolov8s", "--platforms", "all", "--json"] },
        { "evaluate.output.schema.json", ["evaluate", "examples/smart-camera.yaml", "--json"] },
        { "evaluate.output.schema.json", ["evaluate", "examples/battery-sensor.yaml", "--json"] },
        { "evaluate.output.schema.json", ["evaluate", "examples/home-assistant.yaml", "--json"] },
        { "evaluate.output.schema.json", ["evaluate", "examples/robot.yaml", "--json"] },
    };

    [Theory]
    [MemberData(nameof(JsonOutputs))]
    public void The_json_outputs_are_valid_against_their_schemas(string schema, string[] args)
    {
        var resolved = args.Select(a => a.StartsWith("examples/", StringComparison.Ordinal) ? Path.Combine(TestModels.RepositoryRoot, a) : a).ToArray();
        var (code, output, errors) = Wpt.Run(resolved);
        Assert.True(code == 0, errors);

        AssertValid(Path.Combine(Schemas, schema), JsonNode.Parse(output), string.Join(' ', args));
    }

    [Fact]
    public void The_json_report_with_a_measured_section_is_valid_against_the_evaluate_schema()
    {
        var directory = Directory.CreateTempSubdirectory("wpt-schema-report-").FullName;
        try
        {
            var db = Path.Combine(directory, "results.db");
            BenchUseCaseCliTests.SaveMeasuredResult(db);
            var output = Path.Combine(directory, "report.json");
            var (code, _, errors) = Wpt.Run("report", BenchUseCaseCliTests.UseCaseFile(directory), "-p", "raspberry-pi-5", "-o", output, "--db", db);
            Assert.True(code == 0, errors);

            var report = JsonNode.Parse(File.ReadAllText(output));
            Assert.NotNull(report!["measured"]);
            AssertValid(Path.Combine(Schemas, "evaluate.output.schema.json"), report, "report -o FILE.json with a measured result");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_schemas_catch_what_the_loader_refuses()
    {
        var platform = Path.Combine(Schemas, "platform.schema.json");
        var hailo = File.ReadAllText(Path.Combine(TestModels.RepositoryRoot, "catalog", "platforms", "hailo-8.yaml"));
        Assert.False(IsValid(platform, YamlToJson(hailo.Replace("execution: dataflow", "execution: streaming", StringComparison.Ordinal))), "unknown execution style");
        Assert.False(IsValid(platform, YamlToJson(hailo.Replace("vendor: Hailo", "vendor: Hailo\nvendr: typo", StringComparison.Ordinal))), "unknown field");
        Assert.False(IsValid(platform, YamlToJson(hailo.Replace("int8: { value: 26, sparsity: dense, source: S1 }", "int8: 26", StringComparison.Ordinal))), "bare number for a figure");
        Assert.False(IsValid(platform, YamlToJson(hailo.Replace("{ value: 26, sparsity: dense, source: S1 }", "{ value: 26, sparsity: dense }", StringComparison.Ordinal))), "a value without a source");

        var useCase = Path.Combine(Schemas, "usecase.schema.json");
        var robot = File.ReadAllText(Path.Combine(TestModels.RepositoryRoot, "examples", "robot.yaml"));
        Assert.True(IsValid(useCase, YamlToJson(robot)));
        Assert.False(IsValid(useCase, YamlToJson(robot.Replace("name: Robot", "name: Robot\nworkload: []", StringComparison.Ordinal))), "unknown top-level field");
    }

    private static void AssertValid(string schemaPath, JsonNode? instance, string what)
    {
        var results = Evaluate(schemaPath, instance);
        if (!results.IsValid)
        {
            var problems = (results.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).Distinct().Take(20);
            Assert.Fail($"{what} is not valid against {Path.GetFileName(schemaPath)}:\n{string.Join('\n', problems)}");
        }
    }

    private static bool IsValid(string schemaPath, JsonNode? instance) => Evaluate(schemaPath, instance).IsValid;

    private static EvaluationResults Evaluate(string schemaPath, JsonNode? instance)
    {
        var schema = JsonSchema.FromText(File.ReadAllText(schemaPath));
        using var document = JsonDocument.Parse(instance?.ToJsonString() ?? "null");
        return schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = Json.Schema.OutputFormat.List });
    }

    /// <summary>YAML as an editor's schema validator reads it: plain scalars typed by the YAML core schema, quoted ones strings.</summary>
    internal static JsonNode? YamlToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, Convert(kv.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidOperationException($"Unexpected YAML node {node.NodeType}."),
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style is not ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return JsonValue.Create(text.StartsWith('t') || text.StartsWith('T'));
        }

        if (CoreNumber().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return text.Contains('.', StringComparison.Ordinal) || text.Contains('e', StringComparison.OrdinalIgnoreCase) ? JsonValue.Create(number) : JsonValue.Create(long.Parse(text, CultureInfo.InvariantCulture));
        }

        return JsonValue.Create(text);
    }

    [GeneratedRegex(@"^# yaml-language-server: \$schema=(\S+)$")]
    private static partial Regex SchemaComment();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex CoreNumber();
}
