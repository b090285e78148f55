using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Core.Analysis;

/// <summary>
/// An LLM in one weight and KV format, reduced to the per-token quantities the decode and prefill formulas need.
/// Built once per (model, format); predictions then cost a few arithmetic operations.
/// </summary>
public sealed class LlmWorkload
{
    public LlmWorkload(LlmArchitecture architecture, WeightFormat weights, KvCacheFormat kvCache)
    {
        Architecture = architecture;
        Weights = weights;
        KvCache = kvCache;
        double totalBytes = 0, embeddingBytes = 0, matrixParams = 0, lmHeadParams = 0, positionBytes = 0, crossKvParams = 0, crossKvBytes = 0;
        foreach (var tensor in architecture.Tensors)
        {
            var bytes = weights.EncodingFor(tensor).BytesFor(tensor.RowLength, tensor.Rows);
            totalBytes += bytes;
            if (tensor.Role == LlmTensorRole.PositionEmbedding)
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

    /// <summary>Weight bytes read per decode step.</summary>
    public double DecodeWeightBytes { get; }

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
