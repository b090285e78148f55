namespace WorkingPoint.Core.Workloads;

/// <summary>The decoder families the catalog and (later) the GGUF reader know; they differ in tensor layout.</summary>
public enum LlmFamily
{
    Llama,
    Qwen2,
    Gemma2,
    Phi3,

    /// <summary>Whisper's decoder: LayerNorm with biases, learned positions, self- and cross-attention, a GELU MLP.</summary>
    Whisper,
}

/// <summary>What a weight tensor does; decides which tensors llama.cpp quantizes harder or softer.</summary>
public enum LlmTensorRole
{
    TokenEmbedding,
    Output,
    Norm,
    AttnQ,
    AttnK,
    AttnV,
    AttnQkv,
    AttnOutput,
    AttnBias,
    FfnGate,
    FfnUp,
    FfnDown,

    /// <summary>Cross-attention key and value projections: applied once per request to the encoder states, not per token.</summary>
    CrossAttnKv,

    /// <summary>Learned position embeddings: one row read per token.</summary>
    PositionEmbedding,
}

/// <summary>One weight tensor, named as in GGUF files, as [Rows × RowLength] (GGUF's ne1 × ne0).</summary>
public sealed record LlmTensor(string Name, LlmTensorRole Role, int Layer, int LayerCount, long RowLength, long Rows, bool ServesAsOutput = false)
{
    public long Elements => RowLength * Rows;
}

