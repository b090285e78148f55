using WorkingPoint.Core.Workloads.Graphs;

namespace WorkingPoint.Core.Workloads;

/// <summary>
/// A speech model's audio encoder (Whisper): a 30-second window of <see cref="MelBins"/> log-mel features at 100 frames per
/// second, two 1-D convolutions of kernel 3 (the second of stride 2, halving the frames into <see cref="Positions"/>), then
/// pre-norm transformer blocks. The decoder cross-attends to the <see cref="Positions"/> encoder states.
/// </summary>
/// <remarks>
/// The graph IR has square 2-D kernels only, so each 1-D convolution is laid out as a linear layer over unfolded frames: the
/// first over 3 × mels inputs (exactly its MACs), the second over pairs of frames (2 × width inputs, two thirds of its MACs
/// and weights; the block stack dominates the encoder). <see cref="Parameters"/> counts the real convolutions.
/// </remarks>
public sealed record AudioEncoderSpec(int MelBins, int Frames, int Width, int Depth, int Heads, int MlpSize)
{
    /// <summary>Seconds of audio one encoder pass covers (Whisper pads or cuts every input to 30 s).</summary>
    public const double WindowSeconds = 30;

    /// <summary>Encoder states the decoder attends to (frames halved by the strided convolution).</summary>
    public int Positions => Frames / 2;

    /// <summary>Convolutions, sinusoidal positions (stored as weights in released checkpoints), blocks and the final norm.</summary>
    public long Parameters
    {
        get
        {
            long d = Width;
            var conv = (3L * MelBins * d) + d + (3 * d * d) + d;
            var block = (4 * d * d) + (3 * d) + (2L * d * MlpSize) + MlpSize + d + (4 * d);
            return conv + ((long)Positions * d) + (Depth * block) + (2 * d);
        }
    }

    /// <summary>Encoder passes for a clip: one per started 30-second window.</summary>
    public static int Windows(double seconds) => Math.Max(1, (int)Math.Ceiling(seconds / WindowSeconds));

    public GraphModel AsGraphModel(string ownerId) => new(
        $"{ownerId}-audio",
        $"{ownerId} audio encoder (conv stem, {Depth}×{Width} transformer)",
        WorkloadCategory.Speech,
        Channels: 3 * MelBins,
        DefaultWidth: Frames,
        DefaultHeight: 1,
        Alignment: 1,
        Define,
        Published: null,
        "model config (d_model, encoder_layers, encoder_attention_heads, encoder_ffn_dim, num_mel_bins)");

    private Tensor Define(GraphBuilder b)
    {
        var headDim = Width / Heads;
        var x = b.ToTokens(b.Input, "mel_frames");
        x = b.Linear(x, Width, activation: Activation.Gelu, name: "conv1");
        x = b.MergeTokens(x, 2, "conv2.stride2");
        x = b.Linear(x, Width, activation: Activation.Gelu, name: "conv2");
        var tokens = x.Height;
        for (var i = 0; i < Depth; i++)
        {
            var name = $"blocks.{i}";
            var h = b.Normalize(x, shift: true, $"{name}.attn_ln");
            h = b.Linear(h, 3 * Width, name: $"{name}.attn.qkv");
            h = b.Attention(h, Heads, headDim, tokens, $"{name}.attn");
            h = b.Linear(h, Width, name: $"{name}.attn.out");
            x = b.Add(x, h, $"{name}.add1");
            h = b.Normalize(x, shift: true, $"{name}.mlp_ln");
            h = b.Linear(h, MlpSize, activation: Activation.Gelu, name: $"{name}.mlp.fc1");
            h = b.Linear(h, Width, name: $"{name}.mlp.fc2");
            x = b.Add(x, h, $"{name}.add2");
        }

        return b.Normalize(x, shift: true, "ln_post");
    }
}
