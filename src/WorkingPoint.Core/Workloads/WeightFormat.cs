using WorkingPoint.Core.Hardware;

namespace WorkingPoint.Core.Workloads;

/// <summary>The rule that picks each tensor's encoding.</summary>
public enum QuantizationMix
{
    /// <summary>Every weight matrix in the same encoding.</summary>
    Uniform,

    /// <summary>llama.cpp's rule for a "pure" type: every matrix in it, the output projection in q6_K (q8_0 where rows do not fit 256).</summary>
    LlamaCppOutputQ6K,

    /// <summary>llama.cpp Q4_K_M: q4_K, with q6_K for the output, half the attn_v and ffn_down matrices (first and last eighth, every third between), q5_K for fused qkv.</summary>
    LlamaCppQ4KM,

    /// <summary>llama.cpp Q5_K_M: as Q4_K_M one step up.</summary>
    LlamaCppQ5KM,
}

/// <summary>A weight format as a user names it (<c>--weights q4_k_m</c>): the encodings it uses and the precision its arithmetic runs at.</summary>
public sealed record WeightFormat(string Id, string Description, Precision ComputePrecision, TensorEncoding Main, QuantizationMix Mix)
{
    public static readonly WeightFormat Fp32 = new("fp32", "IEEE fp32", Precision.Fp32, TensorEncoding.F32, QuantizationMix.Uniform);
    public static readonly WeightFormat Fp16 = new("fp16", "IEEE fp16", Precision.Fp16, TensorEncoding.F16, QuantizationMix.Uniform);
    public static readonly WeightFormat Bf16 = new("bf16", "bfloat16", Precision.Bf16, TensorEncoding.Bf16, QuantizationMix.Uniform);
    public static readonly WeightFormat Int8 = new("int8", "int8 weights, per-channel fp32 scales, int8 arithmetic (W8A8)", Precision.Int8, TensorEncoding.Int8PerRow, QuantizationMix.Uniform);
    public static readonly WeightFormat Int4 = new("int4", "int4 weights, fp16 scale per 128 (GPTQ/AWQ-style), int4 arithmetic where the part has it", Precision.Int4, TensorEncoding.Int4Group128, QuantizationMix.Uniform);
    public static readonly WeightFormat Q8_0 = new("q8_0", "llama.cpp Q8_0 (8.5 bits/weight)", Precision.Int8, TensorEncoding.Q8_0, QuantizationMix.LlamaCppOutputQ6K);
    public static readonly WeightFormat Q4_0 = new("q4_0", "llama.cpp Q4_0 (4.5 bits/weight, output q6_K)", Precision.Int4, TensorEncoding.Q4_0, QuantizationMix.LlamaCppOutputQ6K);
    public static readonly WeightFormat Q4_K_M = new("q4_k_m", "llama.cpp Q4_K_M (q4_K/q6_K mix, about 4.8–4.9 bits/weight)", Precision.Int4, TensorEncoding.Q4_K, QuantizationMix.LlamaCppQ4KM);
    public static readonly WeightFormat Q5_K_M = new("q5_k_m", "llama.cpp Q5_K_M (q5_K/q6_K mix)", Precision.Int8, TensorEncoding.Q5_K, QuantizationMix.LlamaCppQ5KM);
    public static readonly WeightFormat Q6_K = new("q6_k", "llama.cpp Q6_K (6.56 bits/weight)", Precision.Int8, TensorEncoding.Q6_K, QuantizationMix.LlamaCppOutputQ6K);

    public static IReadOnlyList<WeightFormat> All { get; } = [Fp32, Fp16, Bf16, Int8, Int4, Q8_0, Q4_0, Q4_K_M, Q5_K_M, Q6_K];

    public static bool TryParse(string? id, out WeightFormat format)
    {
        var key = id?.Trim().ToLowerInvariant();
        format = All.FirstOrDefault(f => f.Id == key)!;
        return format is not null;
    }

    public static WeightFormat Parse(string id) =>
        TryParse(id, out var format)
            ? format
            : throw new InvalidInputException($"Unknown weight format '{id}'. Use one of: {string.Join(", ", All.Select(f => f.Id))}.");

    /// <summary>Bytes per activation element when computing in this format.</summary>
    public double ActivationBytes => ComputePrecision.ActivationBytes();

    /// <summary>
    /// Each tensor's encoding as a file states it (a GGUF file's own tensor types), by GGUF tensor name; such a format describes
    /// one file exactly instead of applying a rule.
    /// </summary>
    public IReadOnlyDictionary<string, TensorEncoding>? TensorEncodings { get; init; }

