using WorkingPoint.Core.Runtimes;
using WorkingPoint.Evaluation.Calibration;
using WorkingPoint.Evaluation.Published;

namespace WorkingPoint.Evaluation.Tests.Published;

public sealed class PublishedCalibrationTests
{
    private static readonly Lazy<CalibrationReport<PublishedCase>> Report = new(() =>
        PublishedCalibration.RunWithRuntimeProfiles(PublishedCases.Resolve(PublishedDataset.Load(PublishedFixture.Directory).Rows, Catalog.Catalog.BuiltIn).Cases));

    [Fact]
    public void Calibrating_the_fixture_fits_every_runtime_with_three_rows_and_keeps_the_prior_of_the_others()
    {
        foreach (var group in Report.Value.Groups)
        {
            Assert.Equal(group.Prior.Count >= Calibrator.MinimumRows, group.Fit.Fitted);
            if (!group.Fit.Fitted)
            {
                Assert.Equal(new RuntimeProfileParameters(group.Prior[0].Row.Runtime).Space.Priors, group.Fit.Parameters);
            }
        }

        Assert.Contains(Report.Value.Groups, g => g.Group == "mlc-llm" && g.Fit.Fitted);
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
    public void A_fitted_vector_becomes_the_runtimes_profile_in_the_request()
    {
        var c = Report.Value.Groups[0].Prior[0].Row;

        var fitted = new RuntimeProfileParameters(c.Runtime).FromVector([0.4, 0.3, 0.2, 25, 0.1, 16]);
        var request = fitted.Apply(c);

        Assert.Same(fitted.Runtime, request.Runtime);
        Assert.Null(request.Fractions);
        var profile = request.Runtime!.Profile;
        Assert.Equal((0.4, 0.3, 0.2), (profile.DecodeDramShare, profile.PrefillComputeShare, profile.NetworkComputeShare));
        Assert.Equal(25e-6, profile.LayerOverhead.Value, 12);
        Assert.Equal(0, profile.InferenceOverhead.Value);
        // The channel tile is fitted on GPU runtimes only; elsewhere the vector's value leaves the profile's own.
        Assert.Equal(c.Runtime.Unit == Core.Hardware.ComputeUnitKind.Gpu ? 16 : c.Runtime.Profile.ChannelAlignment, profile.ChannelAlignment);
        var gpu = Catalog.Catalog.BuiltIn.ResolveRuntime("tensorrt");
        var cpu = Catalog.Catalog.BuiltIn.ResolveRuntime("onnxruntime-cpu");
        Assert.Equal(16, new RuntimeProfileParameters(gpu).FromVector([0.4, 0.3, 0.2, 25, 0.1, 16]).Runtime.Profile.ChannelAlignment);
        Assert.Equal(cpu.Profile.ChannelAlignment, new RuntimeProfileParameters(cpu).FromVector([0.4, 0.3, 0.2, 25, 0.1, 16]).Runtime.Profile.ChannelAlignment);
        Assert.Equal(new[] { 0.4, 0.3, 0.2 }, fitted.ToVector()[..3]);
    }

    [Fact]
    public void A_calibrated_runtime_file_reads_back_with_the_fitted_figures_and_its_provenance()
    {
        var report = Report.Value;
        var answer = CalibrationAnswer.From("fixture", "runtime profiles", report, []);
        var fitted = PublishedCalibration.FittedRuntimes(report);
        foreach (var group in answer.Groups)
        {
            var yaml = FittedProfileFile.Yaml(fitted[group.Group], group, "fixture", "2026-12-02", "wpt calibrate -o x");
            var read = Catalog.RuntimeYaml.Parse(FittedProfileFile.FileName(group), yaml);

            var expected = new RuntimeProfileParameters(fitted[group.Group]).ToVector();
            var actual = new RuntimeProfileParameters(read).ToVector();
            for (var i = 0; i < expected.Length; i++)
            {
                // Written with six significant digits.
                Assert.Equal(expected[i], actual[i], Math.Abs(expected[i]) * 1e-5);
            }

            Assert.Equal(fitted[group.Group].Aliases, read.Aliases);
            Assert.Contains($"# Dataset: fixture; {group.Rows} rows; error band {group.ErrorBand}.", yaml, StringComparison.Ordinal);
            Assert.Equal(group.ErrorBands.Select(b => (b.Quantity, b.Rows)), read.ErrorBands.Select(kv => (kv.Key.ToId(), kv.Value.Rows)));
            Assert.All(group.ErrorBands, b => Assert.Equal(b.PlusMinusPercent, read.ErrorBands.Single(kv => kv.Key.ToId() == b.Quantity).Value.PlusMinusPercent, Math.Abs(b.PlusMinusPercent) * 1e-5));
            if (!group.Fitted)
            {
                Assert.Empty(read.ErrorBands);
            }
            if (group.Fitted && group.Parameters.Any(p => !p.KeptAtPrior))
            {
                Assert.Contains(read.Provenance.Figures, f => f.Source?.StartsWith("fit: wpt calibrate 2026-12-02", StringComparison.Ordinal) == true);
            }
        }
    }

    [Fact]
    public void A_calibration_starts_from_the_runtimes_prior_and_not_from_an_earlier_fit()
    {
        var catalogRuntime = Catalog.Catalog.BuiltIn.ResolveRuntime("llama.cpp-cpu");
        var fittedEarlier = catalogRuntime with
        {
            Profile = catalogRuntime.Profile with { DecodeDramShare = 0.31 },
            PriorProfile = catalogRuntime.Profile with { DecodeDramShare = 0.75 },
        };

        var parameters = new RuntimeProfileParameters(fittedEarlier);

        Assert.Equal(0.75, parameters.Space.Priors[0], 12);
        Assert.Equal(0.31, parameters.ToVector()[0], 12);
    }
}
