using WorkingPoint.Core;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Measurement.Telemetry;

namespace WorkingPoint.Measurement.Tests;

/// <summary>Throttle onset as pure logic: synthetic throughput windows, no run, no clock.</summary>
public sealed class ThrottleOnsetTests
{
    /// <summary>Windows of <paramref name="width"/> seconds with the given throughputs, in run order.</summary>
    private static (double WindowEndSeconds, double SamplesPerSecond)[] Windows(double width, params double[] throughputs) =>
        throughputs.Select((t, i) => ((i + 1) * width, t)).ToArray();

    [Fact]
    public void A_steady_run_has_no_onset_within_it()
    {
        var onset = ThrottleOnset.Detect(Windows(60, 100, 100, 99, 98, 97, 96, 99, 100, 98, 97, 100, 99), 720);

        Assert.Null(onset.OnsetSeconds);
        Assert.Null(onset.OnsetThroughput);
        Assert.Equal(100, onset.ReferenceThroughput);
    }

    [Fact]
    public void A_run_of_ten_minutes_or_more_is_referenced_to_its_first_minute_and_the_onset_is_where_the_first_window_below_95_percent_starts()
    {
        // One-minute windows: 100/s for four minutes, 96/s (−4 %: not yet), then 94/s (−6 %) from the start of minute 6.
        var onset = ThrottleOnset.Detect(Windows(60, 100, 100, 100, 100, 96, 94, 90, 85, 80, 80), 600);

        Assert.False(onset.ReferenceScaled);
        Assert.Equal(60, onset.ReferenceSeconds);
        Assert.Equal(100, onset.ReferenceThroughput);
        Assert.Equal(300, onset.OnsetSeconds);
        Assert.Equal(94, onset.OnsetThroughput);
        Assert.Equal(95, onset.Threshold, 9);
    }

    [Fact]
    public void The_reference_level_is_the_length_weighted_mean_of_the_windows_inside_the_first_minute()
    {
        // 20-s windows: the first minute holds 90, 100 and 110 (mean 100), so 95 is still above the 95 threshold and 94.9 is below.
        var onset = ThrottleOnset.Detect(Windows(20, 90, 100, 110, 95, 100, 94.9, 100), 1200);

        Assert.Equal(100, onset.ReferenceThroughput, 9);
        Assert.Equal(100, onset.OnsetSeconds);
    }

    [Fact]
    public void A_run_shorter_than_ten_minutes_is_referenced_to_its_first_tenth_and_says_so()
    {
        // A 20-s run in 1-s windows: the reference is its first 2 s, not its first minute (which would be the whole run).
        var onset = ThrottleOnset.Detect(Windows(1, 200, 200, 200, 200, 199, 198, 180, 150, 150, 150, 150, 150, 150, 150, 150, 150, 150, 150, 150, 150), 20);

        Assert.True(onset.ReferenceScaled);
        Assert.Equal(2, onset.ReferenceSeconds);
        Assert.Equal(200, onset.ReferenceThroughput);
        Assert.Equal(6, onset.OnsetSeconds);
        var text = onset.Describe(new TelemetryCapture([]), "samples/s");
        Assert.Contains("a tenth of the run", text, StringComparison.Ordinal);
        Assert.Contains("6 s into the run", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_window_longer_than_the_reference_period_is_the_reference_itself()
    {
        var onset = ThrottleOnset.Detect(Windows(120, 50, 50, 40), 360);

        Assert.Equal(120, onset.ReferenceSeconds);
        Assert.Equal(50, onset.ReferenceThroughput);
        Assert.Equal(240, onset.OnsetSeconds);
    }

    [Fact]
    public void A_rise_in_throughput_is_never_an_onset()
    {
        var onset = ThrottleOnset.Detect(Windows(1, 100, 120, 140, 160, 180, 200, 220, 240, 260, 280), 10);

        Assert.Null(onset.OnsetSeconds);
        Assert.StartsWith("none within the run", onset.Describe(new TelemetryCapture([]), "samples/s"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_temperature_and_clock_at_the_onset_are_the_readings_nearest_it_and_unreadable_sensors_are_said()
    {
        var telemetry = new TelemetryCapture(
        [
            new TelemetrySeries("thermal_zone0", TelemetryQuantity.Temperature, false, [50, 60, 70, 80], [0, 2, 4, 6]),
            new TelemetrySeries("thermal_zone1", TelemetryQuantity.Temperature, false, [45, 75, 85, 86], [0, 2, 4, 6]),
            new TelemetrySeries("cpufreq", TelemetryQuantity.ClockFrequency, false, [2400, 2400, 1800, 1500], [0, 2, 4, 6]),
        ]);
        var onset = ThrottleOnset.Detect(Windows(1, 200, 200, 200, 200, 150, 150, 150, 150, 150, 150), 10);

        Assert.Equal(4, onset.OnsetSeconds);
        Assert.Equal(85, ThrottleOnset.SensorAt(telemetry, TelemetryQuantity.Temperature, 4.2));
        Assert.Equal(1800, ThrottleOnset.SensorAt(telemetry, TelemetryQuantity.ClockFrequency, 4.2));
        Assert.Contains("CPU temperature 50 → 85 °C, clock 2400 → 1800 MHz", onset.Describe(telemetry, "samples/s"), StringComparison.Ordinal);
        Assert.Contains("CPU temperature not readable on this machine, clock not readable on this machine", onset.Describe(new TelemetryCapture([]), "samples/s"), StringComparison.Ordinal);
    }

    [Fact]
    public void No_windows_is_refused_in_one_line()
    {
        var error = Assert.Throws<InvalidInputException>(() => ThrottleOnset.Detect([], 10));
        Assert.DoesNotContain('\n', error.Message);
    }
}
