using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using WorkingPoint.Core;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Catalog;

/// <summary>A Hugging Face config.json read as an architecture, with what the reading decided that the user should know.</summary>
public sealed record HuggingFaceImport(LlmArchitecture Architecture, string ModelType, IReadOnlyList<string> Notes);

/// <summary>
/// Reads a Hugging Face <c>config.json</c> (the architecture only; no weights) into an <see cref="LlmArchitecture"/>. Field names
/// and per-type defaults are transformers' (configuration_*.py): a field a config leaves out takes the value transformers would
/// give it when loading that model type. The fields the counts cannot do without are required.
/// </summary>
public static partial class HuggingFaceConfig
{
    /// <summary>The largest config.json read: the same 1 MiB as a YAML description; real configs are a few kB.</summary>
    public const int MaxFileBytes = YamlReader.MaxFileBytes;

    /// <summary>How each supported model_type reads: the tensor layout and transformers' defaults for fields a config may omit.</summary>
    private sealed record ModelType(
        LlmFamily Family,
        bool TiedByDefault,
        int DefaultContext,
        int? DefaultHeadDim = null,
        bool QkvBiasAlways = false,
        WindowRule Window = WindowRule.None,
        int? DefaultWindow = null,
        bool HasVision = false);

    /// <summary>Where a model type's sliding window comes from.</summary>
    private enum WindowRule
    {
        /// <summary>No sliding-window attention (sliding_window, if present, is ignored).</summary>
        None,

        /// <summary>sliding_window applies as given (null: none).</summary>
        AsGiven,

        /// <summary>sliding_window applies only when use_sliding_window is true (Qwen2's switch, off by default).</summary>
        WhenSwitchedOn,
    }

    private static readonly Dictionary<string, ModelType> Types = new(StringComparer.Ordinal)
    {
        ["llama"] = new(LlmFamily.Llama, TiedByDefault: false, DefaultContext: 2048),
        // Mistral is Llama-shaped (llama.cpp converts it to its llama architecture) with a sliding window, 4096 unless set.
        ["mistral"] = new(LlmFamily.Llama, TiedByDefault: false, DefaultContext: 4096 * 32, Window: WindowRule.AsGiven, DefaultWindow: 4096),
        // Qwen2's attention always has q/k/v biases (not a config field).
        ["qwen2"] = new(LlmFamily.Qwen2, TiedByDefault: false, DefaultContext: 32768, QkvBiasAlways: true, Window: WindowRule.WhenSwitchedOn, DefaultWindow: 4096),
        ["qwen2_5_vl"] = new(LlmFamily.Qwen2, TiedByDefault: false, DefaultContext: 128000, QkvBiasAlways: true, Window: WindowRule.WhenSwitchedOn, DefaultWindow: 4096, HasVision: true),
        ["gemma2"] = new(LlmFamily.Gemma2, TiedByDefault: true, DefaultContext: 8192, DefaultHeadDim: 256, Window: WindowRule.AsGiven, DefaultWindow: 4096),
        ["phi3"] = new(LlmFamily.Phi3, TiedByDefault: false, DefaultContext: 4096, Window: WindowRule.AsGiven),
    };

    /// <summary>The model_type values this reader maps, in a stable order.</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } = [.. Types.Keys.Order(StringComparer.Ordinal)];

