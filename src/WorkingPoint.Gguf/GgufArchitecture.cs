using WorkingPoint.Core;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Gguf;

/// <summary>A GGUF file understood as an LLM: its architecture, each tensor's stored encoding, and what did not match.</summary>
public sealed record GgufModel(GgufFile File, LlmArchitecture Architecture, WeightFormat Weights, IReadOnlyList<GgufTensorInfo> OtherTensors)
{
    /// <summary>Bytes of all tensor data in the file, the exact figure the analytic model's weight bytes come from.</summary>
    public long TensorBytes => File.TensorDataBytes;
}

/// <summary>
/// The mapping between GGUF metadata (llama.cpp's key names per architecture) and <see cref="LlmArchitecture"/>, both ways:
/// reading a file into the model the predictor uses, and writing the metadata a synthesized file needs for llama.cpp to load it.
/// </summary>
public static class GgufArchitecture
{
    public static IReadOnlyDictionary<string, LlmFamily> Families { get; } = new Dictionary<string, LlmFamily>(StringComparer.Ordinal)
    {
        ["llama"] = LlmFamily.Llama,
        ["qwen2"] = LlmFamily.Qwen2,
        ["gemma2"] = LlmFamily.Gemma2,
        ["phi3"] = LlmFamily.Phi3,
        ["qwen3"] = LlmFamily.Qwen3,
        ["qwen3moe"] = LlmFamily.Qwen3Moe,
        ["gemma3"] = LlmFamily.Gemma3,
        ["gpt-oss"] = LlmFamily.GptOss,
    };

    /// <summary>The general.architecture llama.cpp gives a family: Mixtral is its "llama" with experts.</summary>
    public static string ArchitectureName(LlmFamily family) =>
        family == LlmFamily.Mixtral ? "llama" : Families.First(f => f.Value == family).Key;

    /// <summary>Families a GGUF file can hold (those of <see cref="Families"/>, and Mixtral as "llama" with experts).</summary>
    public static bool CanHold(LlmFamily family) => family == LlmFamily.Mixtral || Families.Values.Contains(family);

    /// <summary>llama.cpp's general.file_type numbers for the formats the synthesizer writes.</summary>
    private static readonly Dictionary<string, int> FileTypes = new(StringComparer.Ordinal)
    {
        ["fp32"] = 0, ["fp16"] = 1, ["q4_0"] = 2, ["q8_0"] = 7, ["q4_k_m"] = 15, ["q5_k_m"] = 17, ["q6_k"] = 18, ["bf16"] = 32,
    };

    private static readonly Dictionary<long, string> FileTypeNames = new()
    {
        [0] = "all f32", [1] = "mostly f16", [2] = "q4_0", [3] = "q4_1", [7] = "q8_0", [8] = "q5_0", [9] = "q5_1", [10] = "q2_K",
        [11] = "q3_K_S", [12] = "q3_K_M", [13] = "q3_K_L", [14] = "q4_K_S", [15] = "q4_K_M", [16] = "q5_K_S", [17] = "q5_K_M",
        [18] = "q6_K", [19] = "iq2_xxs", [20] = "iq2_xs", [23] = "iq3_xxs", [24] = "iq1_s", [25] = "iq4_nl", [26] = "iq3_s",
        [28] = "iq2_s", [30] = "iq4_xs", [31] = "iq1_m", [32] = "bf16", [36] = "tq1_0", [37] = "tq2_0", [38] = "mxfp4",
    };

    public static GgufModel Load(string path) => FromFile(GgufReader.Read(path));

