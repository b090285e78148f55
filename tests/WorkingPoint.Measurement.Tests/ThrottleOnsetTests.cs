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
    public void A_series_that_drops_6_percent_after_90_s_has_its_onset_at_90_s()
    {
        // A 10-minute run in 10-s windows: 100/s through 90 s, then 94/s (−6 %) to the end.
        var onset = ThrottleOnset.Detect(Windows(10, [.. Enumerable.Repeat(100.0, 9), .. Enumerable.Repeat(94.0, 51)]), 600);

        Assert.True(onset.Measured);
        Assert.Equal(60, onset.ReferenceSeconds);
        Assert.Equal(100, onset.ReferenceThroughput);
        Assert.Equal(90, onset.OnsetSeconds);
        Assert.Equal(94, onset.OnsetThroughput);
        Assert.StartsWith("90 s into the run: 94 tok/s, -6 % against 100 tok/s in the first 60 s;", onset.Describe(new TelemetryCapture([]), "tok/s"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_series_that_dips_4_percent_has_no_onset()
    {
        var onset = ThrottleOnset.Detect(Windows(10, [.. Enumerable.Repeat(100.0, 9), .. Enumerable.Repeat(96.0, 51)]), 600);

        Assert.True(onset.Measured);
        Assert.Null(onset.OnsetSeconds);
        Assert.Equal(96, onset.LastThroughput);
        Assert.StartsWith("none within the run", onset.Describe(new TelemetryCapture([]), "tok/s"), StringComparison.Ordinal);
    }

    [Fact]
    public void Windows_where_nothing_finished_are_skipped_in_the_reference_and_after_it()
    {
        // A duty cycle: 10-s windows alternate active and idle (NaN). The first minute's level is its active windows' (100/s);
        // the onset is the start of the first active window at 90/s (80 s), whatever the idle window before it held.
        var onset = ThrottleOnset.Detect(Windows(10, [.. Enumerable.Range(0, 60).Select(i => i % 2 == 1 ? double.NaN : i < 8 ? 100 : 90)]), 600);

        Assert.True(onset.Measured);
        Assert.Equal(100, onset.ReferenceThroughput);
        Assert.Equal(80, onset.OnsetSeconds);
        Assert.Equal(90, onset.LastThroughput);
    }

    [Fact]
    public void A_run_with_no_window_after_its_reference_period_is_not_measured_and_says_why_and_the_fix()
    {
        // One window covering the whole run: it is the reference, and nothing comes after it to fall below it.
        var onset = ThrottleOnset.Detect(Windows(30, 100), 30);

        Assert.False(onset.Measured);
        Assert.Null(onset.OnsetSeconds);
        var text = onset.Describe(new TelemetryCapture([]), "tok/s");
        Assert.StartsWith("not measured: the 30 s run has no window with a figure after its reference period (the first 30 s)", text, StringComparison.Ordinal);
        Assert.Contains("run longer or pass a shorter --window", text, StringComparison.Ordinal);
        Assert.DoesNotContain("none within the run", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', text);
    }

    [Fact]
    public void A_run_with_nothing_finished_in_its_reference_period_is_not_measured()
    {
        var onset = ThrottleOnset.Detect(Windows(10, double.NaN, 50, 40, 30, 20, 10, 10, 10, 10, 10), 100);

        Assert.False(onset.Measured);
        Assert.True(double.IsNaN(onset.ReferenceThroughput));
        Assert.StartsWith("not measured: nothing finished in the reference period (the first 10 s of the 100 s run)", onset.Describe(new TelemetryCapture([]), "tok/s"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_sustained_series_saves_its_onset_and_marks_one_that_could_not_be_measured()
    {
        var falling = SustainedSeries.Of("tok/s", TimeSpan.FromSeconds(10), Windows(10, [.. Enumerable.Repeat(100.0, 9), .. Enumerable.Repeat(94.0, 51)]), 600);
        var metrics = falling.Metrics(new TelemetryCapture([]), "questions.sustained").ToDictionary(m => m.Name);
        Assert.Equal(90, metrics["questions.sustained.throttle-onset"].Value);
        Assert.Equal("tok/s", metrics["questions.sustained.throttle-onset-throughput"].Unit);
        Assert.Equal(1, metrics["questions.sustained.throttle-onset-measured"].Value);
        Assert.Equal(60, falling.Samples("throughput").Values.Count);

        var tooShort = SustainedSeries.Of("tok/s", TimeSpan.FromSeconds(30), Windows(30, 100), 30);
        var names = tooShort.Metrics(new TelemetryCapture([])).Select(m => m.Name).ToArray();
        Assert.Contains("sustained.throttle-onset-measured", names);
        Assert.Equal(0, tooShort.Metrics(new TelemetryCapture([])).Single(m => m.Name == "sustained.throttle-onset-measured").Value);
        Assert.DoesNotContain("sustained.throttle-onset", names);
    }

    [Fact]
    public void Throughput_windows_count_what_finished_in_each_and_rate_the_partial_last_window_over_its_own_length()
    {
        // 2.5 s in 1-s windows: 3 units in the first, none in the second, 1 in the last half-second.
        var rate = ThroughputWindows.Rate([(0.2, 1.0), (0.5, 1.0), (0.9, 1.0), (2.3, 1.0)], 2.5, TimeSpan.FromSeconds(1));
        Assert.Equal([(1.0, 3.0), (2.0, 0.0), (2.5, 2.0)], rate);

        // A figure of the units (their mean) is NaN where none finished; a unit after the end counts in the last window.
        var mean = ThroughputWindows.Of([(0.2, 10.0), (0.9, 20.0), (3.0, 40.0)], 2.5, TimeSpan.FromSeconds(1), (values, _) => values.Count == 0 ? double.NaN : values.Average());
        Assert.Equal(15, mean[0].SamplesPerSecond);
        Assert.True(double.IsNaN(mean[1].SamplesPerSecond));
        Assert.Equal(40, mean[2].SamplesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(2), ThroughputWindows.DefaultFor(60));
        Assert.Equal(TimeSpan.FromSeconds(0.5), ThroughputWindows.DefaultFor(3));
    }

    [Fact]
    public void No_windows_is_refused_in_one_line()
    {
        var error = Assert.Throws<InvalidInputException>(() => ThrottleOnset.Detect([], 10));
        Assert.DoesNotContain('\n', error.Message);
    }
}
