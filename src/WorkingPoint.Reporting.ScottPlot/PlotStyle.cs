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

    /// <summary>A plot as SVG markup for a page: a viewBox so it scales to its container instead of being cropped, and sans-serif fallbacks.</summary>
    public static string ScalableSvg(Plot plot, int width, int height) => Scalable(plot.GetSvgHtml(width, height), width, height);

    /// <summary>Adds a viewBox so the SVG scales to its container in a page instead of being cropped, and sans-serif fallbacks.</summary>
    public static string Scalable(string svg, int width, int height)
    {
        svg = WithFontFallback(svg);
        var start = svg.IndexOf("<svg", StringComparison.Ordinal);
        return start < 0 || svg.Contains("viewBox", StringComparison.Ordinal)
            ? svg
            : svg.Insert(start + 4, string.Create(System.Globalization.CultureInfo.InvariantCulture, $" viewBox=\"0 0 {width} {height}\""));
    }

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