    public static GgufModel FromFile(GgufFile file)
    {
        var path = file.Path;
        var archName = file.Architecture
            ?? throw new GgufFormatException($"{path}: no general.architecture in the metadata; it is not an LLM GGUF file (or was written by a tool that omits it).");
        if (!Families.TryGetValue(archName, out var family))
        {
            throw new GgufFormatException($"{path}: architecture '{archName}' is not supported (supported: {string.Join(", ", Families.Keys)}). Describe it in a model YAML file instead (docs/model-schema.md).");
        }

        int Required(string key) => Integer(file, $"{archName}.{key}")
            ?? throw new GgufFormatException($"{path}: metadata '{archName}.{key}' is missing; the file is incomplete for a {archName} model.");

        var hidden = Required("embedding_length");
        var layers = Required("block_count");
        var heads = Required("attention.head_count");
        var kvHeads = Integer(file, $"{archName}.attention.head_count_kv") ?? heads;
        var headDim = Integer(file, $"{archName}.attention.key_length") ?? (heads > 0 ? hidden / heads : 0);
        var ffn = Required("feed_forward_length");
        var context = Integer(file, $"{archName}.context_length") ?? 4096;
        var vocab = Integer(file, $"{archName}.vocab_size")
            ?? (file.Get("tokenizer.ggml.tokens") is { ArrayLength: > 0 } tokens ? tokens.ArrayLength : (int?)null)
            ?? (file.Tensor("token_embd.weight") is { Dimensions.Count: 2 } embedding ? (int)embedding.Dimensions[1] : 0);
        int? window = family is LlmFamily.Gemma2 or LlmFamily.Gemma3 or LlmFamily.GptOss ? Integer(file, $"{archName}.attention.sliding_window") : null;

        // Mixture of experts: llama.cpp's expert_* keys; a "llama" file with experts is Mixtral, whose experts are feed_forward_length wide.
        MixtureOfExperts? experts = null;
        if (Integer(file, $"{archName}.expert_count") is { } expertCount and > 0)
        {
            if (family == LlmFamily.Llama)
            {
                family = LlmFamily.Mixtral;
            }

            var sharedCount = Integer(file, $"{archName}.expert_shared_count") ?? 0;
            experts = new MixtureOfExperts(
                expertCount,
                Integer(file, $"{archName}.expert_used_count") ?? throw new GgufFormatException($"{path}: metadata '{archName}.expert_used_count' is missing; a model with {expertCount} experts must say how many each token uses."),
                Integer(file, $"{archName}.expert_feed_forward_length") ?? ffn,
                sharedCount,
                sharedCount > 0 ? Integer(file, $"{archName}.expert_shared_feed_forward_length") ?? ffn : 0,
                SharedExpertGate: file.Tensor("blk.0.ffn_gate_inp_shexp.weight") is not null,
                Biases: family == LlmFamily.GptOss);
        }

        var architecture = new LlmArchitecture(
            Id: System.IO.Path.GetFileNameWithoutExtension(path),
            Name: file.Get("general.name")?.AsString ?? System.IO.Path.GetFileName(path),
            Family: family,
            HiddenSize: hidden,
            Layers: layers,
            AttentionHeads: heads,
            KvHeads: kvHeads,
            HeadDim: headDim,
            FfnSize: ffn,
            VocabSize: vocab,
            TiedEmbeddings: file.Tensor("output.weight") is null,
            QkvBias: file.Tensor("blk.0.attn_q.bias") is not null,
            GatedFfn: family == LlmFamily.Phi3 || experts is not null || file.Tensor("blk.0.ffn_gate.weight") is not null,
            MaxContext: context,
            SlidingWindow: window,
            PublishedParameters: null,
            Source: path,
            Experts: experts);
        try
        {
            architecture.Validate();
        }
        catch (InvalidInputException ex)
        {
            throw new GgufFormatException($"{path}: the metadata does not describe a valid model: {ex.Message}");
        }

        var encodings = new Dictionary<string, TensorEncoding>(StringComparer.Ordinal);
        var byName = file.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var expected in architecture.Tensors)
        {
            if (!byName.TryGetValue(expected.Name, out var actual))
            {
                throw new GgufFormatException($"{path}: tensor '{expected.Name}' is missing; the metadata describes a {archName} model of {layers} blocks and the file does not hold it all.");
            }

            if (actual.RowLength != expected.RowLength || actual.Rows != expected.Rows)
            {
                throw new GgufFormatException($"{path}: tensor '{expected.Name}' is {actual.Shape} but the metadata implies [{expected.RowLength} × {expected.Rows}]. The file is inconsistent.");
            }

            encodings[expected.Name] = GgmlTypeLayout.Of(actual.Type).Encoding;
        }

