using ScottPlot;
using SkiaSharp;

namespace WorkingPoint.Reporting.ScottPlot;

/// <summary>
/// What every plot shares: a sans-serif face. ScottPlot's default is the system's default face, a serif one on many Linux
/// machines, so the face is chosen here and SVG text names generic fallbacks for a viewer without it.
/// </summary>
internal static class PlotStyle
{
    private static readonly string[] Candidates = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica", "Open Sans"];

    /// <summary>The first of the usual sans-serif families installed here; ScottPlot's own sans choice otherwise.</summary>
    public static string SansFamily { get; } = Detect();

    /// <summary>A new plot with every text in <see cref="SansFamily"/>.</summary>
    public static Plot NewPlot()
    {
        var plot = new Plot();
        plot.Font.Set(SansFamily);
        return plot;
    }

    /// <summary>SVG markup whose text falls back to Helvetica, Arial or any sans-serif face where <see cref="SansFamily"/> is missing.</summary>
    public static string WithFontFallback(string svg) =>
        svg.Replace($"font-family=\"{SansFamily}\"", $"font-family=\"{SansFamily}, Helvetica, Arial, sans-serif\"", StringComparison.Ordinal);

    private static string Detect()
    {
        foreach (var family in Candidates)
        {
            using var typeface = SKFontManager.Default.MatchFamily(family);
            if (typeface is not null && string.Equals(typeface.FamilyName, family, StringComparison.OrdinalIgnoreCase))
            {
                return family;
            }
        }

        return Fonts.Sans;
    }
}
