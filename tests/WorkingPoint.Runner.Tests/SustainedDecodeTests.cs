using WorkingPoint.Measurement.LlamaCpp;
using WorkingPoint.Measurement.Telemetry;

namespace WorkingPoint.Runner.Tests;

/// <summary>bench llm --sustained's reading of a token timeline: synthetic timelines, no model, no clock.</summary>
public sealed class SustainedDecodeTests
{
    /// <summary>A 10-minute decode at 10 tok/s through 90 s and <paramref name="laterRate"/> tok/s after (tokens mid-interval, clear of window edges).</summary>
    private static SustainedDecode Timeline(double laterRate)
    {
        var before = Enumerable.Range(0, 900).Select(k => 0.05 + (0.1 * k));
        var after = Enumerable.Range(0, (int)(510 * laterRate)).Select(j => 90 + ((j + 0.5) / laterRate));
        return new SustainedDecode([.. before, .. after], 600);
    }

    [Fact]
    public void Decode_that_drops_6_percent_after_90_s_has_its_throttle_onset_at_90_s_against_the_first_minute()
    {
        var sustained = LlmMeasurement.SustainedOf(Timeline(laterRate: 9.4), TimeSpan.FromSeconds(10));

        Assert.Equal("tok/s", sustained.Unit);
        Assert.Equal(60, sustained.Windows.Count);
        Assert.False(sustained.Throttle.ReferenceScaled);
        Assert.Equal(10, sustained.Throttle.ReferenceThroughput, 9);
        Assert.Equal(90, sustained.Throttle.OnsetSeconds);
        Assert.Equal(9.4, sustained.Throttle.OnsetThroughput!.Value, 9);
        var metrics = sustained.Metrics(new TelemetryCapture([])).ToDictionary(m => m.Name);
        Assert.Equal(90, metrics["sustained.throttle-onset"].Value);
        Assert.Equal("tok/s", metrics["sustained.reference-throughput"].Unit);
    }

    [Fact]
    public void Decode_that_dips_4_percent_has_no_onset()
    {
        var sustained = LlmMeasurement.SustainedOf(Timeline(laterRate: 9.6), TimeSpan.FromSeconds(10));

        Assert.True(sustained.Throttle.Measured);
        Assert.Null(sustained.Throttle.OnsetSeconds);
    }

    [Fact]
    public void Without_a_window_asked_for_the_run_is_split_in_30()
    {
        Assert.Equal(TimeSpan.FromSeconds(20), LlmMeasurement.SustainedOf(Timeline(laterRate: 10), null).Window);
    }
}
