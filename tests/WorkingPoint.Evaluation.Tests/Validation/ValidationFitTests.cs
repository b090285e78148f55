using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Evaluation.Validation;

namespace WorkingPoint.Evaluation.Tests.Validation;

public sealed class ValidationFitTests
{
    private static readonly Catalog.Catalog Catalog = WorkingPoint.Catalog.Catalog.BuiltIn;

    [Fact]
    public void The_error_is_signed_and_in_percent_of_the_measurement()
    {
        Assert.Equal(25, ValidationFit.ErrorPercent(125, 100), 9);
        Assert.Equal(-50, ValidationFit.ErrorPercent(1, 2), 9);
    }

    [Fact]
    public void The_median_absolute_error_ignores_the_sign_and_is_the_mean_of_the_two_middle_values_for_an_even_count()
    {
        Assert.Equal(10, ValidationFit.MedianAbsoluteError([-10, 5, 20]), 9);
        Assert.Equal(7.5, ValidationFit.MedianAbsoluteError([-5, 10]), 9);
        Assert.Equal(29.5, ValidationFit.MedianAbsoluteError([17, -42]), 9);
        Assert.Equal(26.5, ValidationFit.MedianAbsoluteError([-5, 21, 32, -40, 12, 60]), 9);
    }

    [Fact]
    public void The_median_of_rounds_keeps_the_sign_and_is_the_mean_of_the_two_middle_values_for_an_even_count()
    {
        Assert.Equal(-5, ValidationFit.Median([-10, -5, 20]), 9);
        Assert.Equal(2.5, ValidationFit.Median([-5, 10]), 9);
        Assert.True(double.IsNaN(ValidationFit.Median([])));
    }

    [Fact]
    public void The_best_fraction_is_the_step_with_the_least_error_between_five_percent_and_one()
    {
        Assert.Equal((0.37, 0.0), Round(ValidationFit.BestFraction(f => Math.Abs(f - 0.37))));
        Assert.Equal(0.05, ValidationFit.BestFraction(f => f).Fraction, 9);
        Assert.Equal(1, ValidationFit.BestFraction(f => -f).Fraction, 9);
    }

    [Fact]
    public void Networks_measured_as_predicted_at_a_compute_fraction_fit_that_fraction()
    {
        var host = Catalog.ResolvePlatform("raspberry-pi-5");
        var request = new PredictionRequest(Weights: WeightFormat.Parse("fp32"));
        NetworkCase[] cases = [Case("yolov8n", 320, 320), Case("resnet-50", 224, 224), Case("mobilenet-v2", 224, 224)];
        var fractions = new Ceilings(host).Fractions with { Compute = 0.4 };
        var measured = cases.Select(c => Predictions.Predict(new GraphCatalogModel(c.Model), host, request with { InputWidth = c.Width, InputHeight = c.Height, Fractions = fractions }).Latency.Milliseconds).ToArray();

        var fit = NetworkValidation.FitComputeFraction(cases, host, request, measured);

        Assert.Equal(0.4, fit.Fraction, 9);
        Assert.Equal(0, fit.Error, 6);
        Assert.Equal(0, NetworkValidation.MedianAbsoluteErrorAt(cases, host, request, measured, 0.4), 6);
        Assert.True(NetworkValidation.MedianAbsoluteErrorAt(cases, host, request, measured, 0.8) > 1);
    }

    [Fact]
    public void Llms_measured_as_predicted_at_a_dram_fraction_fit_that_fraction_in_and_out_of_sample()
    {
        var host = Catalog.ResolvePlatform("raspberry-pi-5");
        var ceilings = new Ceilings(host);
        var truth = new Ceilings(host, ceilings.Fractions with { Dram = 0.45 });
        var runs = new[] { "qwen2.5-0.5b", "llama-3.2-1b", "qwen2.5-1.5b" }.Select(id =>
        {
            var workload = new LlmWorkload(((LlmCatalogModel)Catalog.ResolveModel(id)).Architecture, WeightFormat.Q4_0, KvCacheFormat.F16);
            var predicted = LlmValidation.Predict(workload, truth, 64, 16);
            return new LlmMeasured(workload, predicted.Prefill, predicted.Decode);
        }).ToArray();

        var fits = LlmValidation.Fit(host, ceilings, 64, 16, runs);

        Assert.Equal(0.45, fits.FittedDram.Fraction, 9);
        Assert.Equal(0, fits.FittedDram.Error, 6);
        Assert.Equal(0, fits.LeaveOneOutDecodeErrorPercent, 6);
        Assert.True(fits.DecodeErrorPercent > 0);
    }

    [Fact]
    public void One_llm_has_no_leave_one_out_figure()
    {
        var host = Catalog.ResolvePlatform("raspberry-pi-5");
        var workload = new LlmWorkload(((LlmCatalogModel)Catalog.ResolveModel("qwen2.5-0.5b")).Architecture, WeightFormat.Q4_0, KvCacheFormat.F16);

        var fits = LlmValidation.Fit(host, new Ceilings(host), 64, 16, [new LlmMeasured(workload, 100, 10)]);

        Assert.True(double.IsNaN(fits.LeaveOneOutDecodeErrorPercent));
        Assert.True(double.IsNaN(fits.LeaveOneOutPrefillErrorPercent));
    }

    private static NetworkCase Case(string id, int width, int height) => new(((GraphCatalogModel)Catalog.ResolveModel(id)).Model, width, height);

    private static (double, double) Round((double Fraction, double Error) fit) => (Math.Round(fit.Fraction, 9), Math.Round(fit.Error, 9));
}
