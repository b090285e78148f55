using WorkingPoint.Core.Workloads.Graphs;

namespace WorkingPoint.Core.Workloads.Zoo;

/// <summary>Image enhancement networks: super-resolution and denoising, run on the luma channel as in the Hailo model zoo.</summary>
public static class Enhancement
{
    public static GraphModel EspcnX2() => new(
        "espcn-x2",
        "ESPCN ×2 super-resolution (luma)",
        WorkloadCategory.Enhancement,
        Channels: 1,
        DefaultWidth: 240,
        DefaultHeight: 156,
        Alignment: 1,
        b =>
        {
            var x = b.Conv(b.Input, 64, 5, activation: Activation.Tanh, name: "conv1");
            x = b.Conv(x, 32, 3, activation: Activation.Tanh, name: "conv2");
            x = b.Conv(x, 1 * 2 * 2, 3, name: "conv3");
            return b.PixelShuffle(x, 2, "pixel_shuffle");
        },
        new PublishedFigures(20_000, 1.6e9, 156, 240, "Hailo model zoo super-resolution table: espcn_x2 0.02 M params, 1.6 GOPs at 156×240", ParameterStep: 10_000, OpsStep: 0.1e9),
        "Shi et al. 2016, 'Real-Time Single Image and Video Super-Resolution Using an Efficient Sub-Pixel CNN' (5×5·64, 3×3·32, 3×3·r², pixel shuffle)");

    public static GraphModel DnCnn3() => new(
        "dncnn3",
        "DnCNN-3 blind denoising / deblocking / SISR (luma, depth 20)",
        WorkloadCategory.Enhancement,
        Channels: 1,
        DefaultWidth: 481,
        DefaultHeight: 321,
        Alignment: 1,
        b =>
        {
            var x = b.Conv(b.Input, 64, 3, activation: Activation.Relu, name: "conv1");
            for (var i = 2; i <= 19; i++)
            {
                x = b.Conv(x, 64, 3, activation: Activation.Relu, name: $"conv{i}");
            }

            var noise = b.Conv(x, 1, 3, name: "conv20");

            // Residual learning: the network predicts the noise, which is subtracted from the input.
            return b.Add(b.Input, noise, "subtract");
        },
        new PublishedFigures(660_000, 205e9, 321, 481, "Hailo model zoo denoise table: dncnn3 0.66 M params, 205 GOPs at 321×481", ParameterStep: 10_000, OpsStep: 1e9),
        "Zhang et al. 2017, 'Beyond a Gaussian Denoiser' (DnCNN-3: depth 20, 64 channels, BN folded)");
}