/// <summary>
/// A decoder-only transformer (an LLM, or a VLM's language tower) from its published config.
/// Counts are derived from the config, never typed in; <see cref="PublishedParameters"/> is only there to check them.
/// </summary>
public sealed record LlmArchitecture(
    string Id,
    string Name,
    LlmFamily Family,
    int HiddenSize,
    int Layers,
    int AttentionHeads,
    int KvHeads,
    int HeadDim,
    int FfnSize,
    int VocabSize,
    bool TiedEmbeddings,
    bool QkvBias,
    bool GatedFfn,
    int MaxContext,
    int? SlidingWindow,
    long? PublishedParameters,
    string? Source,
    VisionEncoderSpec? Vision = null,
    AudioEncoderSpec? Audio = null)
{
    private IReadOnlyList<LlmTensor>? _tensors;

    /// <summary>Norms per block: two in Llama-style models, four in Gemma-2 (pre and post norms).</summary>
    public int NormsPerLayer => Family == LlmFamily.Gemma2 ? 4 : 2;

    /// <summary>All weight tensors in GGUF order and naming.</summary>
    public IReadOnlyList<LlmTensor> Tensors => _tensors ??= BuildTensors();

    public long Parameters => Tensors.Sum(t => t.Elements);

    /// <summary>Parameters of the language model plus, for a VLM, its vision encoder, and for a speech model, its audio encoder.</summary>
    public long TotalParameters => Parameters + (Vision?.Parameters ?? 0) + (Audio?.Parameters ?? 0);

    public long EmbeddingParameters => (long)VocabSize * HiddenSize;

    /// <summary>KV-cache elements one token adds across all layers.</summary>
    public long KvElementsPerToken => 2L * Layers * KvHeads * HeadDim;

    private IReadOnlyList<LlmTensor> BuildTensors()
    {
        if (Family == LlmFamily.Whisper)
        {
            return BuildWhisperDecoderTensors();
        }

        var list = new List<LlmTensor>();
        long q = (long)AttentionHeads * HeadDim;
        long kv = (long)KvHeads * HeadDim;
        list.Add(new LlmTensor("token_embd.weight", LlmTensorRole.TokenEmbedding, -1, Layers, HiddenSize, VocabSize, ServesAsOutput: TiedEmbeddings));
        for (var i = 0; i < Layers; i++)
        {
            LlmTensor T(string name, LlmTensorRole role, long rowLength, long rows) => new($"blk.{i}.{name}", role, i, Layers, rowLength, rows);
            list.Add(T("attn_norm.weight", LlmTensorRole.Norm, HiddenSize, 1));
            if (Family == LlmFamily.Phi3)
            {
                list.Add(T("attn_qkv.weight", LlmTensorRole.AttnQkv, HiddenSize, q + (2 * kv)));
            }
            else
            {
                list.Add(T("attn_q.weight", LlmTensorRole.AttnQ, HiddenSize, q));
                list.Add(T("attn_k.weight", LlmTensorRole.AttnK, HiddenSize, kv));
                list.Add(T("attn_v.weight", LlmTensorRole.AttnV, HiddenSize, kv));
            }

            if (QkvBias)
            {
                list.Add(T("attn_q.bias", LlmTensorRole.AttnBias, q, 1));
                list.Add(T("attn_k.bias", LlmTensorRole.AttnBias, kv, 1));
                list.Add(T("attn_v.bias", LlmTensorRole.AttnBias, kv, 1));
            }

            list.Add(T("attn_output.weight", LlmTensorRole.AttnOutput, q, HiddenSize));
            if (Family == LlmFamily.Gemma2)
            {
                list.Add(T("post_attention_norm.weight", LlmTensorRole.Norm, HiddenSize, 1));
            }

            list.Add(T("ffn_norm.weight", LlmTensorRole.Norm, HiddenSize, 1));
            if (Family == LlmFamily.Phi3)
            {
                // Phi-3 stores gate and up fused in one matrix of twice the FFN width.
                list.Add(T("ffn_up.weight", LlmTensorRole.FfnUp, HiddenSize, 2L * FfnSize));
            }
            else
            {
                if (GatedFfn)
                {
                    list.Add(T("ffn_gate.weight", LlmTensorRole.FfnGate, HiddenSize, FfnSize));
                }

                list.Add(T("ffn_up.weight", LlmTensorRole.FfnUp, HiddenSize, FfnSize));
            }

            list.Add(T("ffn_down.weight", LlmTensorRole.FfnDown, FfnSize, HiddenSize));
            if (Family == LlmFamily.Gemma2)
            {
                list.Add(T("post_ffw_norm.weight", LlmTensorRole.Norm, HiddenSize, 1));
            }
        }

        list.Add(new LlmTensor("output_norm.weight", LlmTensorRole.Norm, -1, Layers, HiddenSize, 1));
        if (!TiedEmbeddings)
        {
            list.Add(new LlmTensor("output.weight", LlmTensorRole.Output, -1, Layers, HiddenSize, VocabSize));
        }

        return list;
    }

    // Whisper's decoder as released (HF WhisperDecoder): biases on q, v and out but not k, in self- and cross-attention.
    private IReadOnlyList<LlmTensor> BuildWhisperDecoderTensors()
    {
        var list = new List<LlmTensor>
        {
            new("token_embd.weight", LlmTensorRole.TokenEmbedding, -1, Layers, HiddenSize, VocabSize, ServesAsOutput: true),
            new("position_embd.weight", LlmTensorRole.PositionEmbedding, -1, Layers, HiddenSize, MaxContext),
        };
        long d = HiddenSize;
        for (var i = 0; i < Layers; i++)
        {
            LlmTensor T(string name, LlmTensorRole role, long rowLength, long rows) => new($"blk.{i}.{name}", role, i, Layers, rowLength, rows);
            foreach (var (prefix, kRole, vRole) in new[] { ("attn", LlmTensorRole.AttnK, LlmTensorRole.AttnV), ("cross_attn", LlmTensorRole.CrossAttnKv, LlmTensorRole.CrossAttnKv) })
            {
                list.Add(T($"{prefix}_norm.weight", LlmTensorRole.Norm, d, 1));
                list.Add(T($"{prefix}_norm.bias", LlmTensorRole.Norm, d, 1));
                list.Add(T($"{prefix}_q.weight", LlmTensorRole.AttnQ, d, d));
                list.Add(T($"{prefix}_q.bias", LlmTensorRole.AttnBias, d, 1));
                list.Add(T($"{prefix}_k.weight", kRole, d, d));
                list.Add(T($"{prefix}_v.weight", vRole, d, d));
                list.Add(T($"{prefix}_v.bias", LlmTensorRole.AttnBias, d, 1));
                list.Add(T($"{prefix}_output.weight", LlmTensorRole.AttnOutput, d, d));
                list.Add(T($"{prefix}_output.bias", LlmTensorRole.AttnBias, d, 1));
            }

            list.Add(T("ffn_norm.weight", LlmTensorRole.Norm, d, 1));
            list.Add(T("ffn_norm.bias", LlmTensorRole.Norm, d, 1));
            list.Add(T("ffn_up.weight", LlmTensorRole.FfnUp, d, FfnSize));
            list.Add(T("ffn_up.bias", LlmTensorRole.AttnBias, FfnSize, 1));
            list.Add(T("ffn_down.weight", LlmTensorRole.FfnDown, FfnSize, d));
            list.Add(T("ffn_down.bias", LlmTensorRole.AttnBias, d, 1));
        }

        list.Add(new LlmTensor("output_norm.weight", LlmTensorRole.Norm, -1, Layers, HiddenSize, 1));
        list.Add(new LlmTensor("output_norm.bias", LlmTensorRole.Norm, -1, Layers, HiddenSize, 1));
        return list;
    }

    /// <summary>Checks the config is self-consistent; throws with the field named.</summary>
    public LlmArchitecture Validate()
    {
        Require(HiddenSize > 0, "hiddenSize must be positive");
        Require(Layers > 0, "layers must be positive");
        Require(AttentionHeads > 0, "attentionHeads must be positive");
        Require(KvHeads > 0 && AttentionHeads % KvHeads == 0, $"kvHeads ({KvHeads}) must divide attentionHeads ({AttentionHeads})");
        Require(HeadDim > 0, "headDim must be positive");
        Require(FfnSize > 0, "ffnSize must be positive");
        Require(VocabSize > 0, "vocabSize must be positive");
        Require(MaxContext > 0, "maxContext must be positive");
        Require((Family == LlmFamily.Whisper) == (Audio is not null), "a whisper model needs an audio: encoder, and only whisper models take one");
        return this;

        void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new InvalidInputException($"Model '{Id}': {message}.");
            }
        }
    }

    public override string ToString() => Id;
}
