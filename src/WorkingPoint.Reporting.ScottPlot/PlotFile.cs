using ScottPlot;
using WorkingPoint.Core.Files;

namespace WorkingPoint.Reporting.ScottPlot;

/// <summary>
/// Plots rendered in memory and written by <see cref="AtomicFile"/>: ScottPlot's own SavePng/SaveSvg open the path in place,
/// following a symbolic link there and leaving half a file when interrupted.
/// </summary>
internal static class PlotFile
{
    public static void Write(Plot plot, string path, string format, int width, int height)
    {
        AtomicFile.RefuseUnwritableTarget(path);
        if (format == ".png")
        {
            using var image = plot.GetImage(width, height);
            AtomicFile.WriteAllBytes(path, image.GetImageBytes(ImageFormat.Png));
        }
        else
        {
            AtomicFile.WriteAllText(path, PlotStyle.WithFontFallback(plot.GetSvgXml(width, height)));
        }
    }
}