    [GeneratedRegex("[^a-z0-9.]+")]
    private static partial Regex NotIdCharacters();

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]*$")]
    private static partial Regex IdPattern();

    /// <summary>Reads <paramref name="path"/>; the id is <paramref name="id"/> when given, else derived from the file's name or folder.</summary>
    public static HuggingFaceImport Load(string path, string? id = null)
    {
        if (!File.Exists(path))
        {
            throw new CatalogException($"{path}: no such config.json file. Check the path, or use a catalog id (wpt models).");
        }

        var length = new FileInfo(path).Length;
        if (length > MaxFileBytes)
        {
            throw new CatalogException($"{path}: the file is {length} bytes; a Hugging Face config.json is a few kB and at most {MaxFileBytes} bytes (1 MiB) is read. Check that it is the config.json, not the weights or the tokenizer.");
        }

        return Parse(path, File.ReadAllText(path), id ?? DeriveId(path), DeriveName(path));
    }

    /// <summary>An id from a path: the folder's name for a file called config.json (as downloaded), else the file's own name.</summary>
    public static string DeriveId(string path)
    {
        var slug = NotIdCharacters().Replace(DeriveName(path).ToLowerInvariant(), "-").Trim('-', '.');
        return slug.Length > 0 && IdPattern().IsMatch(slug) ? slug : "imported-model";
    }

    private static string DeriveName(string path)
    {
        var full = Path.GetFullPath(path);
        var file = Path.GetFileNameWithoutExtension(full);
        if (file.Equals("config", StringComparison.OrdinalIgnoreCase) && Path.GetFileName(Path.GetDirectoryName(full)) is { Length: > 0 } folder)
        {
            return folder;
        }

        foreach (var suffix in new[] { ".config", "-config", "_config" })
        {
            if (file.Length > suffix.Length && file.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return file[..^suffix.Length];
            }
        }

        return file;
    }

    /// <summary>Reads config.json text; <paramref name="file"/> names it in messages and in the architecture's source.</summary>
    public static HuggingFaceImport Parse(string file, string text, string id, string? name = null)
    {
        if (!IdPattern().IsMatch(id))
        {
            throw new InvalidInputException($"--id '{id}' must be lower-case letters, digits, '-' and '.' (e.g. llama-3.2-1b).");
        }

        if (text.Length > MaxFileBytes)
        {
            throw new CatalogException($"{file}: the text is {text.Length} characters; a Hugging Face config.json is a few kB and at most {MaxFileBytes} (1 MiB) is read. Check that it is the config.json.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $":{line + 1}" : string.Empty;
            throw new CatalogException($"{file}{where}: not valid JSON ({FirstSentence(ex.Message)}). A Hugging Face config.json is one JSON object; fix the syntax or pass the right file.");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CatalogException($"{file}: the JSON is {Describe(document.RootElement)}, not an object; a Hugging Face config.json is one object of fields such as \"model_type\" and \"hidden_size\".");
            }

            return new Reader(file, document.RootElement).Read(id, name ?? id);
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end > 0 ? message[..end] : message.TrimEnd('.')).ReplaceLineEndings(" ");
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => "a list",
        JsonValueKind.String => $"the string {Quote(value.GetString() ?? string.Empty)}",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {value.GetRawText()}",
        JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        _ => value.ValueKind.ToString(),
    };

    private static string Quote(string text) => JsonSerializer.Serialize(text.Length > 40 ? text[..40] + "…" : text);

    private sealed class Reader(string file, JsonElement root)
    {
        private readonly List<string> _notes = [];

        public HuggingFaceImport Read(string id, string name)
        {
            var modelType = RootModelType();
            var type = Types[modelType];

            // Multimodal configs (and newer saves of some text models) nest the language model's fields in text_config.
            var text = root;
            var prefix = string.Empty;
            if (root.TryGetProperty("text_config", out var nested) && nested.ValueKind != JsonValueKind.Null)
            {
                if (nested.ValueKind != JsonValueKind.Object)
                {
                    throw Error($"'text_config' must be an object of the language model's fields, got {Describe(nested)}");
                }

                text = nested;
                prefix = "text_config.";
            }

            var fields = new Fields(this, text, prefix);
            var hidden = fields.Required("hidden_size");
            var layers = fields.Required("num_hidden_layers", ModelLimits.MaxLayers);
            var heads = fields.Required("num_attention_heads");
            var kvHeads = fields.Optional("num_key_value_heads") ?? heads;
            if (heads % kvHeads != 0)
            {
                throw Error($"'{prefix}num_key_value_heads' ({kvHeads}) must divide '{prefix}num_attention_heads' ({heads}): each key/value head serves a whole group of query heads");
            }

            var headDim = fields.Optional("head_dim", ModelLimits.MaxHeadDim) ?? type.DefaultHeadDim ?? HeadDimFromHidden(hidden, heads, prefix);
            var ffn = fields.Required("intermediate_size");
            var vocab = fields.Required("vocab_size");
            var context = fields.Optional("max_position_embeddings", ModelLimits.MaxContextTokens) ?? type.DefaultContext;
            var tied = fields.Bool("tie_word_embeddings") ?? (prefix.Length > 0 ? new Fields(this, root, string.Empty).Bool("tie_word_embeddings") : null) ?? type.TiedByDefault;
            var qkvBias = type.QkvBiasAlways || (fields.Bool("attention_bias") ?? false);
            if (!type.QkvBiasAlways && qkvBias)
            {
                _notes.Add("attention_bias is true: the q, k and v biases are counted; the output projection's bias (hidden_size values per layer) is not.");
            }

            if (fields.Bool("mlp_bias") == true)
            {
                _notes.Add("mlp_bias is true: the MLP's biases (a few thousand values per layer) are not counted.");
            }

            var window = Window(type, fields, prefix, context);
            var vision = type.HasVision ? Vision() : null;
            RequirePlausibleSize(hidden, layers, heads, kvHeads, headDim, ffn, vocab);

            var architecture = new LlmArchitecture(
                id,
                name,
                type.Family,
                hidden,
                layers,
                heads,
                kvHeads,
                headDim,
                ffn,
                vocab,
                tied,
                qkvBias,
                GatedFfn: true,
                context,
                window,
                PublishedParameters: null,
                Source: $"{file} (Hugging Face config.json, model_type {modelType})",
                Vision: vision);
            try
            {
                architecture.Validate();
            }
            catch (InvalidInputException ex)
            {
                throw Error($"the fields do not describe a valid model: {ex.Message.TrimEnd('.')}");
            }

            return new HuggingFaceImport(architecture, modelType, _notes);
        }

        public CatalogException Error(string message) => new($"{file}: {message}.");

        private string RootModelType()
        {
            if (!root.TryGetProperty("model_type", out var value) || value.ValueKind == JsonValueKind.Null)
            {
                throw Error($"'model_type' is missing; a Hugging Face config.json names its architecture there (one of {string.Join(", ", SupportedModelTypes)})");
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                throw Error($"'model_type' must be a string such as \"llama\", got {Describe(value)}");
            }

            var modelType = value.GetString()!;
            if (Types.ContainsKey(modelType))
            {
                return modelType;
            }

            var nearest = SupportedModelTypes.Select(t => (t, d: EditDistance.Between(modelType, t))).OrderBy(p => p.d).First();
            var suggestion = nearest.d <= Math.Max(2, modelType.Length / 3) ? $" Did you mean '{nearest.t}'?" : string.Empty;
            throw new CatalogException($"{file}: model_type {Quote(modelType)} is not supported.{suggestion} Supported: {string.Join(", ", SupportedModelTypes)}; describe other models in a model YAML file (docs/model-schema.md).");
        }

        private int HeadDimFromHidden(int hidden, int heads, string prefix)
        {
            if (hidden % heads != 0)
            {
                throw Error($"'{prefix}hidden_size' ({hidden}) is not a multiple of '{prefix}num_attention_heads' ({heads}) and there is no 'head_dim' to say the head size");
            }

            return hidden / heads;
        }

        private int? Window(ModelType type, Fields fields, string prefix, int context)
        {
            if (type.Window == WindowRule.None)
            {
                return null;
            }

            var present = fields.Has("sliding_window");
            var window = fields.Optional("sliding_window", ModelLimits.MaxContextTokens);
            if (!present)
            {
                window = type.DefaultWindow;
            }

            if (type.Window == WindowRule.WhenSwitchedOn && fields.Bool("use_sliding_window") != true)
            {
                if (window is { } unused && present)
                {
                    _notes.Add($"use_sliding_window is not true: {prefix}sliding_window {unused} does not apply; every layer attends to the whole context.");
                }

                return null;
            }

            if (window is { } w && w >= context)
            {
                _notes.Add($"{prefix}sliding_window {w} is not shorter than the context ({context} tokens): no window applies.");
                return null;
            }

            return window;
        }

        /// <summary>Qwen2.5-VL's vision tower (vision_config), with transformers' defaults for the fields older configs omit.</summary>
        private VisionEncoderSpec Vision()
        {
            if (!root.TryGetProperty("vision_config", out var v) || v.ValueKind != JsonValueKind.Object)
            {
                throw Error("'vision_config' is missing or not an object; a qwen2_5_vl config describes its vision tower there");
            }

            var f = new Fields(this, v, "vision_config.");
            var patch = f.Optional("patch_size", 1024) ?? 14;
            var windowPixels = f.Optional("window_size", 1 << 16) ?? 112;
            var fullLayers = new List<int>();
            if (v.TryGetProperty("fullatt_block_indexes", out var list) && list.ValueKind != JsonValueKind.Null)
            {
                if (list.ValueKind != JsonValueKind.Array)
                {
                    throw Error($"'vision_config.fullatt_block_indexes' must be a list of layer indices, got {Describe(list)}");
                }

                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var layer) || layer < 0 || layer > 100_000)
                    {
                        throw Error($"'vision_config.fullatt_block_indexes' entries must be layer indices (whole numbers from 0 to 100000), got {Describe(item)}");
                    }

                    fullLayers.Add(layer);
                }
            }
            else
            {
                fullLayers.AddRange([7, 15, 23, 31]);
            }

            return new VisionEncoderSpec(
                patch,
                f.Optional("temporal_patch_size", 16) ?? 2,
                f.Required("hidden_size"),
                f.Optional("depth", ModelLimits.MaxLayers) ?? 32,
                f.Optional("num_heads") ?? 16,
                f.Required("intermediate_size"),
                GatedMlp: true,
                f.Optional("spatial_merge_size", 16) ?? 2,
                f.Required("out_hidden_size"),
                Math.Max(1, windowPixels / patch),
                fullLayers,
                448,
                448);
        }

        private void RequirePlausibleSize(int hidden, int layers, int heads, int kvHeads, int headDim, int ffn, int vocab)
        {
            // Counted in floating point so that absurd sizes are refused here rather than overflowing the exact count.
            double q = (double)heads * headDim;
            double kv = (double)kvHeads * headDim;
            var perLayer = (hidden * (q + (2 * kv))) + (q * hidden) + (3.0 * hidden * ffn);
            var total = (layers * perLayer) + (2.0 * vocab * hidden);
            if (total > ModelLimits.MaxParameters)
            {
                throw Error($"the fields describe {total:0.###e0} parameters; more than {ModelLimits.MaxParameters:0e0} is not a real model. Check hidden_size, num_hidden_layers, intermediate_size and vocab_size");
            }
        }
    }

    /// <summary>Typed access to one object's fields, each error naming the field as the config spells it.</summary>
    private readonly struct Fields(Reader reader, JsonElement map, string prefix)
    {
        public bool Has(string key) => map.TryGetProperty(key, out _);

        public int Required(string key, int max = int.MaxValue) =>
            Optional(key, max) ?? throw reader.Error($"'{prefix}{key}' is missing; the architecture cannot be counted without it. Copy the model's config.json in full");

        /// <summary>A positive whole number, or null when the field is absent or null.</summary>
        public int? Optional(string key, int max = int.MaxValue)
        {
            if (!map.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.Number)
            {
                throw reader.Error($"'{prefix}{key}' must be a whole number, got {Describe(value)}");
            }

            var number = value.GetDouble();
            if (number != Math.Floor(number))
            {
                throw reader.Error($"'{prefix}{key}' must be a whole number, got {value.GetRawText()}");
            }

            if (number <= 0)
            {
                throw reader.Error($"'{prefix}{key}' must be positive, got {value.GetRawText()}");
            }

            if (number > max)
            {
                throw reader.Error($"'{prefix}{key}' is {value.GetRawText()}; at most {max.ToString(CultureInfo.InvariantCulture)} is accepted");
            }

            return (int)number;
        }

        public bool? Bool(string key)
        {
            if (!map.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw reader.Error($"'{prefix}{key}' must be true or false, got {Describe(value)}"),
            };
        }
    }
}