        var known = architecture.Tensors.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var others = file.Tensors.Where(t => !known.Contains(t.Name)).ToArray();
        var fileType = Integer(file, "general.file_type") is { } ft && FileTypeNames.TryGetValue(ft, out var name) ? name : "mixed";
        var weights = WeightFormat.FromFile(fileType, $"as stored in {System.IO.Path.GetFileName(path)} ({fileType})", encodings, architecture.Tensors);
        return new GgufModel(file, architecture, weights, others);
    }

    /// <summary>The metadata llama.cpp needs to load <paramref name="architecture"/> in <paramref name="weights"/>, tokenizer included.</summary>
    public static IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata(LlmArchitecture architecture, WeightFormat weights)
    {
        var arch = ArchitectureName(architecture.Family);
        var list = new List<KeyValuePair<string, GgufValue>>();
        void Add(string key, GgufValue value) => list.Add(new(key, value));
        Add("general.architecture", GgufValue.Of(arch));
        Add("general.name", GgufValue.Of($"{architecture.Name} (synthetic, random weights)"));
        Add("general.file_type", GgufValue.Of((uint)(FileTypes.TryGetValue(weights.Id, out var ft) ? ft : 0)));
        Add("general.quantization_version", GgufValue.Of(2u));
        Add("general.alignment", GgufValue.Of((uint)GgufFile.DefaultAlignment));
        Add($"{arch}.context_length", GgufValue.Of((uint)architecture.MaxContext));
        Add($"{arch}.embedding_length", GgufValue.Of((uint)architecture.HiddenSize));
        Add($"{arch}.block_count", GgufValue.Of((uint)architecture.Layers));
        // Mixtral (llama.cpp's "llama" with experts) takes its experts' width from feed_forward_length.
        Add($"{arch}.feed_forward_length", GgufValue.Of((uint)(architecture.Family == LlmFamily.Mixtral && architecture.Experts is { } m ? m.ExpertFfnSize : architecture.FfnSize)));
        Add($"{arch}.attention.head_count", GgufValue.Of((uint)architecture.AttentionHeads));
        Add($"{arch}.attention.head_count_kv", GgufValue.Of((uint)architecture.KvHeads));
        Add($"{arch}.attention.key_length", GgufValue.Of((uint)architecture.HeadDim));
        Add($"{arch}.attention.value_length", GgufValue.Of((uint)architecture.HeadDim));
        Add($"{arch}.attention.layer_norm_rms_epsilon", GgufValue.Of(1e-6f));
        Add($"{arch}.rope.dimension_count", GgufValue.Of((uint)architecture.HeadDim));
        Add($"{arch}.rope.freq_base", GgufValue.Of(10000f));
        Add($"{arch}.vocab_size", GgufValue.Of((uint)architecture.VocabSize));
        if (architecture.Family == LlmFamily.Gemma2)
        {
            Add($"{arch}.attention.sliding_window", GgufValue.Of((uint)(architecture.SlidingWindow ?? 4096)));
            Add($"{arch}.attn_logit_softcapping", GgufValue.Of(50f));
            Add($"{arch}.final_logit_softcapping", GgufValue.Of(30f));
        }
        else if (architecture.Family is LlmFamily.Gemma3 or LlmFamily.GptOss && architecture.SlidingWindow is { } window)
        {
            Add($"{arch}.attention.sliding_window", GgufValue.Of((uint)window));
        }

        if (architecture.Experts is { } moe)
        {
            Add($"{arch}.expert_count", GgufValue.Of((uint)moe.ExpertCount));
            Add($"{arch}.expert_used_count", GgufValue.Of((uint)moe.ActiveExperts));
            if (architecture.Family != LlmFamily.Mixtral)
            {
                Add($"{arch}.expert_feed_forward_length", GgufValue.Of((uint)moe.ExpertFfnSize));
            }

            if (moe.SharedExperts > 0)
            {
                Add($"{arch}.expert_shared_count", GgufValue.Of((uint)moe.SharedExperts));
                Add($"{arch}.expert_shared_feed_forward_length", GgufValue.Of((uint)moe.SharedExpertFfnSize));
            }
        }

        list.AddRange(SyntheticTokenizer.Metadata(architecture.VocabSize, architecture.Family));
        return list;
    }

    private static int? Integer(GgufFile file, string key)
    {
        var value = file.Get(key);
        if (value is null)
        {
            return null;
        }

        return value.AsInteger is { } i and >= 0 and <= int.MaxValue
            ? (int)i
            : throw new GgufFormatException($"{file.Path}: metadata '{key}' is {value} where a non-negative integer is expected. The file is damaged.");
    }
}

