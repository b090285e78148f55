namespace WorkingPoint.Core.Workloads;

/// <summary>The decoder families the catalog and (later) the GGUF reader know; they differ in tensor layout.</summary>
public enum LlmFamily
{
    Llama,
    Qwen2,
    Gemma2,
    Phi3,

    /// <summary>Qwen3: Llama layout without qkv biases, plus an RMS norm over each head's queries and keys (attn_q_norm, attn_k_norm).</summary>
    Qwen3,

    /// <summary>Qwen3-MoE: Qwen3's attention with routed experts in every block (no shared expert).</summary>
    Qwen3Moe,

    /// <summary>
    /// Qwen2-MoE (Qwen1.5-MoE-A2.7B, Qwen2-57B-A14B): Qwen2's attention (q, k, v biases, no q/k norms) with routed experts plus
    /// one shared expert behind a sigmoid gate in every block.
    /// </summary>
    Qwen2Moe,

    /// <summary>Gemma-3's text model: Gemma-2's four norms per block plus per-head q/k norms; five sliding-window layers per global one.</summary>
    Gemma3,

    /// <summary>Mixtral: Llama's layout with routed experts in every block (llama.cpp runs it as architecture "llama").</summary>
    Mixtral,

    /// <summary>
    /// gpt-oss: biases on q, k, v and out, one learned attention-sink logit per head, sliding-window (128) and global layers
    /// alternating, routed experts with biases on the router and every expert projection.
    /// </summary>
    GptOss,

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

    /// <summary>A mixture-of-experts router (ffn_gate_inp): hidden → one logit per expert, read by every token.</summary>
    ExpertRouter,

    /// <summary>Per-head learned attention-sink logits (gpt-oss).</summary>
    AttnSinks,
}

/// <summary>
/// The routed feed-forward of a mixture-of-experts model: each token's router picks <see cref="ActiveExperts"/> of
/// <see cref="ExpertCount"/> experts (each a gated FFN of <see cref="ExpertFfnSize"/>); <see cref="SharedExperts"/> more run for
/// every token. Tensors as llama.cpp stores them: experts stacked in 3-D tensors (ffn_gate_exps, ffn_up_exps, ffn_down_exps),
/// the shared expert(s) fused in ffn_gate_shexp/ffn_up_shexp/ffn_down_shexp.
/// </summary>
/// <param name="SharedExpertGate">A sigmoid gate on the shared expert's output (Qwen2-MoE's ffn_gate_inp_shexp).</param>
/// <param name="Biases">Biases on the router and on every expert projection (gpt-oss).</param>
public sealed record MixtureOfExperts(int ExpertCount, int ActiveExperts, int ExpertFfnSize, int SharedExperts = 0, int SharedExpertFfnSize = 0, bool SharedExpertGate = false, bool Biases = false)
{
    /// <summary>Width of the fused shared-expert FFN.</summary>
    public long SharedFfnWidth => (long)SharedExperts * SharedExpertFfnSize;

    /// <summary>
    /// Expected number of distinct routed experts one layer reads in a decode step of <paramref name="tokens"/> tokens, assuming
    /// each token's top-k set is a uniformly random k-subset drawn independently of the other tokens: an expert is missed by
    /// one token with probability (E−k)/E, by all with ((E−k)/E)^B.
    /// </summary>
    public double ExpectedDistinctExperts(double tokens) =>
        tokens <= 0 ? 0 : ExpertCount * (1 - Math.Pow((double)(ExpertCount - ActiveExperts) / ExpertCount, tokens));
}

/// <summary>How an architecture's layers use a sliding attention window.</summary>
public static class SlidingWindowLayers
{
    /// <summary>
    /// The family's period: in each group of that many layers all but the last use the window (Gemma-2 and gpt-oss 2,
    /// Gemma-3 6); 1 means every layer is windowed (Mistral v0.1's layout).
    /// </summary>
    public static int DefaultPattern(LlmFamily family) => family switch
    {
        LlmFamily.Gemma2 or LlmFamily.GptOss => 2,
        LlmFamily.Gemma3 => 6,
        _ => 1,
    };
}

/// <summary>One weight tensor, named as in GGUF files, as [Rows × RowLength] (GGUF's ne1 × ne0).</summary>
/// <remarks>
/// A mixture-of-experts tensor stacks <see cref="Experts"/> matrices (GGUF's third dimension, ne2); <see cref="Rows"/> counts the rows
/// of all of them, so storage and element counts need no special case, and each expert owns Rows / Experts of them.
/// </remarks>
public sealed record LlmTensor(string Name, LlmTensorRole Role, int Layer, int LayerCount, long RowLength, long Rows, bool ServesAsOutput = false, int Experts = 1)
{
    public long Elements => RowLength * Rows;

