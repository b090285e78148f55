using WorkingPoint.Measurement.Telemetry;

namespace WorkingPoint.Cli;

/// <summary>Sensor readings of a run as the commands print them.</summary>
internal static class TelemetryText
{
    /// <summary>Each sensor quantity with its reading, or the plain statement that this machine does not expose it.</summary>
    public static Dictionary<string, string> Lines(TelemetryCapture telemetry)
    {
        string Of(TelemetryQuantity quantity, Func<double> value) => telemetry.Has(quantity) ? $"{Output.Number(value())} {quantity.Unit()}" : TelemetryCapture.NotMeasurable;
        return new Dictionary<string, string>
        {
            [WorkingPoint.Runner.TelemetryNotes.PowerKey] = telemetry.MeanTotalPower is { } p ? WorkingPoint.Core.Units.PowerText.Watts(p.Value) : TelemetryCapture.NotMeasurable,
            [WorkingPoint.Runner.TelemetryNotes.TemperatureKey] = Of(TelemetryQuantity.Temperature, () => telemetry.Max(TelemetryQuantity.Temperature)!.Value),
            [WorkingPoint.Runner.TelemetryNotes.ClockKey] = Of(TelemetryQuantity.ClockFrequency, () => telemetry.Series.First(s => s.Quantity == TelemetryQuantity.ClockFrequency && s.Values.Count > 0).Values.Average()),
        };
    }

    /// <summary>The sensors this machine lacks, one line each, for a record's notes; null when every sensor was read.</summary>
    public static string? NotesOf(TelemetryCapture telemetry) => WorkingPoint.Runner.TelemetryNotes.Of(telemetry);
}
