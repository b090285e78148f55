using System.Globalization;

namespace WorkingPoint.Core.Units;

/// <summary>Numbers for people: a given count of significant digits, so 0.0123 and 12 300 both read at a glance.</summary>
public static class NumberText
{
    /// <summary><paramref name="value"/> to <paramref name="significant"/> significant digits (at most 6 decimals); "–" when not finite.</summary>
    public static string Significant(double value, int significant = 3)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            return "–";
        }

        if (value == 0)
        {
            return "0";
        }

        var magnitude = (int)Math.Floor(Math.Log10(Math.Abs(value)));
        var decimals = Math.Clamp(significant - 1 - magnitude, 0, 6);
        return value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
