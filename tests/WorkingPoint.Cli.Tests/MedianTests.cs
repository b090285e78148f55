using WorkingPoint.Cli.Commands;

namespace WorkingPoint.Cli.Tests;

public sealed class MedianTests
{
    [Fact]
    public void The_median_of_an_even_count_is_the_mean_of_the_two_middle_values() =>
        Assert.Equal(29.5, ValidateCommand.MedianAbsoluteError([17, -42]));

    [Fact]
    public void The_median_of_six_errors_averages_the_third_and_fourth_largest() =>
        Assert.Equal(26.5, ValidateCommand.MedianAbsoluteError([-5, 21, 32, -40, 12, 60]));

    [Fact]
    public void The_median_of_an_odd_count_is_the_middle_value() =>
        Assert.Equal(3, ValidateCommand.MedianAbsoluteError([5, -1, 3]));
}
