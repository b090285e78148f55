using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Zoo;
using WorkingPoint.Evaluation.Calibration;

namespace WorkingPoint.Evaluation.Tests.Calibration;

public sealed class WinogradFitTests
{
    private static readonly string[] Models = ["yolov8n", "yolov8s", "yolov8m", "resnet-50", "mobilenet-v2", "dncnn3"];

    private static readonly string[] Platforms = ["jetson-orin-nx-16gb", "raspberry-pi-5"];

    private static readonly Runtime Ncnn = Catalog.Catalog.BuiltIn.ResolveRuntime("ncnn");

    private static readonly ParameterSpace Space = new([
        new CalibrationParameter("networkComputeShare", 0.01, 1, 0.5),
        new CalibrationParameter("winogradSpeedup", 1, RuntimeProfile.MaxWinogradSpeedup, 1),
    ]);

    private static double? Seconds(double[] parameters, NetworkRow row) =>
        row.PredictedSeconds(Ncnn with { Profile = Ncnn.Profile with { NetworkComputeShare = parameters[0], WinogradSpeedup = parameters[1], LayerOverhead = Core.Units.Seconds.Zero, InferenceOverhead = Core.Units.Seconds.Zero, DecodeDramShare = 1 } });

    [Fact]
    public void Fitting_noiseless_cpu_rows_recovers_the_Winograd_speedup_they_were_made_with()
    {
        NetworkRow[] rows = [.. from model in Models
            from platform in Platforms
            let row = new NetworkRow(model, platform, WeightFormat.Fp32, 1)
            select row with { Measured = Seconds([0.3, 2.5], row)!.Value }];

        var fit = Calibrator.Fit(rows, Seconds, Space);

        Assert.True(fit.Fitted);
        Assert.InRange(fit.Parameters[1], 2.5 * 0.97, 2.5 * 1.03);
        Assert.InRange(fit.Parameters[0], 0.3 * 0.97, 0.3 * 1.03);
        Assert.True(fit.MeanSquaredLogError < 1e-4, $"MSLE {fit.MeanSquaredLogError}");
    }

    [Fact]
    public void The_Winograd_speedup_is_fitted_where_a_runtime_has_it_and_stays_absent_elsewhere()
    {
        var ort = Catalog.Catalog.BuiltIn.ResolveRuntime("onnxruntime-cpu");
        double[] vector = [0.4, 0.3, 0.2, 25, 0.1, 1, 2];

        Assert.Equal(2, new RuntimeProfileParameters(Ncnn).FromVector(vector).Runtime.Profile.WinogradSpeedup);
        var cpu = new RuntimeProfileParameters(ort).FromVector(vector).Runtime.Profile;
        Assert.Null(cpu.WinogradSpeedup);
        Assert.All(RuntimeProfileParameters.OptInParameters, name => Assert.False(RuntimeProfileParameters.Has(cpu, name)));
    }
}