    /// <summary>A format read from a file: every tensor's encoding given; the arithmetic precision follows the encoding holding most bytes.</summary>
    public static WeightFormat FromFile(string id, string description, IReadOnlyDictionary<string, TensorEncoding> encodings, IEnumerable<LlmTensor> tensors)
    {
        var dominant = tensors
            .Where(t => encodings.ContainsKey(t.Name))
            .GroupBy(t => encodings[t.Name])
            .OrderByDescending(g => g.Sum(t => g.Key.BytesFor(t.RowLength, t.Rows)))
            .Select(g => g.Key)
            .FirstOrDefault() ?? TensorEncoding.F32;
        return new WeightFormat(id, description, PrecisionOf(dominant), dominant, QuantizationMix.Uniform) { TensorEncodings = encodings };
    }

    /// <summary>The arithmetic a runtime does on weights stored this way: float formats as themselves, blocks of 5 bits or more in int8, fewer in int4.</summary>
    public static Precision PrecisionOf(TensorEncoding encoding) => encoding.Id switch
    {
        "f32" => Precision.Fp32,
        "f16" => Precision.Fp16,
        "bf16" => Precision.Bf16,
        _ => encoding.BitsPerWeight >= 5 ? Precision.Int8 : Precision.Int4,
    };

    /// <summary>The encoding of an LLM tensor under this format's mix (1-D tensors stay f32 as in GGUF files).</summary>
    public TensorEncoding EncodingFor(LlmTensor tensor)
    {
        if (TensorEncodings is not null && TensorEncodings.TryGetValue(tensor.Name, out var stated))
        {
            return stated;
        }

        // Vectors (per-expert bias rows included) and mixture-of-experts routers stay f32, as llama.cpp's quantizer leaves them.
        if (tensor.RowsPerExpert == 1 || tensor.Role == LlmTensorRole.ExpertRouter)
        {
            return TensorEncoding.F32;
        }

        var isOutput = tensor.Role == LlmTensorRole.Output || (tensor.Role == LlmTensorRole.TokenEmbedding && tensor.ServesAsOutput);
        var chosen = Mix switch
        {
            QuantizationMix.Uniform => Main,
            QuantizationMix.LlamaCppOutputQ6K => isOutput && Main != TensorEncoding.Q8_0 ? TensorEncoding.Q6_K : Main,
            QuantizationMix.LlamaCppQ4KM or QuantizationMix.LlamaCppQ5KM => KQuantMix(tensor, isOutput),
            _ => Main,
        };
        return chosen.ForRowLength(tensor.RowLength);
    }

    private TensorEncoding KQuantMix(LlmTensor tensor, bool isOutput)
    {
        if (isOutput)
        {
            return TensorEncoding.Q6_K;
        }

        return tensor.Role switch
        {
            LlmTensorRole.AttnV or LlmTensorRole.FfnDown when UseMoreBits(tensor.Layer, tensor.LayerCount) => TensorEncoding.Q6_K,
            LlmTensorRole.AttnQkv => Mix == QuantizationMix.LlamaCppQ4KM ? TensorEncoding.Q5_K : TensorEncoding.Q6_K,
            _ => Main,
        };
    }

    // llama.cpp's use_more_bits: the first and last eighth of the layers, and every third layer between.
    private static bool UseMoreBits(int layer, int layers) =>
        layer < layers / 8 || layer >= 7 * layers / 8 || (layer - (layers / 8)) % 3 == 2;

    public override string ToString() => Id;
}

/// <summary>Precision of the KV cache.</summary>
public sealed record KvCacheFormat(string Id, double BytesPerElement)
{
    public static readonly KvCacheFormat F32 = new("f32", 4);
    public static readonly KvCacheFormat F16 = new("f16", 2);
    public static readonly KvCacheFormat Q8_0 = new("q8_0", 34 / 32.0);
    public static readonly KvCacheFormat Q4_0 = new("q4_0", 18 / 32.0);

    public static IReadOnlyList<KvCacheFormat> All { get; } = [F32, F16, Q8_0, Q4_0];

    public static KvCacheFormat Parse(string id)
    {
        var key = id.Trim().ToLowerInvariant() switch { "fp16" => "f16", "fp32" => "f32", "int8" => "q8_0", "int4" => "q4_0", var k => k };
        return All.FirstOrDefault(f => f.Id == key)
            ?? throw new InvalidInputException($"Unknown KV-cache format '{id}'. Use one of: {string.Join(", ", All.Select(f => f.Id))}.");
    }

    public override string ToString() => Id;
}
