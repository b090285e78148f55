using WorkingPoint.Evaluation.Calibration;
using WorkingPoint.Evaluation.Published;

namespace WorkingPoint.Evaluation.Tests.Published;

public sealed class PublishedCalibrationTests
{
    private static readonly Lazy<CalibrationReport<PublishedCase>> Report = new(() =>
        PublishedCalibration.RunWithAchievableShares(PublishedCases.Resolve(PublishedDataset.Load(PublishedFixture.Directory).Rows, Catalog.Catalog.BuiltIn).Cases));

    [Fact]
    public void Calibrating_the_fixture_fits_every_runtime_with_three_rows_and_keeps_the_prior_of_the_others()
    {
        foreach (var group in Report.Value.Groups)
        {
            Assert.Equal(group.Prior.Count >= Calibrator.MinimumRows, group.Fit.Fitted);
            if (!group.Fit.Fitted)
            {
                Assert.Equal(AchievableShares.Defaults.ToVector(), group.Fit.Parameters);
            }
        }

        Assert.Contains(Report.Value.Groups, g => g.Group == "mlc-llm@gpu" && g.Fit.Fitted);
    }

    [Fact]
    public void A_fit_on_the_fixture_is_never_worse_in_sample_than_the_prior()
    {
        foreach (var group in Report.Value.Groups)
        {
            Assert.True(group.Fit.MeanSquaredLogError <= group.Fit.PriorMeanSquaredLogError + 1e-12, group.Group);
        }
    }

    [Fact]
    public void Every_predicted_row_is_cross_validated_by_model_and_by_platform()
    {
        var rows = Report.Value.Groups.Sum(g => g.Prior.Count);

        Assert.Equal(rows, Report.Value.LeaveOneModelOut.Rows);
        Assert.Equal(rows, Report.Value.LeaveOnePlatformOut.Rows);
    }

    [Fact]
    public void Shares_replace_the_platforms_fractions_in_the_request()
    {
        var c = Report.Value.Groups[0].Prior[0].Row;

        var request = new AchievableShares(0.2, 0.4).Apply(c);

        Assert.Equal((0.2, 0.4), (request.Fractions!.Compute, request.Fractions.Dram));
        Assert.Equal(c.Platform.Achievable.OnChip, request.Fractions.OnChip);
    }
}
