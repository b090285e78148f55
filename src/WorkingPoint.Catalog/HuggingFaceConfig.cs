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
    /// <param name="FieldDefaults">Defaults for fields that are otherwise required: Gemma-3's nested text_config is saved as a
    /// difference from Gemma3TextConfig's defaults, so its published configs leave the heads and vocabulary out.</param>
    private sealed record ModelType(
        LlmFamily Family,
        bool TiedByDefault,
        int DefaultContext,
        int? DefaultHeadDim = null,
        bool QkvBiasAlways = false,
        bool AttentionBiasByDefault = false,
        WindowRule Window = WindowRule.None,
        int? DefaultWindow = null,
        VisionRule Vision = VisionRule.None,
        ExpertsRule Experts = ExpertsRule.None,
        IReadOnlyDictionary<string, int>? FieldDefaults = null);

    /// <summary>What a model type's vision_config is to the import.</summary>
    private enum VisionRule
    {
        None,

        /// <summary>Qwen2.5-VL's windowed ViT, read into the vision encoder.</summary>
        QwenWindowedVit,

        /// <summary>A vision tower the model does not describe (Gemma-3's SigLIP): the language model only, with a note.</summary>
        NotModelled,
    }

    /// <summary>Where a model type's routed experts are described.</summary>
    private enum ExpertsRule
    {
        None,

        /// <summary>num_experts, num_experts_per_tok, moe_intermediate_size (every layer sparse).</summary>
        Qwen3Moe,

        /// <summary>As Qwen3Moe, plus one shared expert shared_expert_intermediate_size wide behind a sigmoid gate.</summary>
        Qwen2Moe,

        /// <summary>num_local_experts, num_experts_per_tok, each expert intermediate_size wide.</summary>
        Mixtral,

        /// <summary>As Mixtral, with biases on the router and experts; experts_per_token is the original name of the top-k.</summary>
        GptOss,
    }

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

    private static readonly Dictionary<string, int> Gemma3TextDefaults = new(StringComparer.Ordinal)
    {
        ["vocab_size"] = 262_208, ["hidden_size"] = 2304, ["intermediate_size"] = 9216, ["num_hidden_layers"] = 26,
        ["num_attention_heads"] = 8, ["num_key_value_heads"] = 4,
    };

    private static readonly Dictionary<string, ModelType> Types = new(StringComparer.Ordinal)
    {
        ["llama"] = new(LlmFamily.Llama, TiedByDefault: false, DefaultContext: 2048),
        // Mistral is Llama-shaped (llama.cpp converts it to its llama architecture) with a sliding window, 4096 unless set.
        ["mistral"] = new(LlmFamily.Llama, TiedByDefault: false, DefaultContext: 4096 * 32, Window: WindowRule.AsGiven, DefaultWindow: 4096),
        // Qwen2's attention always has q/k/v biases (not a config field).
        ["qwen2"] = new(LlmFamily.Qwen2, TiedByDefault: false, DefaultContext: 32768, QkvBiasAlways: true, Window: WindowRule.WhenSwitchedOn, DefaultWindow: 4096),
        ["qwen2_5_vl"] = new(LlmFamily.Qwen2, TiedByDefault: false, DefaultContext: 128000, QkvBiasAlways: true, Window: WindowRule.WhenSwitchedOn, DefaultWindow: 4096, Vision: VisionRule.QwenWindowedVit),
        ["qwen3"] = new(LlmFamily.Qwen3, TiedByDefault: false, DefaultContext: 32768, DefaultHeadDim: 128, Window: WindowRule.WhenSwitchedOn, DefaultWindow: 4096),
        // Qwen2-MoE keeps Qwen2's always-on q/k/v biases.
        ["qwen2_moe"] = new(LlmFamily.Qwen2Moe, TiedByDefault: false, DefaultContext: 8192, QkvBiasAlways: true, Window: WindowRule.WhenSwitchedOn, DefaultWindow: 4096, Experts: ExpertsRule.Qwen2Moe),
        ["qwen3_moe"] = new(LlmFamily.Qwen3Moe, TiedByDefault: false, DefaultContext: 32768, Window: WindowRule.WhenSwitchedOn, DefaultWindow: 4096, Experts: ExpertsRule.Qwen3Moe),
        ["gemma2"] = new(LlmFamily.Gemma2, TiedByDefault: true, DefaultContext: 8192, DefaultHeadDim: 256, Window: WindowRule.AsGiven, DefaultWindow: 4096),
        ["gemma3_text"] = new(LlmFamily.Gemma3, TiedByDefault: true, DefaultContext: 131072, DefaultHeadDim: 256, Window: WindowRule.AsGiven, DefaultWindow: 4096, FieldDefaults: Gemma3TextDefaults),
        ["gemma3"] = new(LlmFamily.Gemma3, TiedByDefault: true, DefaultContext: 131072, DefaultHeadDim: 256, Window: WindowRule.AsGiven, DefaultWindow: 4096, Vision: VisionRule.NotModelled, FieldDefaults: Gemma3TextDefaults),
        ["phi3"] = new(LlmFamily.Phi3, TiedByDefault: false, DefaultContext: 4096, Window: WindowRule.AsGiven),
        ["mixtral"] = new(LlmFamily.Mixtral, TiedByDefault: false, DefaultContext: 4096 * 32, Window: WindowRule.AsGiven, Experts: ExpertsRule.Mixtral),
        ["gpt_oss"] = new(LlmFamily.GptOss, TiedByDefault: false, DefaultContext: 131072, DefaultHeadDim: 64, AttentionBiasByDefault: true, Window: WindowRule.AsGiven, DefaultWindow: 128, Experts: ExpertsRule.GptOss),
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
        JsonValueKind.Number => $"the number {Clip(value.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {Clip(value.GetRawText())}",
        JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        _ => value.ValueKind.ToString(),
    };

    private static string Clip(string text) => text.Length > 40 ? text[..40] + "…" : text;

    private static string Quote(string text) => JsonSerializer.Serialize(text.Length > 40 ? text[..40] + "…" : text);

    private sealed class Reader(string file, JsonElement root)
    {
        private readonly List<string> _notes = [];
        private readonly List<string> _defaulted = [];

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

            var fields = new Fields(this, text, prefix, type.FieldDefaults, _defaulted);
            var hidden = fields.Required("hidden_size");
            var layers = fields.Required("num_hidden_layers", ModelLimits.MaxLayers);
            var heads = fields.Required("num_attention_heads");
            var kvHeads = fields.Optional("num_key_value_heads") ?? fields.Default("num_key_value_heads") ?? heads;
            if (heads % kvHeads != 0)
            {
                throw Error($"'{prefix}num_key_value_heads' ({kvHeads}) must divide '{prefix}num_attention_heads' ({heads}): each key/value head serves a whole group of query heads");
            }

            var headDim = fields.Optional("head_dim", ModelLimits.MaxHeadDim) ?? Defaulted("head_dim", type.DefaultHeadDim) ?? HeadDimFromHidden(hidden, heads, prefix);
            var ffn = fields.Required("intermediate_size");
            var vocab = fields.Required("vocab_size");

            var context = fields.Optional("max_position_embeddings", ModelLimits.MaxContextTokens) ?? Defaulted("max_position_embeddings", type.DefaultContext)!.Value;
            if (_defaulted.Count > 0)
            {
                _notes.Add($"Not in the file, so transformers' {modelType} defaults apply: {string.Join(", ", _defaulted)}.");
            }

            var tied = fields.Bool("tie_word_embeddings") ?? (prefix.Length > 0 ? new Fields(this, root, string.Empty).Bool("tie_word_embeddings") : null) ?? type.TiedByDefault;
            var qkvBias = type.QkvBiasAlways || (fields.Bool("attention_bias") ?? type.AttentionBiasByDefault);
            if (!type.QkvBiasAlways && qkvBias && type.Family != LlmFamily.GptOss)
            {
                _notes.Add("attention_bias is true: the q, k and v biases are counted; the output projection's bias (hidden_size values per layer) is not.");
            }

            if (fields.Bool("mlp_bias") == true)
            {
                _notes.Add("mlp_bias is true: the MLP's biases (a few thousand values per layer) are not counted.");
            }

            var (window, pattern) = Window(type, fields, prefix, context, layers);
            var vision = type.Vision switch
            {
                VisionRule.QwenWindowedVit => Vision(),
                VisionRule.NotModelled when root.TryGetProperty("vision_config", out _) =>
                    NoteVision("vision_config describes a vision tower this model does not (SigLIP): the language model only; images are not predicted"),
                _ => null,
            };
            var experts = Experts(type, fields, prefix, layers);
            RequirePlausibleSize(hidden, layers, heads, kvHeads, headDim, experts is { } e ? (long)e.ExpertCount * e.ExpertFfnSize : ffn, vocab);

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
                Vision: vision,
                Experts: experts,
                SlidingWindowPattern: pattern);
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

        private int? Defaulted(string key, int? value)
        {
            if (value is { } v)
            {
                _defaulted.Add($"{key} {v.ToString(CultureInfo.InvariantCulture)}");
            }

            return value;
        }

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

        /// <summary>The window and, where it differs from the family's, the period of windowed layers (null: the family's).</summary>
        private (int? Window, int? Pattern) Window(ModelType type, Fields fields, string prefix, int context, int layers)
        {
            if (type.Window == WindowRule.None)
            {
                return (null, null);
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

                return (null, null);
            }

            if (window is not { } w)
            {
                return (null, null);
            }

            if (w >= context)
            {
                _notes.Add($"{prefix}sliding_window {w} is not shorter than the context ({context} tokens): no window applies.");
                return (null, null);
            }

            var sliding = SlidingLayers(type, fields, prefix, layers);
            if (sliding is null)
            {
                return (w, null);
            }

            var pattern = Pattern(sliding, prefix);
            if (pattern == 0)
            {
                _notes.Add($"No layer uses {prefix}sliding_window {w}: every layer attends to the whole context.");
                return (null, null);
            }

            return (w, pattern == SlidingWindowLayers.DefaultPattern(type.Family) ? null : pattern);
        }

        /// <summary>Which layers are windowed, where the config says (null: the family's usual layout applies).</summary>
        private bool[]? SlidingLayers(ModelType type, Fields fields, string prefix, int layers)
        {
            if (fields.Get("layer_types") is { ValueKind: not JsonValueKind.Null } types)
            {
                if (types.ValueKind != JsonValueKind.Array || types.GetArrayLength() != layers)
                {
                    throw Error($"'{prefix}layer_types' must list one attention type per layer ({layers}), got {Describe(types)}{(types.ValueKind == JsonValueKind.Array ? $" of {types.GetArrayLength()}" : string.Empty)}");
                }

                return [.. types.EnumerateArray().Select(t => t.ValueKind == JsonValueKind.String ? t.GetString() switch
                {
                    "sliding_attention" => true,
                    "full_attention" => false,
                    var other => throw Error($"'{prefix}layer_types' has {Quote(other ?? string.Empty)}; the model knows sliding_attention and full_attention"),
                }
                : throw Error($"'{prefix}layer_types' entries must be strings, got {Describe(t)}"))];
            }

            // Gemma-3's original name for the period: layer i is windowed unless (i + 1) is a multiple of it.
            if (fields.Optional("sliding_window_pattern", ModelLimits.MaxLayers) is { } period)
            {
                return [.. Enumerable.Range(0, layers).Select(i => (i + 1) % period != 0)];
            }

            // Qwen2/Qwen3 with the window switched on: the layers from max_window_layers up use it.
            if (type.Window == WindowRule.WhenSwitchedOn)
            {
                var first = fields.Optional("max_window_layers", ModelLimits.MaxLayers, min: 0) ?? 28;
                return [.. Enumerable.Range(0, layers).Select(i => i >= first)];
            }

            return null;
        }

        /// <summary>
        /// The period P such that all but the last layer of every P are windowed (1: all), matching <paramref name="sliding"/>;
        /// 0 when no layer is windowed. A layout no period describes is approximated by the period with the nearest count.
        /// </summary>
        private int Pattern(bool[] sliding, string prefix)
        {
            var count = sliding.Count(s => s);
            if (count == 0)
            {
                return 0;
            }

            var n = sliding.Length;
            for (var period = 1; period <= n; period++)
            {
                if (Enumerable.Range(0, n).All(i => sliding[i] == (period == 1 || ((i + 1) % period) != 0)))
                {
                    return period;
                }
            }

            int Windowed(int period) => period == 1 ? n : n - (n / period);
            var nearest = Enumerable.Range(1, n).MinBy(p => Math.Abs(Windowed(p) - count));
            _notes.Add($"{prefix}layer_types windows {count} of {n} layers in no repeating pattern: modelled as {Windowed(nearest)} windowed layers (one full-attention layer in every {nearest}).");
            return nearest;
        }

        private MixtureOfExperts? Experts(ModelType type, Fields fields, string prefix, int layers)
        {
            if (type.Experts == ExpertsRule.None)
            {
                return null;
            }

            // transformers maps num_experts and num_local_experts onto each other; each family's configs use one of them.
            var qwenStyle = type.Experts is ExpertsRule.Qwen3Moe or ExpertsRule.Qwen2Moe;
            var (usual, alias) = qwenStyle ? ("num_experts", "num_local_experts") : ("num_local_experts", "num_experts");
            var countKey = !fields.Has(usual) && fields.Has(alias) ? alias : usual;
            var activeKey = fields.Has("num_experts_per_tok") || !fields.Has("experts_per_token") ? "num_experts_per_tok" : "experts_per_token";
            var count = fields.Required(countKey, 1 << 16);
            var active = fields.Required(activeKey, 1 << 16);
            if (active > count)
            {
                throw Error($"'{prefix}{activeKey}' ({active}) must not exceed '{prefix}{countKey}' ({count})");
            }

            if (qwenStyle)
            {
                var step = fields.Optional("decoder_sparse_step", ModelLimits.MaxLayers) ?? 1;
                var denseLayers = fields.Get("mlp_only_layers") is { ValueKind: JsonValueKind.Array } dense ? dense.GetArrayLength() : 0;
                if (step != 1 || denseLayers > 0)
                {
                    throw Error($"'{prefix}decoder_sparse_step' {step} and {denseLayers} 'mlp_only_layers' make some of the {layers} layers dense; the model describes experts in every layer. Describe it in a model YAML file instead (docs/model-schema.md)");
                }

                if (type.Experts == ExpertsRule.Qwen2Moe)
                {
                    // One shared expert in every sparse block, its output scaled by sigmoid(shared_expert_gate · x).
                    return new MixtureOfExperts(count, active, fields.Required("moe_intermediate_size"), SharedExperts: 1, SharedExpertFfnSize: fields.Required("shared_expert_intermediate_size"), SharedExpertGate: true);
                }

                return new MixtureOfExperts(count, active, fields.Required("moe_intermediate_size"));
            }

            return new MixtureOfExperts(count, active, fields.Required("intermediate_size"), Biases: type.Experts == ExpertsRule.GptOss);
        }

        private VisionEncoderSpec? NoteVision(string note)
        {
            _notes.Add(note + ".");
            return null;
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

        private void RequirePlausibleSize(int hidden, int layers, int heads, int kvHeads, int headDim, double ffn, int vocab)
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
    private readonly struct Fields(Reader reader, JsonElement map, string prefix, IReadOnlyDictionary<string, int>? defaults = null, List<string>? defaulted = null)
    {
        public bool Has(string key) => map.TryGetProperty(key, out _);

        public JsonElement? Get(string key) => map.TryGetProperty(key, out var value) ? value : null;

        public int Required(string key, int max = int.MaxValue) =>
            Optional(key, max) ?? Default(key)
            ?? throw reader.Error($"'{prefix}{key}' is missing; the architecture cannot be counted without it. Copy the model's config.json in full");

        /// <summary>The model type's default for a field the file leaves out, recorded so that the import can say so.</summary>
        public int? Default(string key)
        {
            if (defaults is null || !defaults.TryGetValue(key, out var value) || (map.TryGetProperty(key, out var given) && given.ValueKind != JsonValueKind.Null))
            {
                return null;
            }

            defaulted?.Add($"{key} {value.ToString(CultureInfo.InvariantCulture)}");
            return value;
        }

        /// <summary>A positive whole number (or from <paramref name="min"/>), or null when the field is absent or null.</summary>
        public int? Optional(string key, int max = int.MaxValue, int min = 1)
        {
            if (!map.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.Number)
            {
                throw reader.Error($"'{prefix}{key}' must be a whole number, got {Describe(value)}");
            }

            // A number past double's range (1e400) does not parse as a double; it is too large either way.
            if (!value.TryGetDouble(out var number))
            {
                throw reader.Error($"'{prefix}{key}' is {Clip(value.GetRawText())}, out of range; give a whole number from {min} to {max.ToString(CultureInfo.InvariantCulture)}");
            }

            if (number != Math.Floor(number))
            {
                throw reader.Error($"'{prefix}{key}' must be a whole number, got {Clip(value.GetRawText())}");
            }

            if (number < min)
            {
                throw reader.Error($"'{prefix}{key}' must be {(min == 1 ? "positive" : $"at least {min}")}, got {Clip(value.GetRawText())}");
            }

            if (number > max)
            {
                throw reader.Error($"'{prefix}{key}' is {Clip(value.GetRawText())}; at most {max.ToString(CultureInfo.InvariantCulture)} is accepted");
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
