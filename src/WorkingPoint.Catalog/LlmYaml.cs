using WorkingPoint.Core;
using System.Text.RegularExpressions;
using WorkingPoint.Core.Workloads;
using YamlDotNet.RepresentationModel;

namespace WorkingPoint.Catalog;

/// <summary>Reads and validates an LLM/VLM architecture description (schema in docs/model-schema.md).</summary>
public static partial class LlmYaml
{
    [GeneratedRegex("^[a-z0-9][a-z0-9.-]*$")]
    private static partial Regex IdPattern();

    /// <summary>The family names a model file may give, in the order error messages list them.</summary>
    public static IReadOnlyList<string> FamilyNames { get; } = ["llama", "qwen2", "gemma2", "phi3", "qwen3", "qwen3moe", "qwen2moe", "gemma3", "mixtral", "gpt-oss", "whisper"];

    public static LlmArchitecture Parse(string file, string text)
    {
        var y = YamlReader.Parse(file, text);
        var r = y.Root;
        y.RejectUnknownKeys(r, string.Empty, "id", "name", "family", "hiddenSize", "layers", "attentionHeads", "kvHeads", "headDim", "ffnSize", "vocabSize", "tiedEmbeddings", "qkvBias", "gatedFfn", "maxContext", "slidingWindow", "slidingWindowPattern", "publishedParameters", "source", "notes", "vision", "audio", "experts");
        var id = y.RequireString(r, "id", string.Empty);
        if (!IdPattern().IsMatch(id))
        {
            throw y.Error(y.Get(r, "id"), $"id '{id}' must be lower-case letters, digits, '-' and '.' (e.g. llama-3.2-1b).");
        }

        var familyText = y.RequireString(r, "family", string.Empty);
        var family = familyText switch
        {
            "llama" => LlmFamily.Llama,
            "qwen2" => LlmFamily.Qwen2,
            "gemma2" => LlmFamily.Gemma2,
            "phi3" => LlmFamily.Phi3,
            "qwen3" => LlmFamily.Qwen3,
            "qwen3moe" => LlmFamily.Qwen3Moe,
            "qwen2moe" => LlmFamily.Qwen2Moe,
            "gemma3" => LlmFamily.Gemma3,
            "mixtral" => LlmFamily.Mixtral,
            "gpt-oss" => LlmFamily.GptOss,
            "whisper" => LlmFamily.Whisper,
            _ => throw y.Error(y.Get(r, "family"), $"unsupported family '{familyText}'. Supported: {string.Join(", ", FamilyNames)}."),
        };

        int Int(YamlMappingNode map, string key, string path)
        {
            var value = y.RequireNumber(map, key, path);
            if (value != Math.Floor(value) || value <= 0 || value > int.MaxValue)
            {
                throw y.Error(y.Get(map, key), $"'{YamlReader.Join(path, key)}' must be a positive whole number, got {value}.");
            }

            return (int)value;
        }

        var hidden = Int(r, "hiddenSize", string.Empty);
        var heads = Int(r, "attentionHeads", string.Empty);
        VisionEncoderSpec? vision = null;
        if (y.Mapping(r, "vision", string.Empty) is { } v)
        {
            y.RejectUnknownKeys(v, "vision", "patchSize", "temporalPatch", "width", "depth", "heads", "mlpSize", "gatedMlp", "spatialMerge", "outHidden", "windowPatches", "fullAttentionLayers", "imageWidth", "imageHeight", "connector", "positions", "layerNorm");
            var full = new List<int>();
            if (y.Get(v, "fullAttentionLayers") is YamlSequenceNode seq)
            {
                foreach (var item in seq.Children)
                {
                    if (item is not YamlScalarNode { Value: { } layerText } || !int.TryParse(layerText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var layer) || layer > 100_000)
                    {
                        throw y.Error(item, $"'vision.fullAttentionLayers' entries must be layer indices (whole numbers from 0 to 100000), got '{(item as YamlScalarNode)?.Value ?? item.NodeType.ToString()}'.");
                    }

                    full.Add(layer);
                }
            }

            var connectorText = y.String(v, "connector", "vision");
            var connector = connectorText switch
            {
                null or "merger" => VisionConnector.Merger,
                "pixelShuffle" => VisionConnector.PixelShuffle,
                _ => throw y.Error(y.Get(v, "connector"), $"'vision.connector' must be merger (Qwen2.5-VL) or pixelShuffle (SmolVLM/Idefics3), got '{connectorText}'."),
            };

            vision = new VisionEncoderSpec(
                Int(v, "patchSize", "vision"),
                y.Integer(v, "temporalPatch", "vision", 1, 16, "frames") ?? 1,
                Int(v, "width", "vision"),
                Int(v, "depth", "vision"),
                Int(v, "heads", "vision"),
                Int(v, "mlpSize", "vision"),
                y.Bool(v, "gatedMlp", "vision") ?? false,
                y.Integer(v, "spatialMerge", "vision", 1, 16, "patches") ?? 1,
                Int(v, "outHidden", "vision"),
                y.Integer(v, "windowPatches", "vision", 1, 1 << 20, "patches"),
                full,
                y.Integer(v, "imageWidth", "vision", 1, InputShapes.MaxImageSide, "pixels") ?? 448,
                y.Integer(v, "imageHeight", "vision", 1, InputShapes.MaxImageSide, "pixels") ?? 448,
                connector,
                y.Integer(v, "positions", "vision", 1, 1 << 20, "positions"),
                y.Bool(v, "layerNorm", "vision") ?? false);
        }

        AudioEncoderSpec? audio = null;
        if (y.Mapping(r, "audio", string.Empty) is { } a)
        {
            y.RejectUnknownKeys(a, "audio", "melBins", "frames", "width", "layers", "heads", "ffnSize");
            audio = new AudioEncoderSpec(Int(a, "melBins", "audio"), Int(a, "frames", "audio"), Int(a, "width", "audio"), Int(a, "layers", "audio"), Int(a, "heads", "audio"), Int(a, "ffnSize", "audio"));
        }

        MixtureOfExperts? experts = null;
        if (y.Mapping(r, "experts", string.Empty) is { } e)
        {
            y.RejectUnknownKeys(e, "experts", "count", "active", "ffnSize", "shared", "sharedFfnSize", "sharedGate", "biases");
            experts = new MixtureOfExperts(
                Int(e, "count", "experts"),
                Int(e, "active", "experts"),
                Int(e, "ffnSize", "experts"),
                y.Integer(e, "shared", "experts", 0, 1024, "experts") ?? 0,
                y.Integer(e, "sharedFfnSize", "experts", 1, 1 << 24, "elements") ?? 0,
                y.Bool(e, "sharedGate", "experts") ?? false,
                y.Bool(e, "biases", "experts") ?? (family == LlmFamily.GptOss));
        }

        var published = y.Bounded(r, "publishedParameters", string.Empty, 1, ModelLimits.MaxParameters, "parameters", integral: true);
        try
        {
            return new LlmArchitecture(
                id,
                y.RequireString(r, "name", string.Empty),
                family,
                hidden,
                Int(r, "layers", string.Empty),
                heads,
                Int(r, "kvHeads", string.Empty),
                y.Integer(r, "headDim", string.Empty, 1, ModelLimits.MaxHeadDim, "elements") ?? hidden / heads,
                Int(r, "ffnSize", string.Empty),
                Int(r, "vocabSize", string.Empty),
                y.Bool(r, "tiedEmbeddings", string.Empty) ?? false,
                y.Bool(r, "qkvBias", string.Empty) ?? false,
                y.Bool(r, "gatedFfn", string.Empty) ?? true,
                y.Integer(r, "maxContext", string.Empty, 1, ModelLimits.MaxContextTokens, "tokens") ?? 4096,
                y.Integer(r, "slidingWindow", string.Empty, 1, ModelLimits.MaxContextTokens, "tokens"),
                published is { } p ? (long)p : null,
                y.String(r, "source", string.Empty),
                vision,
                audio,
                experts,
                y.Integer(r, "slidingWindowPattern", string.Empty, 1, 1 << 16, "layers")).Validate();
        }
        catch (InvalidInputException ex)
        {
            throw y.Error(r, ex.Message);
        }
    }
}
