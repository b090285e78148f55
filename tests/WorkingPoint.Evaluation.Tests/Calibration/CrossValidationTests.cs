using WorkingPoint.Core.Runtimes;
using WorkingPoint.Evaluation.Calibration;

namespace WorkingPoint.Evaluation.Tests.Calibration;

public sealed class CrossValidationTests
{
    [Theory]
    [InlineData(FoldKind.LeaveOneModelOut)]
    [InlineData(FoldKind.LeaveOnePlatformOut)]
    public void A_held_out_row_is_never_seen_by_the_fit_that_predicts_it(FoldKind kind)
    {
        var rows = SyntheticRuntime.Rows(share: 0.3, overhead: 2e-4, noise: 0.1)
            .Concat(SyntheticRuntime.Rows(share: 0.6, overhead: 1e-5, noise: 0.1, runtime: "other-rt", seed: 3)).ToArray();
        var seenByFold = new Dictionary<CrossValidationFold, HashSet<SyntheticRow>>();
        HashSet<SyntheticRow>? seen = null;

        // Every row the predict callback is called with while a fold's fit runs is recorded under that fold.
        double? Recording(double[] p, SyntheticRow row)
        {
            seen?.Add(row);
            return SyntheticRuntime.Seconds(p, row);
        }

        FitResult RecordingFitter(CrossValidationFold? fold, IReadOnlyList<SyntheticRow> training, Func<double[], SyntheticRow, double?> predict, ParameterSpace space)
        {
            seen = seenByFold.TryGetValue(fold!, out var set) ? set : seenByFold[fold!] = [];
            var fit = Calibrator.Fit(training, predict, space);
            seen = null;
            return fit;
        }

        var residuals = CrossValidation.Run(rows, r => r.Runtime, _ => SyntheticRuntime.Space, Recording, kind, RecordingFitter);

        Assert.Equal(rows.Length, residuals.Count);
        Assert.Equal(kind == FoldKind.LeaveOneModelOut ? 5 : 3, seenByFold.Count);
        foreach (var residual in residuals)
        {
            var fold = residual.Fold!;
            Assert.True(fold.Holds(residual.Row));
            Assert.DoesNotContain(residual.Row, seenByFold[fold]);
            Assert.DoesNotContain(seenByFold[fold], fold.Holds);
            Assert.NotEmpty(seenByFold[fold]);
        }
    }

    [Fact]
    public void Changing_a_held_out_measurement_leaves_its_own_prediction_unchanged()
    {
        var rows = SyntheticRuntime.Rows(share: 0.3, overhead: 2e-4, noise: 0.1);
        var poisoned = rows.Select(r => r.ModelId == "model-2" ? r with { Measured = r.Measured * 50 } : r).ToArray();

        var clean = CrossValidation.Run(rows, r => r.Runtime, _ => SyntheticRuntime.Space, SyntheticRuntime.Seconds, FoldKind.LeaveOneModelOut);
        var dirty = CrossValidation.Run(poisoned, r => r.Runtime, _ => SyntheticRuntime.Space, SyntheticRuntime.Seconds, FoldKind.LeaveOneModelOut);

        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i].ModelId == "model-2")
            {
                Assert.Equal(clean[i].Predicted, dirty[i].Predicted);
            }
        }
    }

    [Fact]
    public void Each_group_is_fitted_on_its_own_rows_and_recovers_its_own_parameters()
    {
        var rows = SyntheticRuntime.Rows(share: 0.3, overhead: 2e-4)
            .Concat(SyntheticRuntime.Rows(share: 0.8, overhead: 3e-6, runtime: "other-rt")).ToArray();

        var report = GroupedCalibration.Run(rows, r => r.Runtime, _ => SyntheticRuntime.Space, SyntheticRuntime.Seconds);

        var fake = report.Groups.Single(g => g.Group == "fake-rt").Fit.Parameters;
        var other = report.Groups.Single(g => g.Group == "other-rt").Fit.Parameters;
        Assert.Equal(0.3, fake[0], 1e-3);
        Assert.Equal(0.8, other[0], 1e-3);
        Assert.True(report.LeaveOneModelOut.MedianAbsErrorPercent < 0.1);
        Assert.True(report.LeaveOnePlatformOut.MedianAbsErrorPercent < 0.1);
        Assert.True(report.Prior.MedianAbsErrorPercent > 10);
    }

    [Fact]
    public void A_group_too_small_to_fit_keeps_its_prior_and_has_no_error_band()
    {
        var rows = SyntheticRuntime.Rows(share: 0.3, overhead: 2e-4, models: 2, platforms: 1);

        var group = Assert.Single(GroupedCalibration.Run(rows, r => r.Runtime, _ => SyntheticRuntime.Space, SyntheticRuntime.Seconds).Groups);

        Assert.False(group.Fit.Fitted);
        Assert.Equal("too few rows to fit (2 < 3)", group.Fit.NotFittedReason);
        Assert.Null(group.Band);
        Assert.Equal("uncalibrated: datasheet only", ErrorBand.Format(group.Band));
    }

    [Fact]
    public void The_summary_gives_n_and_the_median_and_90th_percentile_of_the_absolute_error()
    {
        // Errors of +10 %, −20 %, +30 %, −40 %, +50 % and one row not predicted.
        var errors = new double?[] { 1.1, 0.8, 1.3, 0.6, 1.5 }.Select(r => (double?)Math.Log(r!.Value)).Append(null);

        var summary = ErrorSummary.OfLogErrors(errors);

        Assert.Equal(6, summary.Rows);
        Assert.Equal(30, summary.MedianAbsErrorPercent!.Value, 9);
        Assert.Equal(46, summary.P90AbsErrorPercent!.Value, 9);
    }
}
