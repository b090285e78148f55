using WorkingPoint.Measurement.Telemetry;
using WorkingPoint.Results;

namespace WorkingPoint.Measurement.Scenarios;

/// <summary>
/// One figure of a sustained run over time — throughput in consecutive windows — and the throttle onset found in it: what
/// <c>--sustained</c> measures in bench onnx (samples/s), bench llm (decode tok/s) and bench usecase (per workload), saved and
/// printed the same way.
/// </summary>
/// <param name="Unit">The figure's unit: samples/s, tok/s, frames/s.</param>
/// <param name="Window">The width of the windows.</param>
/// <param name="Windows">Each window's end (seconds from the start of the run) and figure, in run order; NaN where nothing finished in it.</param>
/// <param name="Throttle">The throttle onset in these windows, or why it was not measured.</param>
public sealed record SustainedSeries(string Unit, TimeSpan Window, IReadOnlyList<(double WindowEndSeconds, double SamplesPerSecond)> Windows, ThrottleOnset Throttle)
{
    /// <summary>The windows of a run of <paramref name="runSeconds"/> and the onset <see cref="ThrottleOnset.Detect"/> finds in them.</summary>
    public static SustainedSeries Of(string unit, TimeSpan window, IReadOnlyList<(double WindowEndSeconds, double SamplesPerSecond)> windows, double runSeconds) =>
        new(unit, window, windows, ThrottleOnset.Detect(windows, runSeconds));

    /// <summary>The windows that have a figure (something finished in them), in run order.</summary>
    public IReadOnlyList<(double WindowEndSeconds, double SamplesPerSecond)> WithFigure => Windows.Where(w => !double.IsNaN(w.SamplesPerSecond)).ToArray();

    /// <summary>
    /// The figures a record keeps, under <paramref name="prefix"/>: the reference period and level, the last window's level,
    /// whether the onset could be measured, and where there is one the onset with the temperature and clock at it (where readable).
    /// </summary>
    public IEnumerable<Metric> Metrics(TelemetryCapture telemetry, string prefix = "sustained")
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        var throttle = Throttle;
        yield return new Metric($"{prefix}.reference-period", throttle.ReferenceSeconds, "s");
        if (double.IsFinite(throttle.ReferenceThroughput))
        {
            yield return new Metric($"{prefix}.reference-throughput", throttle.ReferenceThroughput, Unit);
        }

        if (double.IsFinite(throttle.LastThroughput))
        {
            yield return new Metric($"{prefix}.last-throughput", throttle.LastThroughput, Unit);
        }

        // 0: the run was too short to tell (the reason is printed and in --json); a missing onset then is not "none".
        yield return new Metric($"{prefix}.throttle-onset-measured", throttle.Measured ? 1 : 0, "bool");
        if (throttle.OnsetSeconds is { } onset)
        {
            yield return new Metric($"{prefix}.throttle-onset", onset, "s");
            yield return new Metric($"{prefix}.throttle-onset-throughput", throttle.OnsetThroughput!.Value, Unit);
            if (ThrottleOnset.SensorAt(telemetry, TelemetryQuantity.Temperature, onset) is { } temperature)
            {
                yield return new Metric($"{prefix}.temperature-at-onset", temperature, "°C");
            }

            if (ThrottleOnset.SensorAt(telemetry, TelemetryQuantity.ClockFrequency, onset) is { } clock)
            {
                yield return new Metric($"{prefix}.clock-at-onset", clock, "MHz");
            }
        }
    }

    /// <summary>The windows with a figure as a raw sample series named <paramref name="name"/> (values at their window's end).</summary>
    public SampleSeries Samples(string name)
    {
        var windows = WithFigure;
        return new SampleSeries(name, Unit, windows.Select(w => w.SamplesPerSecond).ToArray(), windows.Select(w => w.WindowEndSeconds).ToArray());
    }
}
