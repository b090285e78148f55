using System.Globalization;

namespace WorkingPoint.Core.Units;

/// <summary>
/// Power as people read it, the one formatter behind every printed power figure (CLI tables, reports, plot labels): three
/// significant digits in W, mW or µW so that a small figure never shows as 0.00199 W, and "unknown" for a figure nobody
/// published, never 0. JSON keeps watts at full precision and does not go through here.
/// </summary>
public static class PowerText
{
    /// <summary>What an unknown figure prints as.</summary>
    public const string Unknown = "unknown";

    /// <summary>"2.91 W", "1.99 mW", "850 µW", "0 W"; "unknown" for null.</summary>
    public static string Watts(double? watts) => watts is { } w ? Watts(w) : Unknown;

    /// <summary>"2.91 W", "1.99 mW", "850 µW", "0 W".</summary>
    public static string Watts(double watts) => Scaled(watts, "W");

    /// <summary>Energy in watt-hours, the same way: "41.2 Wh", "3.4 mWh"; "unknown" for null.</summary>
    public static string WattHours(double? wattHours) => wattHours is { } wh ? Scaled(wh, "Wh") : Unknown;

    /// <summary>Three significant digits in the unit, its milli- or its micro-unit, whichever keeps the digits at or above 1.</summary>
    private static string Scaled(double value, string unit)
    {
        if (!double.IsFinite(value))
        {
            return Unknown;
        }

        if (value == 0)
        {
            return $"0 {unit}";
        }

        // Round first, so 0.9996 W reads "1 W" rather than "1000 mW".
        var magnitude = (int)Math.Floor(Math.Log10(Math.Abs(value)));
        var rounded = Math.Round(value / Math.Pow(10, magnitude - 2), MidpointRounding.AwayFromZero) * Math.Pow(10, magnitude - 2);
        var (scale, prefix) = Math.Abs(rounded) >= 1 ? (1.0, string.Empty) : Math.Abs(rounded) >= 1e-3 ? (1e3, "m") : (1e6, "µ");
        var scaled = rounded * scale;
        var decimals = Math.Clamp(2 - (int)Math.Floor(Math.Log10(Math.Abs(scaled))), 0, 6);
        return $"{Math.Round(scaled, decimals).ToString("0.######", CultureInfo.InvariantCulture)} {prefix}{unit}";
    }
}