    /// <summary>Rows of one expert's matrix (all rows for an ordinary tensor).</summary>
    public long RowsPerExpert => Rows / Experts;
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
    AudioEncoderSpec? Audio = null,
    MixtureOfExperts? Experts = null,
    int? SlidingWindowPattern = null)
{
    private IReadOnlyList<LlmTensor>? _tensors;

    /// <summary>Norms per block: two in Llama-style models, four in Gemma-2 and Gemma-3 (pre and post norms).</summary>
    public int NormsPerLayer => HasPostNorms ? 4 : 2;

    /// <summary>Gemma-2/3 normalize after attention and after the FFN as well as before.</summary>
    private bool HasPostNorms => Family is LlmFamily.Gemma2 or LlmFamily.Gemma3;

    /// <summary>Qwen3 and Gemma-3 RMS-normalize each head's queries and keys.</summary>
    private bool HasQkNorms => Family is LlmFamily.Qwen3 or LlmFamily.Qwen3Moe or LlmFamily.Gemma3;

    /// <summary>The sliding-window period in effect: the file's own, else the family's (see <see cref="SlidingWindowLayers"/>).</summary>
    public int EffectiveSlidingWindowPattern => SlidingWindowPattern ?? SlidingWindowLayers.DefaultPattern(Family);

    /// <summary>Layers that attend only within <see cref="SlidingWindow"/>; 0 without a window.</summary>
    public int WindowedLayers => SlidingWindow is null ? 0
        : EffectiveSlidingWindowPattern == 1 ? Layers
        : Layers - (Layers / EffectiveSlidingWindowPattern);

    /// <summary>All weight tensors in GGUF order and naming.</summary>
    public IReadOnlyList<LlmTensor> Tensors => _tensors ??= BuildTensors();

    public long Parameters => Tensors.Sum(t => t.Elements);

    /// <summary>
    /// Parameters one token uses: everything but the routed experts, plus <see cref="MixtureOfExperts.ActiveExperts"/> of them
    /// (the embedding table counts whole, as in <see cref="Parameters"/>). Equal to <see cref="Parameters"/> for a dense model.
    /// </summary>
    public long ActiveParameters => Experts is { } moe
        ? Tensors.Sum(t => t.Experts > 1 ? t.Elements / t.Experts * moe.ActiveExperts : t.Elements)
        : Parameters;

    /// <summary>Parameters of the routed experts (all of them), the part a decode step reads only partly.</summary>
    public long RoutedExpertParameters => Tensors.Where(t => t.Experts > 1).Sum(t => t.Elements);

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

            if (HasQkNorms)
            {
                list.Add(T("attn_q_norm.weight", LlmTensorRole.Norm, HeadDim, 1));
                list.Add(T("attn_k_norm.weight", LlmTensorRole.Norm, HeadDim, 1));
            }

            list.Add(T("attn_output.weight", LlmTensorRole.AttnOutput, q, HiddenSize));
            if (Family == LlmFamily.GptOss)
            {
                list.Add(T("attn_output.bias", LlmTensorRole.AttnBias, HiddenSize, 1));
                list.Add(T("attn_sinks.weight", LlmTensorRole.AttnSinks, AttentionHeads, 1));

                // llama.cpp names gpt-oss's pre-FFN norm post_attention_norm.
                list.Add(T("post_attention_norm.weight", LlmTensorRole.Norm, HiddenSize, 1));
            }
            else
            {
                if (HasPostNorms)
                {
                    list.Add(T("post_attention_norm.weight", LlmTensorRole.Norm, HiddenSize, 1));
                }

                list.Add(T("ffn_norm.weight", LlmTensorRole.Norm, HiddenSize, 1));
            }

            if (Experts is { } moe)
            {
                AddExperts(list, i, moe);
                continue;
            }

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
            if (HasPostNorms)
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

    // A routed FFN as llama.cpp stores it: the router, experts stacked along a third dimension, then any shared expert.
    private void AddExperts(List<LlmTensor> list, int layer, MixtureOfExperts moe)
    {
        long e = moe.ExpertCount, f = moe.ExpertFfnSize, d = HiddenSize;
        LlmTensor T(string name, LlmTensorRole role, long rowLength, long rows, int experts = 1) => new($"blk.{layer}.{name}", role, layer, Layers, rowLength, rows * experts, Experts: experts);
        list.Add(T("ffn_gate_inp.weight", LlmTensorRole.ExpertRouter, d, e));
        if (moe.Biases)
        {
            list.Add(T("ffn_gate_inp.bias", LlmTensorRole.AttnBias, e, 1));
        }

        list.Add(T("ffn_gate_exps.weight", LlmTensorRole.FfnGate, d, f, moe.ExpertCount));
        list.Add(T("ffn_down_exps.weight", LlmTensorRole.FfnDown, f, d, moe.ExpertCount));
        list.Add(T("ffn_up_exps.weight", LlmTensorRole.FfnUp, d, f, moe.ExpertCount));
        if (moe.Biases)
        {
            // One bias row per expert: [width × experts], read with its expert.
            list.Add(T("ffn_gate_exps.bias", LlmTensorRole.AttnBias, f, 1, moe.ExpertCount));
            list.Add(T("ffn_down_exps.bias", LlmTensorRole.AttnBias, d, 1, moe.ExpertCount));
            list.Add(T("ffn_up_exps.bias", LlmTensorRole.AttnBias, f, 1, moe.ExpertCount));
        }

        if (moe.SharedExperts > 0)
        {
            if (moe.SharedExpertGate)
            {
                list.Add(T("ffn_gate_inp_shexp.weight", LlmTensorRole.ExpertRouter, d, 1));
            }

            list.Add(T("ffn_gate_shexp.weight", LlmTensorRole.FfnGate, d, moe.SharedFfnWidth));
            list.Add(T("ffn_down_shexp.weight", LlmTensorRole.FfnDown, moe.SharedFfnWidth, d));
            list.Add(T("ffn_up_shexp.weight", LlmTensorRole.FfnUp, d, moe.SharedFfnWidth));
        }
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

    /// <summary>
    /// A bound far above any real model (Llama 3.1 405B has 126 blocks) that keeps a damaged figure (one flipped byte in a GGUF
    /// header reads as 184 million blocks) from building a tensor list that never ends.
    /// </summary>
    public const int MaxLayers = 10_000;

    /// <summary>Checks the config is self-consistent; throws with the field named.</summary>
    public LlmArchitecture Validate()
    {
        Require(HiddenSize > 0, "hiddenSize must be positive");
        Require(Layers > 0, "layers must be positive");
        Require(Layers <= MaxLayers, $"layers ({Layers}) is more than 10,000; the largest published models have about 130, so the figure is damaged or a typo");
        Require(AttentionHeads > 0, "attentionHeads must be positive");
        Require(KvHeads > 0 && AttentionHeads % KvHeads == 0, $"kvHeads ({KvHeads}) must divide attentionHeads ({AttentionHeads})");
        Require(HeadDim > 0, "headDim must be positive");
        Require(FfnSize > 0, "ffnSize must be positive");
        Require(VocabSize > 0, "vocabSize must be positive");
        Require(MaxContext > 0, "maxContext must be positive");
        Require((Family == LlmFamily.Whisper) == (Audio is not null), "a whisper model needs an audio: encoder, and only whisper models take one");
        var needsExperts = Family is LlmFamily.Qwen3Moe or LlmFamily.Qwen2Moe or LlmFamily.Mixtral or LlmFamily.GptOss;
        Require(!needsExperts || Experts is not null, $"a {Family.ToString().ToLowerInvariant()} model routes its FFN to experts: give an experts: block (count, active, ffnSize)");
        Require(Experts is null || Family is not (LlmFamily.Whisper or LlmFamily.Phi3), $"experts: is not supported for the {Family.ToString().ToLowerInvariant()} family");
        if (Experts is { } moe)
        {
            Require(moe.ExpertCount >= 2, $"experts.count ({moe.ExpertCount}) must be at least 2");
            Require(moe.ActiveExperts >= 1 && moe.ActiveExperts <= moe.ExpertCount, $"experts.active ({moe.ActiveExperts}) must be from 1 to experts.count ({moe.ExpertCount})");
            Require(moe.ExpertFfnSize > 0, "experts.ffnSize must be positive");
            Require(moe.SharedExperts >= 0, "experts.shared must not be negative");
            Require(moe.SharedExperts == 0 || moe.SharedExpertFfnSize > 0, "experts.sharedFfnSize must be positive when experts.shared is");
            Require(!moe.SharedExpertGate || moe.SharedExperts > 0, "experts.sharedGate needs a shared expert (experts.shared ≥ 1)");
            Require(moe.Biases == (Family == LlmFamily.GptOss), "experts.biases is gpt-oss's layout and only its");
            Require(Family != LlmFamily.Mixtral || moe.ExpertFfnSize == FfnSize, $"a mixtral model's experts are its FFN: experts.ffnSize ({moe.ExpertFfnSize}) must equal ffnSize ({FfnSize})");
        }

        Require(SlidingWindowPattern is null or >= 1, "slidingWindowPattern must be at least 1 (1: every layer windowed)");
        Require(SlidingWindowPattern is null || SlidingWindow is not null, "slidingWindowPattern needs a slidingWindow");
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
