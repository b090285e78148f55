using WorkingPoint.Core.Units;
using WorkingPoint.Evaluation.Calibration;
using WorkingPoint.Evaluation.Published;

namespace WorkingPoint.Evaluation.Tests.Calibration;

public sealed class ContextSwitchCalibrationTests
{
    /// <summary>
    /// HailoRT's rows on Hailo-8 and Hailo-8L for networks that fit on chip and networks that do not, at batch 1 and 8, their
    /// measured figures replaced by what a runtime with a known context-switch cost predicts: synthetic rows with the real model.
    /// </summary>
    private static (PublishedCase[] Cases, RuntimeProfileParameters Truth) SyntheticHailoRows(double contextSwitchUs)
    {
        var resolved = PublishedCases.Resolve(PublishedDataset.BuiltIn.Rows.Where(r => r.Runtime == "hailort" && r.Platform is "hailo-8" or "hailo-8l" && r.Model is "yolov8n" or "yolov8m" or "yolov8x" or "resnet-50"), Catalog.Catalog.BuiltIn).Cases;
        var prior = resolved[0].Runtime;
        var truth = new RuntimeProfileParameters(prior with
        {
            Profile = prior.Profile with { NetworkComputeShare = 0.4, LayerOverhead = Seconds.Zero, InferenceOverhead = new Seconds(50e-6), ContextSwitch = new Seconds(contextSwitchUs * 1e-6) },
        });
        var cases = resolved.Select(c => c with { Row = c.Row with { Value = c.Predict(truth.Apply(c)) } }).ToArray();
        return (cases, truth);
    }

    [Fact]
    public void Calibration_recovers_a_known_context_switch_cost_from_synthetic_dataflow_rows()
    {
        var (cases, _) = SyntheticHailoRows(contextSwitchUs: 800);
        Assert.True(cases.Length >= 12, $"{cases.Length} rows");
        var start = new RuntimeProfileParameters(cases[0].Runtime with
        {
            Profile = cases[0].Runtime.Profile with { NetworkComputeShare = 0.5, LayerOverhead = Seconds.Zero, InferenceOverhead = Seconds.Zero, ContextSwitch = Seconds.Zero },
            PriorProfile = null,
        });

        var fit = Calibrator.Fit(cases, (vector, c) => c.Predict(start.FromVector(vector).Apply(c)), start.Space);

        var names = start.Space.Parameters.Select(p => p.Name).ToList();
        Assert.True(fit.Fitted);
        Assert.DoesNotContain("contextSwitchUs", fit.KeptAtPrior);
        Assert.InRange(fit.Parameters[names.IndexOf("contextSwitchUs")] / 800, 0.95, 1.05);
        Assert.InRange(fit.Parameters[names.IndexOf("networkComputeShare")] / 0.4, 0.95, 1.05);
        Assert.True(fit.MeanSquaredLogError < 1e-4, $"MSLE {fit.MeanSquaredLogError}");
    }
}
