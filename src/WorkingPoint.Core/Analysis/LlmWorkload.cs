using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Core.Analysis;

/// <summary>Where a mixture-of-experts model's routed expert weights are held while it runs.</summary>
public enum ExpertPlacement
{
    /// <summary>With the other weights (DRAM, or on chip where everything fits): every step reads its experts from there.</summary>
    WithWeights,

    /// <summary>
    /// In host memory behind the compute unit's host link (llama.cpp's experts-in-system-RAM offload seen from the accelerator):
    /// the distinct experts a step routes to cross the link every step; they take no device memory.
    /// </summary>
    Host,
}

/// <summary>
/// An LLM in one weight and KV format, reduced to the per-token quantities the decode and prefill formulas need.
/// Built once per (model, format); predictions then cost a few arithmetic operations.
/// </summary>
public sealed class LlmWorkload
{
    public LlmWorkload(LlmArchitecture architecture, WeightFormat weights, KvCacheFormat kvCache, ExpertPlacement expertsIn = ExpertPlacement.WithWeights)
    {
        Architecture = architecture;
        Weights = weights;
        KvCache = kvCache;
        if (expertsIn != ExpertPlacement.WithWeights && architecture.Experts is null)
        {
            throw new InvalidInputException($"Model '{architecture.Id}' has no experts to place in {expertsIn.ToString().ToLowerInvariant()} memory; --experts-in applies to mixture-of-experts models only.");
        }

        ExpertsIn = expertsIn;
        double totalBytes = 0, embeddingBytes = 0, matrixParams = 0, lmHeadParams = 0, positionBytes = 0, crossKvParams = 0, crossKvBytes = 0, routedBytes = 0;
        var activeShare = architecture.Experts is { } moe ? (double)moe.ActiveExperts / moe.ExpertCount : 1;
        foreach (var tensor in architecture.Tensors)
        {
            var bytes = weights.EncodingFor(tensor).BytesFor(tensor.RowLength, tensor.Rows);
            totalBytes += bytes;
            if (tensor.Experts > 1)
            {
                // Routed experts: stored whole, read per step only for the experts the tokens chose; each token computes k of E.
                routedBytes += bytes;
                if (tensor.RowsPerExpert > 1)
                {
                    matrixParams += tensor.Elements * activeShare;
                }
            }
            else if (tensor.Role == LlmTensorRole.PositionEmbedding)
            {
                positionBytes = bytes;
            }
            else if (tensor.Role == LlmTensorRole.CrossAttnKv)
            {
                crossKvParams += tensor.Elements;
                crossKvBytes += bytes;
            }
            else if (tensor.Role == LlmTensorRole.TokenEmbedding)
            {
                embeddingBytes = bytes;
                if (tensor.ServesAsOutput)
                {
                    lmHeadParams = tensor.Elements;
                    LmHeadBytes = bytes;
                }
            }
            else if (tensor.Role == LlmTensorRole.Output)
            {
                lmHeadParams = tensor.Elements;
                LmHeadBytes = bytes;
            }
            else if (tensor.Rows > 1)
            {
                matrixParams += tensor.Elements;
            }
        }

        WeightBytes = totalBytes;

        // Decoding reads every matrix once per step; of the embedding table only one row, unless it doubles as the output projection.
        var embeddingRowBytes = embeddingBytes / architecture.VocabSize;
        DecodeWeightBytes = architecture.TiedEmbeddings ? totalBytes : totalBytes - embeddingBytes + embeddingRowBytes;

        // Learned positions: one row per step. Cross-attention k/v projections run once per request over the encoder states.
        DecodeWeightBytes -= positionBytes - (positionBytes / architecture.MaxContext) + crossKvBytes;
        CrossKvWeightBytes = crossKvBytes;
        RoutedExpertBytes = routedBytes;
        _nonExpertDecodeWeightBytes = DecodeWeightBytes - routedBytes;
        if (architecture.Experts is { } experts)
        {
            DecodeWeightBytes = DecodeWeightBytesFor(1);
            ActiveExpertsPerToken = experts.ActiveExperts;
        }

        if (architecture.Audio is { } audio)
        {
            var positions = audio.Positions;
            CrossAttentionOpsPerToken = 4.0 * architecture.AttentionHeads * architecture.HeadDim * positions * architecture.Layers;
            CrossKvBytes = 2.0 * architecture.KvHeads * architecture.HeadDim * positions * kvCache.BytesPerElement * architecture.Layers;
            CrossKvProjectionOps = 2 * crossKvParams * positions;
        }
        BodyMatmulOpsPerToken = 2 * matrixParams;
        LmHeadOpsPerToken = 2 * lmHeadParams;
        KvBytesPerTokenPerLayer = 2.0 * architecture.KvHeads * architecture.HeadDim * kvCache.BytesPerElement;
        KvBytesPerToken = KvBytesPerTokenPerLayer * architecture.Layers;

        // QKᵀ and AV: 2 MACs per head dimension per context token per head, 2 ops per MAC.
        AttentionOpsPerContextTokenPerLayer = 4.0 * architecture.AttentionHeads * architecture.HeadDim;
        if (architecture.SlidingWindow is { } window)
        {
            // The family's (or the file's) pattern of windowed and global layers, e.g. Gemma-2 half and half, Gemma-3 5:1.
            SlidingLayers = architecture.WindowedLayers;
            SlidingWindow = window;
        }

        FullLayers = architecture.Layers - SlidingLayers;
        ComputePrecision = weights.ComputePrecision;
    }

