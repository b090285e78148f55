using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using WorkingPoint.Core;

namespace WorkingPoint.Measurement.Jobs;

/// <summary>What a benchmark job runs; one runner per kind (<c>wpt bench onnx|llm|mix|usecase</c>, <c>wpt measure roofline</c>).</summary>
public enum BenchmarkJobKind
{
    Onnx,
    Llm,
    Mix,
    Roofline,
    UseCase,
}

/// <summary>
/// A benchmark run as data: what the CLI parses from its options and what a server queues for an agent, so both run it through the same
/// runner. <paramref name="Model"/> is what the CLI's MODEL argument takes (a catalog id, or a file path on the machine that runs the job);
/// <paramref name="Parameters"/> are the command's other options by their long name without dashes ("duration" → "10").
/// </summary>
public sealed record BenchmarkJob(
    BenchmarkJobKind Kind,
    string? Model,
    string? Runtime,
    string? Scenario,
    IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>
    /// The command line the job came from, for the run's manifest; null for a job from elsewhere (a server), whose manifest then
    /// records the job's JSON. Not part of the job's JSON.
    /// </summary>
    public IReadOnlyList<string>? CommandLine { get; init; }

    /// <summary>What the run's manifest records as its command line: the CLI's arguments, or the job itself as JSON.</summary>
    public IReadOnlyList<string> Provenance => CommandLine ?? ["job", ToJson()];

    /// <summary>The job as JSON: <c>{"kind":"onnx","model":…,"runtime":…,"scenario":…,"parameters":{"duration":"10"}}</c>.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", NameOf(Kind));
            writer.WriteString("model", Model);
            writer.WriteString("runtime", Runtime);
            writer.WriteString("scenario", Scenario);
            writer.WriteStartObject("parameters");
            foreach (var (name, value) in Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// A job from its JSON (<see cref="ToJson"/>'s form). Parameter values may be written as strings, numbers or booleans; anything
    /// else, or a missing kind, is refused with one line. The parameters themselves are checked by <see cref="BenchmarkJobParameters.Validate"/>.
    /// </summary>
    public static BenchmarkJob FromJson(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException($"The job is not valid JSON ({ex.Message.Split('\n')[0].TrimEnd('.')}); write it as {{\"kind\":\"onnx\",\"model\":\"yolov8n\",\"parameters\":{{\"quick\":\"true\"}}}}.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInputException("A job is a JSON object with kind, model, runtime, scenario and parameters; got something else.");
            }

            string? kind = null, model = null, runtime = null, scenario = null;
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "kind": kind = TextOf(property); break;
                    case "model": model = TextOf(property); break;
                    case "runtime": runtime = TextOf(property); break;
                    case "scenario": scenario = TextOf(property); break;
                    case "parameters":
                        if (property.Value.ValueKind == JsonValueKind.Null)
                        {
                            break;
                        }

                        if (property.Value.ValueKind != JsonValueKind.Object)
                        {
                            throw new InvalidInputException("The job's 'parameters' must be an object of names to values, e.g. {\"duration\":\"10\"}.");
                        }

                        foreach (var parameter in property.Value.EnumerateObject())
                        {
                            parameters[parameter.Name] = parameter.Value.ValueKind switch
                            {
                                JsonValueKind.String => parameter.Value.GetString()!,
                                JsonValueKind.Number => parameter.Value.GetRawText(),
                                JsonValueKind.True => "true",
                                JsonValueKind.False => "false",
                                _ => throw new InvalidInputException($"The job's parameter '{parameter.Name}' is {parameter.Value.ValueKind.ToString().ToLowerInvariant()}; give a string, a number or true/false."),
                            };
                        }

                        break;
                    default:
                        throw new InvalidInputException($"'{property.Name}' is not a field of a job; use kind, model, runtime, scenario and parameters.");
                }
            }

            return kind is null
                ? throw new InvalidInputException($"The job has no 'kind'; use one of {string.Join(", ", KindsByName.Keys)}.")
                : new BenchmarkJob(ParseKind(kind), model, runtime, scenario, parameters);
        }

        static string? TextOf(JsonProperty property) => property.Value.ValueKind switch
        {
            JsonValueKind.String => property.Value.GetString(),
            JsonValueKind.Null => null,
            _ => throw new InvalidInputException($"The job's '{property.Name}' must be a string (or null), got {property.Value.ValueKind.ToString().ToLowerInvariant()}."),
        };
    }

    /// <summary>Text of a number as a parameter holds it: invariant, round-tripping.</summary>
    public static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Text of a whole number as a parameter holds it.</summary>
    public static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The kinds by the names jobs are written with (the bench subcommand's name).</summary>
    public static readonly IReadOnlyDictionary<string, BenchmarkJobKind> KindsByName = new ReadOnlyDictionary<string, BenchmarkJobKind>(
        new Dictionary<string, BenchmarkJobKind>(StringComparer.OrdinalIgnoreCase)
        {
            ["onnx"] = BenchmarkJobKind.Onnx,
            ["llm"] = BenchmarkJobKind.Llm,
            ["mix"] = BenchmarkJobKind.Mix,
            ["roofline"] = BenchmarkJobKind.Roofline,
            ["usecase"] = BenchmarkJobKind.UseCase,
        });

    /// <summary>The name a kind is written with, the inverse of <see cref="ParseKind"/>.</summary>
    public static string NameOf(BenchmarkJobKind kind) => KindsByName.First(pair => pair.Value == kind).Key;

    /// <summary>A kind from its name; an unknown one is a user error naming the known ones.</summary>
    public static BenchmarkJobKind ParseKind(string name) =>
        KindsByName.TryGetValue(name.Trim(), out var kind)
            ? kind
            : throw new InvalidInputException($"Unknown job kind '{name}'; use one of {string.Join(", ", KindsByName.Keys)}.");
}
