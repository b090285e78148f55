using FsCheck;
using FsCheck.Xunit;
using WorkingPoint.Evaluation.Calibration;

namespace WorkingPoint.Evaluation.Tests.Calibration;

public sealed class CalibratorTests
{
    [Fact]
    public void Fitting_noiseless_rows_recovers_the_parameters_they_were_generated_with()
    {
        var rows = SyntheticRuntime.Rows(share: 0.37, overhead: 2.5e-4);

        var fit = Calibrator.Fit(rows, SyntheticRuntime.Seconds, SyntheticRuntime.Space);

        Assert.True(fit.Fitted);
        Assert.Empty(fit.KeptAtPrior);
        Assert.Equal(0.37, fit.Parameters[0], 0.37 * 1e-3);
        Assert.Equal(2.5e-4, fit.Parameters[1], 2.5e-4 * 1e-3);
        Assert.True(fit.MeanSquaredLogError < 1e-8, $"MSLE {fit.MeanSquaredLogError}");
        Assert.True(fit.PriorMeanSquaredLogError > 0.01);
    }

    [Fact]
    public void Fitting_rows_with_five_percent_noise_recovers_the_parameters_within_a_few_percent()
    {
        var rows = SyntheticRuntime.Rows(share: 0.12, overhead: 4e-4, noise: 0.05, models: 8, platforms: 4);

        var fit = Calibrator.Fit(rows, SyntheticRuntime.Seconds, SyntheticRuntime.Space);

        Assert.InRange(fit.Parameters[0] / 0.12, 0.95, 1.05);
        Assert.InRange(fit.Parameters[1] / 4e-4, 0.9, 1.1);
        // What is left is the noise: no worse than the true parameters themselves do on the noisy rows.
        var atTruth = Calibrator.Fit(rows, SyntheticRuntime.Seconds, SyntheticRuntime.Space.WithPriors([0.12, 4e-4]));
        Assert.True(fit.MeanSquaredLogError <= atTruth.PriorMeanSquaredLogError + 1e-12);
    }

    [Fact]
    public void A_value_beyond_a_bound_is_fitted_at_the_bound_never_past_it()
    {
        // Rows made at a share of 1.5, more than the peak: the best the bounds allow is a share of 1.
        var rows = SyntheticRuntime.Rows(share: 1.5, overhead: 1e-6);

        var fit = Calibrator.Fit(rows, SyntheticRuntime.Seconds, SyntheticRuntime.Space);

        Assert.Equal(1, fit.Parameters[0], 1e-6);
        Assert.InRange(fit.Parameters[1], 1e-7, 1e-2);
    }

    [Fact]
    public void A_group_with_fewer_than_three_rows_keeps_its_prior_and_says_why()
    {
        var rows = SyntheticRuntime.Rows(share: 0.2, overhead: 1e-3).Take(2).ToArray();

        var fit = Calibrator.Fit(rows, SyntheticRuntime.Seconds, SyntheticRuntime.Space);

        Assert.False(fit.Fitted);
        Assert.Equal(SyntheticRuntime.Space.Priors, fit.Parameters);
        Assert.Equal("too few rows to fit (2 < 3)", fit.NotFittedReason);
    }

    [Fact]
    public void A_parameter_no_row_bears_on_keeps_its_prior_while_the_others_are_fitted()
    {
        // Rows without layers: the per-layer overhead changes no prediction, so nothing can fit it.
        var rows = SyntheticRuntime.Rows(share: 0.37, overhead: 2.5e-4)
            .Select(r => r with { Layers = 0, Measured = r.WorkOps / (0.37 * SyntheticRuntime.PeakOpsPerSecond) }).ToArray();

        var fit = Calibrator.Fit(rows, SyntheticRuntime.Seconds, SyntheticRuntime.Space);

        Assert.Equal(["layerOverheadSeconds"], fit.KeptAtPrior);
        Assert.Equal(1e-5, fit.Parameters[1]);
        Assert.Equal(0.37, fit.Parameters[0], 0.37 * 1e-3);
    }

    [Fact]
    public void The_same_rows_give_the_same_fit_every_time()
    {
        var rows = SyntheticRuntime.Rows(share: 0.3, overhead: 3e-4, noise: 0.2);

        var first = Calibrator.Fit(rows, SyntheticRuntime.Seconds, SyntheticRuntime.Space);
        var second = Calibrator.Fit(rows, SyntheticRuntime.Seconds, SyntheticRuntime.Space);

        Assert.Equal(first.Parameters, second.Parameters);
        Assert.Equal(first.Evaluations, second.Evaluations);
    }

    [Fact]
    public void A_row_the_model_cannot_predict_is_penalised_not_fatal()
    {
        var rows = SyntheticRuntime.Rows(share: 0.3, overhead: 3e-4);

        // Shares below 0.1 break the prediction: the fit must find the true share elsewhere.
        var fit = Calibrator.Fit(rows, (p, r) => p[0] < 0.1 ? null : SyntheticRuntime.Seconds(p, r), SyntheticRuntime.Space);

        Assert.Equal(0.3, fit.Parameters[0], 1e-3);
    }

    [Property(MaxTest = 25)]
    public bool Any_parameters_inside_the_bounds_are_recovered_from_their_own_noiseless_rows(PositiveInt shareSeed, PositiveInt overheadSeed)
    {
        // A share in [0.02, 0.98] and an overhead in [1e-6, 1e-3], log-spread.
        var share = 0.02 + (0.96 * (shareSeed.Get % 1000) / 999.0);
        var overhead = 1e-6 * Math.Pow(1000, (overheadSeed.Get % 1000) / 999.0);
        var rows = SyntheticRuntime.Rows(share, overhead);

        var fit = Calibrator.Fit(rows, SyntheticRuntime.Seconds, SyntheticRuntime.Space);

        return Math.Abs(fit.Parameters[0] / share - 1) < 0.01 && Math.Abs(fit.Parameters[1] / overhead - 1) < 0.05;
    }

    [Fact]
    public void Bad_bounds_are_refused_with_the_parameter_named()
    {
        var error = Assert.Throws<Core.InvalidInputException>(() => new ParameterSpace([new CalibrationParameter("dramShare", 0, 1, 0.7)]));

        Assert.Equal("Parameter dramShare: a logarithmic parameter needs a positive lower bound, got 0.", error.Message);
    }
}
