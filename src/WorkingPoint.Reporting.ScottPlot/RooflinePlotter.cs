using WorkingPoint.Core;
using ScottPlot;
using ScottPlot.TickGenerators;
using WorkingPoint.Core.Analysis;

namespace WorkingPoint.Reporting.ScottPlot;

/// <summary>
/// Renders <see cref="RooflineChart"/>s to PNG or SVG on log-log axes: operational intensity (ops per off-chip byte) across,
/// achieved ops/s up. Bandwidth ceilings are the lines y = bandwidth × x, compute ceilings are horizontal, and the roofline is
/// min(best compute ceiling, bandwidth × x) for each bandwidth ceiling.
/// </summary>
/// <remarks>
/// ScottPlot 5 has no logarithmic axis, so everything is plotted as log10 of its value and the tick labels undo the transform.
/// Points that cannot sit on a log axis (zero, negative, infinite or NaN intensity or rate, e.g. a layer that moves no off-chip
/// bytes) are left out.
/// </remarks>
public sealed class RooflinePlotter
{
    /// <summary>The file extensions <see cref="Save(RooflineChart, string)"/> accepts.</summary>
    public static IReadOnlyList<string> SupportedExtensions { get; } = [".png", ".svg"];

    /// <summary>Above this many points a chart's points are grouped by binding resource in the legend and not labelled one by one.</summary>
    public int MaxLabelledPoints { get; init; } = 12;

    public int Width { get; init; } = 1200;

    public int Height { get; init; } = 800;

    /// <summary>Writes one platform's roofline to <paramref name="path"/> (.png or .svg).</summary>
    public void Save(RooflineChart chart, string path)
    {
        ArgumentNullException.ThrowIfNull(chart);
        Save([chart], path);
    }

    /// <summary>Writes several platforms' rooflines on one plot, one colour per platform, to <paramref name="path"/> (.png or .svg).</summary>
    public void Save(IReadOnlyList<RooflineChart> charts, string path)
    {
        ArgumentNullException.ThrowIfNull(charts);
        var format = FormatOf(path);
        if (charts.Count == 0)
        {
            throw new ArgumentException("At least one roofline chart is needed.", nameof(charts));
        }

        using var plot = Render(charts);
        PlotFile.Write(plot, path, format, Width, Height);
    }