/// <summary>
/// A SentencePiece-style vocabulary llama.cpp accepts: unknown, begin and end tokens, the 256 byte-fallback tokens, then
/// distinct filler pieces up to the architecture's vocabulary size. Benchmarks feed token ids, so the pieces' text is immaterial.
/// </summary>
public static class SyntheticTokenizer
{
    public const int BeginToken = 1;
    public const int EndToken = 2;
    public const int FirstOrdinaryToken = 3 + 256;

    /// <summary>Phi-3's chat tokens, from id 32000 in the real vocabulary; llama.cpp looks some of them up by text when it loads a phi3 model.</summary>
    private static readonly string[] Phi3ChatTokens =
        ["<|endoftext|>", "<|assistant|>", "<|placeholder1|>", "<|placeholder2|>", "<|placeholder3|>", "<|placeholder4|>", "<|system|>", "<|end|>", "<|placeholder5|>", "<|placeholder6|>", "<|user|>"];

    public static IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata(int vocabSize, LlmFamily family = LlmFamily.Llama)
    {
        if (vocabSize < FirstOrdinaryToken + 1)
        {
            throw new InvalidInputException($"A vocabulary of {vocabSize} is too small for a synthetic tokenizer (at least {FirstOrdinaryToken + 1}).");
        }

        var tokens = new object[vocabSize];
        var scores = new object[vocabSize];
        var types = new object[vocabSize];
        tokens[0] = "<unk>";
        tokens[1] = "<s>";
        tokens[2] = "</s>";
        types[0] = 2L; // unknown
        types[1] = 3L; // control
        types[2] = 3L;
        for (var b = 0; b < 256; b++)
        {
            tokens[3 + b] = $"<0x{b:X2}>";
            types[3 + b] = 6L; // byte
        }

        for (var i = FirstOrdinaryToken; i < vocabSize; i++)
        {
            tokens[i] = "\u2581" + Piece(i - FirstOrdinaryToken);
            types[i] = 1L; // normal
        }

        if (family == LlmFamily.Phi3)
        {
            // Where the real vocabulary has them (32000…), or at its end in a smaller test vocabulary.
            var first = vocabSize >= 32000 + Phi3ChatTokens.Length ? 32000 : vocabSize - Phi3ChatTokens.Length;
            for (var k = 0; k < Phi3ChatTokens.Length; k++)
            {
                tokens[first + k] = Phi3ChatTokens[k];
                types[first + k] = 3L; // control
            }
        }

        for (var i = 0; i < vocabSize; i++)
        {
            scores[i] = i < FirstOrdinaryToken ? 0.0 : -(double)(i - FirstOrdinaryToken);
        }

        return
        [
            new("tokenizer.ggml.model", GgufValue.Of("llama")),
            new("tokenizer.ggml.tokens", GgufValue.Array(GgufValueType.String, tokens)),
            new("tokenizer.ggml.scores", GgufValue.Array(GgufValueType.Float32, scores)),
            new("tokenizer.ggml.token_type", GgufValue.Array(GgufValueType.Int32, types)),
            new("tokenizer.ggml.unknown_token_id", GgufValue.Of(0u)),
            new("tokenizer.ggml.bos_token_id", GgufValue.Of((uint)BeginToken)),
            new("tokenizer.ggml.eos_token_id", GgufValue.Of((uint)EndToken)),
            new("tokenizer.ggml.add_bos_token", GgufValue.Of(true)),
        ];
    }

    // Distinct lowercase strings: a, b, …, z, aa, ab, …
    private static string Piece(int index)
    {
        Span<char> chars = stackalloc char[8];
        var n = 0;
        index++;
        while (index > 0)
        {
            index--;
            chars[n++] = (char)('a' + (index % 26));
            index /= 26;
        }

        chars[..n].Reverse();
        return new string(chars[..n]);
    }
}
