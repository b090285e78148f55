using System.Text.Json;
using System.Text.Json.Serialization;

namespace WorkingPoint.Results;

/// <summary>The one JSON form of results (records, subjects, verdicts) on the wire and in files: camelCase, enums by name, NaN refused.</summary>
public static class ResultJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            NumberHandling = JsonNumberHandling.Strict,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            // Models and records are large; deep nesting is never needed and is refused as a malformed body.
            MaxDepth = 32,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
