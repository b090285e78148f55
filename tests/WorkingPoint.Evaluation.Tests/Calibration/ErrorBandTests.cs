using WorkingPoint.Core.Runtimes;
using WorkingPoint.Evaluation.Calibration;

namespace WorkingPoint.Evaluation.Tests.Calibration;

public sealed class ErrorBandTests
{
    [Fact]
    public void A_band_reads_as_plus_or_minus_percent_with_its_rows_and_runtime()
    {
        Assert.Equal("±12 % (n = 18, llama.cpp-cuda)", new ErrorBand("llama.cpp-cuda", 12.04, 18).ToString());
        Assert.Equal("±8.3 % (n = 5, mlc-llm)", ErrorBand.Format(new ErrorBand("mlc-llm", 8.3, 5)));
    }

    [Fact]
    public void Without_a_band_a_prediction_says_it_is_uncalibrated()
    {
        Assert.Equal("uncalibrated: datasheet only", ErrorBand.Format(null));
        Assert.Null(ErrorBands.FromLogErrors("rkllm", [null, null]));
    }

    [Fact]
    public void The_band_is_the_68th_percentile_of_the_absolute_log_errors()
    {
        // |log errors| 0.1 … 1.0: the 68th percentile by linear interpolation is 0.1 + 0.68 × 9 × 0.1 = 0.712.
        var errors = Enumerable.Range(1, 10).Select(i => (double?)(i % 2 == 0 ? 0.1 * i : -0.1 * i));

        var band = ErrorBands.FromLogErrors("hailort", errors)!;

        Assert.Equal((Math.Exp(0.712) - 1) * 100, band.PlusMinusPercent, 9);
        Assert.Equal(10, band.Rows);
    }

    [Fact]
    public void A_band_spans_from_the_prediction_divided_by_one_plus_x_to_the_prediction_times_one_plus_x()
    {
        var band = new ErrorBand("llama.cpp-metal", 25, 30);
        Assert.Equal(80, band.Low(100), 9);
        Assert.Equal(125, band.High(100), 9);
    }
}