    public LlmArchitecture Architecture { get; }

    public WeightFormat Weights { get; }

    public KvCacheFormat KvCache { get; }

    /// <summary>All weights as stored (what must fit in memory).</summary>
    public double WeightBytes { get; }

    private readonly double _nonExpertDecodeWeightBytes;

    /// <summary>Weight bytes read per decode step of one sequence (for a mixture of experts: k of E routed experts per layer).</summary>
    public double DecodeWeightBytes { get; }

    /// <summary>Where the routed experts are held (mixture-of-experts models).</summary>
    public ExpertPlacement ExpertsIn { get; }

    /// <summary>Bytes of all routed experts as stored (0 for a dense model); all of them must be held somewhere.</summary>
    public double RoutedExpertBytes { get; }

    /// <summary>Routed experts each token runs per layer (0 for a dense model).</summary>
    public int ActiveExpertsPerToken { get; }

    /// <summary>
    /// The share of the routed experts' bytes one pass over <paramref name="tokens"/> tokens reads: the expected number of
    /// distinct experts per layer over E (see <see cref="MixtureOfExperts.ExpectedDistinctExperts"/>); 1 for a dense model.
    /// </summary>
    public double ExpertReadFraction(double tokens) =>
        Architecture.Experts is { } moe ? moe.ExpectedDistinctExperts(tokens) / moe.ExpertCount : 1;

    /// <summary>Bytes of routed experts a pass over <paramref name="tokens"/> tokens (a batch's decode step, a prefill chunk) reads.</summary>
    public double ExpertBytesFor(double tokens) => RoutedExpertBytes * ExpertReadFraction(tokens);

    /// <summary>Weight bytes a pass over <paramref name="tokens"/> tokens reads: the dense part once, plus the distinct experts chosen.</summary>
    public double DecodeWeightBytesFor(double tokens) =>
        RoutedExpertBytes == 0 ? DecodeWeightBytes : _nonExpertDecodeWeightBytes + ExpertBytesFor(tokens);

    /// <summary>Weight bytes that must sit in the compute unit's memory: all of them unless the experts are held in host memory.</summary>
    public double ResidentWeightBytes => ExpertsIn == ExpertPlacement.Host ? WeightBytes - RoutedExpertBytes : WeightBytes;

    /// <summary>Matrix ops per token in the transformer blocks (excluding the output projection).</summary>
    /// <summary>Bytes of the output projection (the embedding table when tied).</summary>
    public double LmHeadBytes { get; }

    public double BodyMatmulOpsPerToken { get; }

    public double LmHeadOpsPerToken { get; }

    public double KvBytesPerTokenPerLayer { get; }

    public double KvBytesPerToken { get; }

    public double AttentionOpsPerContextTokenPerLayer { get; }

    public int FullLayers { get; }

    public int SlidingLayers { get; }

    public int SlidingWindow { get; } = int.MaxValue;

    public Precision ComputePrecision { get; }

    /// <summary>Cross-attention (speech models): ops per decoded token over the encoder states, all layers.</summary>
    public double CrossAttentionOpsPerToken { get; }

    /// <summary>Cross-attention keys and values of one request's encoder states, all layers: written once, read every step.</summary>
    public double CrossKvBytes { get; }

    /// <summary>Ops of projecting the encoder states to cross-attention keys and values, once per request.</summary>
    public double CrossKvProjectionOps { get; }

    /// <summary>Bytes of the cross-attention k/v projection weights, read once per request.</summary>
    public double CrossKvWeightBytes { get; }

    /// <summary>Bits per weight over the whole file, block scales included.</summary>
    public double AverageBitsPerWeight => WeightBytes * 8 / Architecture.Parameters;

    /// <summary>Effective context the attention of one new token spans, summed over layers (window-limited layers capped).</summary>
    public double AttendedTokenLayers(double context) =>
        (FullLayers * context) + (SlidingLayers * Math.Min(context, SlidingWindow));

    public override string ToString() => $"{Architecture.Id} {Weights.Id} kv:{KvCache.Id}";
}
