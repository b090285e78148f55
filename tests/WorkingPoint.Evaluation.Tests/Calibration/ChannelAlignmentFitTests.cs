using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Zoo;
using WorkingPoint.Evaluation.Calibration;

namespace WorkingPoint.Evaluation.Tests.Calibration;

/// <summary>A network latency made by the model itself at known profile figures, on a catalog platform.</summary>
internal sealed record NetworkRow(string ModelId, string PlatformId, WeightFormat Weights, double Measured) : ICalibrationRow
{
    /// <summary>The model's latency for this row's network and platform through <paramref name="runtime"/>, in seconds.</summary>
    public double PredictedSeconds(Runtime runtime) =>
        GraphPredictor.Predict(
            ModelZoo.GraphModels.Single(m => m.Id == ModelId).Build(),
            Ceilings.For(Catalog.Catalog.BuiltIn.ResolvePlatform(PlatformId), runtime, WorkloadKind.Network, Weights.Id),
            Weights).Latency.Value;
}

public sealed class ChannelAlignmentFitTests
{
    private static readonly string[] Models = ["yolov8n", "yolov8s", "yolov8m", "resnet-50", "espcn-x2", "dncnn3"];

    private static readonly string[] Platforms = ["jetson-orin-nx-16gb", "jetson-orin-nano-8gb"];

    private static readonly Runtime TensorRt = Catalog.Catalog.BuiltIn.ResolveRuntime("tensorrt");

    private static readonly ParameterSpace Space = new([
        new CalibrationParameter("networkComputeShare", 0.01, 1, 0.5),
        new CalibrationParameter("channelAlignment", 1, 64, 1),
    ]);

    private static double? Seconds(double[] parameters, NetworkRow row) =>
        row.PredictedSeconds(TensorRt with { Profile = TensorRt.Profile with { NetworkComputeShare = parameters[0], ChannelAlignment = parameters[1] } });

    private static NetworkRow[] Rows(double share, double alignment) =>
        [.. from model in Models
            from platform in Platforms
            from weights in new[] { WeightFormat.Int8, WeightFormat.Fp16 }
            let row = new NetworkRow(model, platform, weights, 1)
            select row with { Measured = Seconds([share, alignment], row)!.Value }];

    [Fact]
    public void Fitting_noiseless_network_rows_recovers_the_channel_alignment_they_were_made_with()
    {
        var rows = Rows(share: 0.4, alignment: 32);

        var fit = Calibrator.Fit(rows, Seconds, Space);

        Assert.True(fit.Fitted);
        Assert.InRange(fit.Parameters[1], 32 * 0.97, 32 * 1.03);
        Assert.InRange(fit.Parameters[0], 0.4 * 0.97, 0.4 * 1.03);
        Assert.True(fit.MeanSquaredLogError < 1e-4, $"MSLE {fit.MeanSquaredLogError}");
    }
}