    /// <summary>Builds the plot without saving it (the caller disposes it).</summary>
    public Plot Render(IReadOnlyList<RooflineChart> charts)
    {
        ArgumentNullException.ThrowIfNull(charts);
        var single = charts.Count == 1;
        var bounds = Bounds.Of(charts);
        var plot = new Plot();
        var palette = new global::ScottPlot.Palettes.Category10();
        for (var i = 0; i < charts.Count; i++)
        {
            var chart = charts[i];
            var colour = palette.GetColor(i);
            DrawCeilings(plot, chart, bounds, single, colour, palette);
            DrawPoints(plot, chart, single, colour, palette);
        }

        plot.Title(TitleOf(charts));
        plot.XLabel("Operational intensity (ops/byte)");
        plot.YLabel("Performance (ops/s)");
        plot.Axes.Bottom.TickGenerator = LogTicks(FormatIntensity);
        var unit = bounds.MaxOpsPerSecond >= 1e12 ? (Scale: 1e12, Name: "TOPS") : (Scale: 1e9, Name: "GOPS");
        plot.Axes.Left.TickGenerator = LogTicks(v => FormatRate(v, unit.Scale, unit.Name));
        plot.Axes.SetLimits(Math.Log10(bounds.XMin), Math.Log10(bounds.XMax), Math.Log10(bounds.YMin), Math.Log10(bounds.YMax));
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    /// <summary>The chart's own title, or for several a comparison title short enough to fit above the plot.</summary>
    internal static string TitleOf(IReadOnlyList<RooflineChart> charts)
    {
        if (charts.Count == 1)
        {
            return charts[0].Title;
        }

        var joined = $"Roofline: {string.Join(" vs ", charts.Select(c => c.Title))}";
        return joined.Length <= 70 ? joined : $"Roofline of {charts.Count} platforms";
    }

    /// <summary>The image format of a path by its extension; a clear error for any other.</summary>
    internal static string FormatOf(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return SupportedExtensions.Contains(extension)
            ? extension
            : throw new InvalidInputException(
                $"Cannot tell the image format of '{path}': use one of the extensions {string.Join(", ", SupportedExtensions)}.");
    }

    private static void DrawCeilings(Plot plot, RooflineChart chart, Bounds bounds, bool single, Color platformColour, IPalette palette)
    {
        double lx0 = Math.Log10(bounds.XMin), lx1 = Math.Log10(bounds.XMax);
        var best = chart.ComputeCeilings.Count == 0 ? (ComputeCeiling?)null : chart.ComputeCeilings.MaxBy(c => c.OpsPerSecond);

        // Single platform: each ceiling in its own colour, labelled in the legend. Several: all in the platform's colour, unlabelled.
        var next = 1;
        foreach (var ceiling in chart.ComputeCeilings)
        {
            var line = Line(plot, [lx0, lx1], [Math.Log10(ceiling.OpsPerSecond), Math.Log10(ceiling.OpsPerSecond)], single ? palette.GetColor(next++) : platformColour);
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = 1.5f;
            if (single)
            {
                line.LegendText = ceiling.Label;
            }
        }

        // Sloped ceilings stop at the top of the plot so they do not run off into the margin.
        foreach (var ceiling in chart.BandwidthCeilings.Where(b => b.BytesPerSecond > 0))
        {
            var lb = Math.Log10(ceiling.BytesPerSecond);
            var xTop = Math.Min(lx1, Math.Log10(bounds.YMax) - lb);
            var line = Line(plot, [lx0, xTop], [lx0 + lb, xTop + lb], single ? palette.GetColor(next++) : platformColour);
            line.LinePattern = LinePattern.Dotted;
            line.LineWidth = 1.5f;
            if (single)
            {
                line.LegendText = $"{ceiling.Label} ({ceiling.BytesPerSecond / 1e9:G4} GB/s)";
            }
        }

        if (best is null)
        {
            return;
        }

        var roofLegend = single ? $"roofline ({best.Label})" : $"{chart.Title} roofline";
        var labelled = false;
        foreach (var ceiling in chart.BandwidthCeilings.Where(b => b.BytesPerSecond > 0))
        {
            var lb = Math.Log10(ceiling.BytesPerSecond);
            var lc = Math.Log10(best.OpsPerSecond);
            var ridge = Math.Clamp(lc - lb, lx0, lx1);
            var line = Line(plot, [lx0, ridge, lx1], [Math.Min(lx0 + lb, lc), Math.Min(ridge + lb, lc), lc], single ? Colors.Black : platformColour);
            line.LineWidth = 3;
            if (!labelled)
            {
                line.LegendText = roofLegend;
                labelled = true;
            }
        }

        if (!labelled)
        {
            // No bandwidth figure: the roof is the compute ceiling alone.
            var lc = Math.Log10(best.OpsPerSecond);
            var line = Line(plot, [lx0, lx1], [lc, lc], single ? Colors.Black : platformColour);
            line.LineWidth = 3;
            line.LegendText = roofLegend;
        }
    }

    private void DrawPoints(Plot plot, RooflineChart chart, bool single, Color platformColour, IPalette palette)
    {
        var points = chart.Points.Where(Plottable).ToList();
        if (points.Count == 0)
        {
            return;
        }

        MarkerShape[] shapes = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledDiamond, MarkerShape.FilledTriangleUp, MarkerShape.FilledTriangleDown, MarkerShape.Eks];
        if (points.Count > MaxLabelledPoints)
        {
            // Many points (per-layer charts): one legend entry per binding resource.
            var groups = points.GroupBy(p => p.Binding).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
            for (var g = 0; g < groups.Count; g++)
            {
                var group = groups[g];
                var markers = Markers(plot, group.Select(p => Math.Log10(p.OpsPerByte)).ToArray(), group.Select(p => Math.Log10(p.AchievedOpsPerSecond)).ToArray(), single ? palette.GetColor(g + 5) : platformColour);
                markers.MarkerShape = shapes[g % shapes.Length];
                markers.MarkerSize = 7;
                markers.LegendText = $"{(single ? string.Empty : chart.Title + ": ")}{group.Key}-bound ({group.Count()})";
            }

            return;
        }

        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i];
            double x = Math.Log10(point.OpsPerByte), y = Math.Log10(point.AchievedOpsPerSecond);
            var colour = single ? palette.GetColor((i + 5) % 10) : platformColour;
            var marker = Markers(plot, [x], [y], colour);
            marker.MarkerShape = shapes[i % shapes.Length];
            marker.MarkerSize = 10;
            marker.LegendText = $"{(single ? string.Empty : chart.Title + ": ")}{point.Label} ({point.Binding})";
            var text = plot.Add.Text(point.Label, x, y);
            text.LabelFontSize = 12;
            text.LabelFontColor = colour;
            text.LabelAlignment = Alignment.LowerLeft;
            text.LabelOffsetX = 6;
            text.LabelOffsetY = -4;
        }
    }

    private static bool Plottable(RooflinePoint p) =>
        double.IsFinite(p.OpsPerByte) && p.OpsPerByte > 0 && double.IsFinite(p.AchievedOpsPerSecond) && p.AchievedOpsPerSecond > 0;

    private static global::ScottPlot.Plottables.Scatter Line(Plot plot, double[] xs, double[] ys, Color colour)
    {
        var line = plot.Add.Scatter(xs, ys, colour);
        line.MarkerSize = 0;
        return line;
    }

    private static global::ScottPlot.Plottables.Scatter Markers(Plot plot, double[] xs, double[] ys, Color colour)
    {
        var markers = plot.Add.Scatter(xs, ys, colour);
        markers.LineWidth = 0;
        return markers;
    }

    /// <summary>Major ticks at whole decades (in log10 space), minor ticks at 2…9 × each decade, labels from <paramref name="format"/>(10^tick).</summary>
    internal static NumericAutomatic LogTicks(Func<double, string> format) => new()
    {
        MinorTickGenerator = new LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = log => format(Math.Pow(10, Math.Round(log, 6))),
    };

    internal static string FormatIntensity(double opsPerByte) => Number(opsPerByte);

    internal static string FormatRate(double opsPerSecond, double scale, string unit) => $"{Number(opsPerSecond / scale)} {unit}";

    /// <summary>Plain digits from 0.001 to 999,999 ("0.01", "10000"), powers of ten beyond ("1e-05", "1e+07").</summary>
    private static string Number(double value) =>
        value.ToString(value is >= 1e-3 and < 1e6 ? "0.###" : "0.##e+00", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The decade-aligned extent that holds every ridge point, compute ceiling and plotted point of the charts.</summary>
    private readonly record struct Bounds(double XMin, double XMax, double YMin, double YMax, double MaxOpsPerSecond)
    {
        public static Bounds Of(IReadOnlyList<RooflineChart> charts)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            foreach (var chart in charts)
            {
                var best = chart.ComputeCeilings.Count == 0 ? 0 : chart.ComputeCeilings.Max(c => c.OpsPerSecond);
                ys.AddRange(chart.ComputeCeilings.Select(c => c.OpsPerSecond).Where(v => v > 0));
                if (best > 0)
                {
                    xs.AddRange(chart.BandwidthCeilings.Where(b => b.BytesPerSecond > 0).Select(b => best / b.BytesPerSecond));
                }

                foreach (var point in chart.Points.Where(Plottable))
                {
                    xs.Add(point.OpsPerByte);
                    ys.Add(point.AchievedOpsPerSecond);
                }
            }

            double xLow = xs.Count == 0 ? 1 : xs.Min(), xHigh = xs.Count == 0 ? 100 : xs.Max();
            double yLow = ys.Count == 0 ? 1e9 : ys.Min(), yHigh = ys.Count == 0 ? 1e12 : ys.Max();

            // A decade of room either side, so the slope left of the lowest ridge point shows.
            var xMin = Decade(xLow / 10, Math.Floor);
            var xMax = Decade(xHigh * 10, Math.Ceiling);
            var yMax = Decade(yHigh * 2, Math.Ceiling);
            var yMin = Math.Min(Decade(yLow / 2, Math.Floor), yMax / 1e4);
            return new Bounds(xMin, xMax, yMin, yMax, yHigh);
        }

        private static double Decade(double value, Func<double, double> round) => Math.Pow(10, round(Math.Log10(value)));
    }
}
