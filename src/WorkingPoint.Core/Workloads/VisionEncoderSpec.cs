using WorkingPoint.Core.Workloads.Graphs;

namespace WorkingPoint.Core.Workloads;

/// <summary>How a vision tower hands its patch features to the language model.</summary>
public enum VisionConnector
{
    /// <summary>Qwen2.5-VL: RMSNorm, <c>SpatialMerge</c>² patches concatenated, a two-layer GELU MLP to the text width.</summary>
    Merger,

    /// <summary>Idefics3/SmolVLM: pixel shuffle (<c>SpatialMerge</c>² patches concatenated) and one bias-free linear projection.</summary>
    PixelShuffle,
}

/// <summary>
/// A VLM's vision tower: a ViT with patch embedding, pre-norm blocks (window or full attention), and a connector that folds
/// <see cref="SpatialMerge"/>² neighbouring patches into one image token projected to the language model's width.
/// </summary>
/// <param name="TemporalPatch">Frames per patch (Qwen2.5-VL embeds an image as two identical frames).</param>
/// <param name="WindowPatches">Side of the attention window in patches for windowed layers; null means all layers attend globally.</param>
/// <param name="FullAttentionLayers">Layers that attend globally when the others are windowed.</param>
/// <param name="Connector">Merger (Qwen2.5-VL) or pixel shuffle plus one projection (SmolVLM).</param>
/// <param name="LearnedPositions">Learned absolute position embeddings (SigLIP: (image side / patch)² of them); null for rotary positions, which hold no weights.</param>
/// <param name="LayerNorm">LayerNorm with a bias (and a biased patch embedding), as SigLIP; false for Qwen2.5-VL's RMSNorm and bias-free patch embedding.</param>
public sealed record VisionEncoderSpec(
    int PatchSize,
    int TemporalPatch,
    int Width,
    int Depth,
    int Heads,
    int MlpSize,
    bool GatedMlp,
    int SpatialMerge,
    int OutHidden,
    int? WindowPatches,
    IReadOnlyList<int> FullAttentionLayers,
    int DefaultImageWidth,
    int DefaultImageHeight,
    VisionConnector Connector = VisionConnector.Merger,
    int? LearnedPositions = null,
    bool LayerNorm = false)
{
    public int Alignment => PatchSize * SpatialMerge;

    public long Parameters => AsGraphModel("vision").Build(Alignment, Alignment).TotalParameters;

    /// <summary>Image tokens handed to the language model for an image of this size (after padding to the alignment).</summary>
    public long ImageTokens(int width, int height)
    {
        var (w, h) = (RoundUp(width), RoundUp(height));
        return (long)(w / PatchSize) * (h / PatchSize) / (SpatialMerge * SpatialMerge);
    }

    public GraphModel AsGraphModel(string ownerId) => new(
        $"{ownerId}-vision",
        $"{ownerId} vision encoder (ViT, patch {PatchSize}, {Depth}×{Width})",
        WorkloadCategory.VisionEncoder,
        Channels: 3 * TemporalPatch,
        DefaultImageWidth,
        DefaultImageHeight,
        Alignment,
        Define,
        Published: null,
        "model config vision_config");

    private int RoundUp(int value) => (value + Alignment - 1) / Alignment * Alignment;

    private Tensor Define(GraphBuilder b)
    {
        var headDim = Width / Heads;
        var x = b.Conv(b.Input, Width, PatchSize, PatchSize, bias: LayerNorm, padding: 0, name: "patch_embed");
        x = b.ToTokens(x, "patch_tokens");
        if (LearnedPositions is { } positions)
        {
            x = b.LearnedPositions(x, positions, "position_embedding");
        }

        var tokens = x.Height;
        var windowKeys = WindowPatches is { } side ? Math.Min(side * side, tokens) : tokens;
        for (var i = 0; i < Depth; i++)
        {
            var name = $"blocks.{i}";
            var keys = WindowPatches is null || FullAttentionLayers.Contains(i) ? tokens : windowKeys;
            var h = b.Normalize(x, shift: LayerNorm, $"{name}.norm1");
            h = b.Linear(h, 3 * Width, name: $"{name}.attn.qkv");
            h = b.Attention(h, Heads, headDim, keys, $"{name}.attn");
            h = b.Linear(h, Width, name: $"{name}.attn.proj");
            x = b.Add(x, h, $"{name}.add1");
            h = b.Normalize(x, shift: LayerNorm, $"{name}.norm2");
            if (GatedMlp)
            {
                var gate = b.Linear(h, MlpSize, activation: Activation.Silu, name: $"{name}.mlp.gate");
                var up = b.Linear(h, MlpSize, name: $"{name}.mlp.up");
                h = b.Multiply(gate, up, $"{name}.mlp.mul");
            }
            else
            {
                h = b.Linear(h, MlpSize, activation: Activation.Gelu, name: $"{name}.mlp.fc1");
            }

            h = b.Linear(h, Width, name: $"{name}.mlp.down");
            x = b.Add(x, h, $"{name}.add2");
        }

        if (Connector == VisionConnector.PixelShuffle)
        {
            x = b.Normalize(x, shift: LayerNorm, "post_norm");
            x = b.MergeTokens(x, SpatialMerge * SpatialMerge, "connector.pixel_shuffle");
            return b.Linear(x, OutHidden, bias: false, name: "connector.proj");
        }

        x = b.Normalize(x, shift: LayerNorm, "merger.norm");
        x = b.MergeTokens(x, SpatialMerge * SpatialMerge, "merger.merge");
        x = b.Linear(x, x.Channels, activation: Activation.Gelu, name: "merger.fc1");
        return b.Linear(x, OutHidden, name: "merger.fc2");
    }
}
