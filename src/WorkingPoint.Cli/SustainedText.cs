using Spectre.Console;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Measurement.Telemetry;

namespace WorkingPoint.Cli;

/// <summary>A sustained run's throughput over time and throttle onset as bench onnx, bench llm and bench usecase print them and give them in --json.</summary>
internal static class SustainedText
{
    /// <summary>
    /// Two lines: the first and last window's figure with the change and the windows, then the throttle onset (or why it was not
    /// measured). <paramref name="rate"/> follows each number ("/s", " tok/s"); <paramref name="label"/> names the workload and
    /// figure where a run has several.
    /// </summary>
    public static void Write(IAnsiConsole console, SustainedSeries sustained, TelemetryCapture telemetry, string rate, string? label = null, string? workload = null)
    {
        var figures = sustained.WithFigure;
        var windows = $"{sustained.Windows.Count} windows of {Output.Number(sustained.Window.TotalSeconds)} s";
        var throughput = label is null ? "Sustained throughput" : $"Sustained throughput ({Markup.Escape(label)})";
        if (figures.Count == 0)
        {
            console.MarkupLine($"{throughput}: nothing finished in any window; {windows}.");
        }
        else
        {
            var (first, last) = (figures[0].SamplesPerSecond, figures[^1].SamplesPerSecond);
            console.MarkupLine($"{throughput}: {Output.Number(first)}{Markup.Escape(rate)} in the first window, {Output.Number(last)}{Markup.Escape(rate)} in the last ({(last >= first ? "+" : string.Empty)}{Output.Number(((last / first) - 1) * 100, 2)} %); {windows}.");
        }

        var onset = workload is null ? "Throttle onset" : $"Throttle onset ({Markup.Escape(workload)})";
        console.MarkupLine($"{onset}: {Markup.Escape(sustained.Throttle.Describe(telemetry, sustained.Unit))}.");
    }

    /// <summary>
    /// The windows and the onset as --json gives them; <paramref name="window"/> shapes one window from its end and figure (null
    /// where nothing finished in it), so each command keeps its own field name for the figure.
    /// </summary>
    public static object Json(SustainedSeries sustained, TelemetryCapture telemetry, Func<double, double?, object> window)
    {
        var throttle = sustained.Throttle;
        return new
        {
            unit = sustained.Unit,
            windowSeconds = sustained.Window.TotalSeconds,
            windows = sustained.Windows.Select(w => window(w.WindowEndSeconds, double.IsNaN(w.SamplesPerSecond) ? null : w.SamplesPerSecond)).ToArray(),
            referenceSeconds = throttle.ReferenceSeconds,
            referenceScaled = throttle.ReferenceScaled,
            referenceThroughput = double.IsFinite(throttle.ReferenceThroughput) ? throttle.ReferenceThroughput : (double?)null,
            throttleOnsetMeasured = throttle.Measured,
            notMeasured = throttle.NotMeasuredBecause,
            throttleOnsetSeconds = throttle.OnsetSeconds,
            throttleOnsetThroughput = throttle.OnsetThroughput,
            temperatureAtOnset = throttle.OnsetSeconds is { } onset ? ThrottleOnset.SensorAt(telemetry, TelemetryQuantity.Temperature, onset) : null,
            clockAtOnsetMHz = throttle.OnsetSeconds is { } at ? ThrottleOnset.SensorAt(telemetry, TelemetryQuantity.ClockFrequency, at) : null,
            description = throttle.Describe(telemetry, sustained.Unit),
        };
    }
}
