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
        var plot = PlotStyle.NewPlot();
        var palette = new global::ScottPlot.Palettes.Category10();
        var labels = new List<CeilingLabel>();
        var pointLabels = new List<PointLabel>();
        for (var i = 0; i < charts.Count; i++)
        {
            var chart = charts[i];
            var colour = palette.GetColor(i);
            DrawCeilings(plot, chart, bounds, single, colour, palette, labels);
            DrawPoints(plot, chart, single, colour, palette, pointLabels);
        }

        plot.Title(TitleOf(charts));
        plot.XLabel("Operational intensity (ops/byte)");
        plot.YLabel("Performance (ops/s)");
        plot.Axes.Bottom.TickGenerator = LogTicks(FormatIntensity);
        var unit = bounds.MaxOpsPerSecond >= 1e12 ? (Scale: 1e12, Name: "TOPS") : (Scale: 1e9, Name: "GOPS");
        plot.Axes.Left.TickGenerator = LogTicks(v => FormatRate(v, unit.Scale, unit.Name));
        plot.Axes.SetLimits(Math.Log10(bounds.XMin), Math.Log10(bounds.XMax), Math.Log10(bounds.YMin), Math.Log10(bounds.YMax));
        PlaceLegend(plot, charts, bounds);
        plot.Axes.Right.MinimumSize = 36; // room for the last tick label of the intensity axis

        // Labels on the lines need the pixel scale of the laid-out plot (a text's size is in pixels, its place in data units).
        plot.RenderInMemory(Width, Height);
        Label(plot, plot.RenderManager.LastRender.DataRect, bounds, labels, pointLabels);
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

    /// <summary>A ceiling to label on its line once the plot is laid out: horizontal at a rate, or sloped at a bandwidth.</summary>
    private sealed record CeilingLabel(string Text, Color Colour, double Log10Value, bool Sloped, int Platform);

    private static void DrawCeilings(Plot plot, RooflineChart chart, Bounds bounds, bool single, Color platformColour, IPalette palette, List<CeilingLabel> labels)
    {
        double lx0 = Math.Log10(bounds.XMin), lx1 = Math.Log10(bounds.XMax);
        var best = chart.ComputeCeilings.Count == 0 ? (ComputeCeiling?)null : chart.ComputeCeilings.MaxBy(c => c.OpsPerSecond);
        var platform = labels.Select(l => l.Platform).DefaultIfEmpty(-1).Max() + 1;

        // Single platform: each ceiling in its own colour. Several: all in the platform's colour (the legend names it). Either way
        // labelled on the line.
        var next = 1;
        foreach (var ceiling in chart.ComputeCeilings)
        {
            var colour = single ? palette.GetColor(next++) : platformColour;
            var line = Line(plot, [lx0, lx1], [Math.Log10(ceiling.OpsPerSecond), Math.Log10(ceiling.OpsPerSecond)], colour);
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = 1.5f;
            labels.Add(new CeilingLabel($"{ceiling.Label} {FormatRate(ceiling.OpsPerSecond)}", colour, Math.Log10(ceiling.OpsPerSecond), Sloped: false, platform));
        }

        // Sloped ceilings stop at the top of the plot so they do not run off into the margin.
        foreach (var ceiling in chart.BandwidthCeilings.Where(b => b.BytesPerSecond > 0))
        {
            var colour = single ? palette.GetColor(next++) : platformColour;
            var lb = Math.Log10(ceiling.BytesPerSecond);
            var xTop = Math.Min(lx1, Math.Log10(bounds.YMax) - lb);
            var line = Line(plot, [lx0, xTop], [lx0 + lb, xTop + lb], colour);
            line.LinePattern = LinePattern.Dotted;
            line.LineWidth = 1.5f;
            labels.Add(new CeilingLabel($"{ceiling.Label} {FormatBandwidth(ceiling.BytesPerSecond)}", colour, lb, Sloped: true, platform));
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

    /// <summary>A placed workload's name, written next to its marker once the plot is laid out.</summary>
    private sealed record PointLabel(string Text, Color Colour, double Log10X, double Log10Y);

    /// <summary>
    /// Writes every label where it hides no marker and no other label. Workloads: right of the marker, else left, above or below.
    /// Horizontal ceilings: just above the line from the left (no workload beats its bandwidth roof, so the upper left is empty),
    /// moved right past anything there. Sloped ceilings: along the line, above it (where no workload can be), ending near its top
    /// and moved down the line past anything in the way.
    /// </summary>
    private void Label(Plot plot, PixelRect data, Bounds bounds, List<CeilingLabel> ceilings, List<PointLabel> points)
    {
        double lx0 = Math.Log10(bounds.XMin), lx1 = Math.Log10(bounds.XMax), ly0 = Math.Log10(bounds.YMin), ly1 = Math.Log10(bounds.YMax);
        double pxPerDecadeX = data.Width / (lx1 - lx0), pxPerDecadeY = data.Height / (ly1 - ly0);
        double PxX(double log10) => data.Left + ((log10 - lx0) * pxPerDecadeX);
        double PxY(double log10) => data.Bottom - ((log10 - ly0) * pxPerDecadeY);
        const double height = 14, charWidth = 6.2;
        bool Inside(Box b) => b.Left >= data.Left + 1 && b.Right <= data.Right - 1 && b.Top >= data.Top + 1 && b.Bottom <= data.Bottom - 1;
        var taken = points.Select(p => new Box(PxX(p.Log10X) - 6, PxY(p.Log10Y) - 6, PxX(p.Log10X) + 6, PxY(p.Log10Y) + 6)).ToList();
        bool Free(IEnumerable<Box> boxes) => boxes.All(b => Inside(b) && !taken.Any(t => t.Overlaps(b)));

        foreach (var point in points)
        {
            double x = PxX(point.Log10X), y = PxY(point.Log10Y), width = point.Text.Length * 6.8;
            (double Left, double Top, Alignment Align)[] candidates =
            [
                (x + 8, y - height - 2, Alignment.LowerLeft), (x + 8, y + 2, Alignment.UpperLeft), (x - 8 - width, y - height - 2, Alignment.LowerRight),
                (x - 8 - width, y + 2, Alignment.UpperRight), (x + 8, y - (2 * height) - 4, Alignment.LowerLeft), (x + 8, y + height + 4, Alignment.UpperLeft),
            ];
            var boxes = candidates.Select(c => new Box(c.Left, c.Top, c.Left + width, c.Top + height)).ToArray();
            var index = Math.Max(0, Array.FindIndex(boxes, b => Free([b])));
            var (box, align) = (boxes[index], candidates[index].Align);
            taken.Add(box);
            var anchorX = align is Alignment.LowerLeft or Alignment.UpperLeft ? box.Left : box.Right;
            var anchorY = align is Alignment.LowerLeft or Alignment.LowerRight ? box.Bottom : box.Top;
            var text = plot.Add.Text(point.Text, lx0 + ((anchorX - data.Left) / pxPerDecadeX), ly0 + ((data.Bottom - anchorY) / pxPerDecadeY));
            Style(text, point.Colour, align, 12);
        }

        foreach (var label in ceilings.Where(l => !l.Sloped).OrderByDescending(l => l.Log10Value))
        {
            var width = label.Text.Length * charWidth;
            var bottom = PxY(label.Log10Value) - 1;
            var left = data.Left + 6.0;
            while (!Free([new Box(left, bottom - height, left + width, bottom)]) && left + width < data.Right)
            {
                left += 12;
            }

            taken.Add(new Box(left, bottom - height, left + width, bottom));
            var text = plot.Add.Text(label.Text, lx0 + ((left - data.Left) / pxPerDecadeX), label.Log10Value);
            Style(text, label.Colour, Alignment.LowerLeft, 11);
        }

        // A slope of one decade per decade at the plot's pixel aspect: along the line, toward its lower left, and the side above it.
        var angle = Math.Atan2(pxPerDecadeY, pxPerDecadeX);
        (double X, double Y) along = (-Math.Cos(angle), Math.Sin(angle)), above = (-Math.Sin(angle), -Math.Cos(angle));
        foreach (var label in ceilings.Where(l => l.Sloped).OrderByDescending(l => l.Log10Value))
        {
            var length = label.Text.Length * charWidth;
            var xTop = Math.Min(lx1, ly1 - label.Log10Value);
            (double X, double Y) top = (PxX(xTop), PxY(xTop + label.Log10Value));
            IEnumerable<Box> Footprint(double back)
            {
                // The rotated text as squares of its height along the line.
                for (var s = 0.0; s < length; s += height)
                {
                    double cx = top.X + ((back + s + (height / 2)) * along.X) + ((height / 2 + 2) * above.X), cy = top.Y + ((back + s + (height / 2)) * along.Y) + ((height / 2 + 2) * above.Y);
                    yield return new Box(cx - (height / 2), cy - (height / 2), cx + (height / 2), cy + (height / 2));
                }
            }

            var back = 20.0;
            while (!Free(Footprint(back)) && back < 2000)
            {
                back += 10;
            }

            if (back >= 2000)
            {
                back = 20;
            }

            taken.AddRange(Footprint(back));
            var x = xTop - (back * Math.Cos(angle) / pxPerDecadeX);
            var text = plot.Add.Text(label.Text, x, x + label.Log10Value);
            Style(text, label.Colour, Alignment.LowerRight, 11);
            text.LabelRotation = (float)(-angle * 180 / Math.PI);
        }

        void Style(global::ScottPlot.Plottables.Text text, Color colour, Alignment alignment, float size)
        {
            text.LabelFontSize = size;
            text.LabelFontColor = colour;
            text.LabelFontName = PlotStyle.SansFamily;
            text.LabelAlignment = alignment;
        }
    }

    private readonly record struct Box(double Left, double Top, double Right, double Bottom)
    {
        public bool Overlaps(Box other) => Left < other.Right && other.Left < Right && Top < other.Bottom && other.Top < Bottom;
    }

    /// <summary>
    /// The legend goes in the lower right corner when no workload is placed there (high intensity at a low rate is rare, and the
    /// ceiling labels sit elsewhere), outside to the right otherwise, so it never hides a point.
    /// </summary>
    private static void PlaceLegend(Plot plot, IReadOnlyList<RooflineChart> charts, Bounds bounds)
    {
        double lx0 = Math.Log10(bounds.XMin), lx1 = Math.Log10(bounds.XMax), ly0 = Math.Log10(bounds.YMin), ly1 = Math.Log10(bounds.YMax);
        var cornerHoldsAPoint = charts.SelectMany(c => c.Points.Where(Plottable))
            .Any(p => (Math.Log10(p.OpsPerByte) - lx0) / (lx1 - lx0) > 0.45 && (Math.Log10(p.AchievedOpsPerSecond) - ly0) / (ly1 - ly0) < 0.45);
        if (cornerHoldsAPoint)
        {
            plot.ShowLegend(Edge.Right);
        }
        else
        {
            plot.ShowLegend(Alignment.LowerRight);
        }
    }

    /// <summary>A platform's name short enough to prefix a line label ("NVIDIA Jetson Orin Nano 8GB (Super, 25 W mode)" → "NVIDIA Jetson Orin Nano 8GB").</summary>
    private static string ShortName(string title)
    {
        var cut = title.IndexOf(" (", StringComparison.Ordinal);
        return cut > 0 ? title[..cut] : title;
    }

    private void DrawPoints(Plot plot, RooflineChart chart, bool single, Color platformColour, IPalette palette, List<PointLabel> pointLabels)
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
                markers.LegendText = $"{(single ? string.Empty : ShortName(chart.Title) + ": ")}{group.Key}-bound ({group.Count()})";
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
            marker.LegendText = $"{(single ? string.Empty : ShortName(chart.Title) + ": ")}{point.Label} ({point.Binding})";
            pointLabels.Add(new PointLabel(point.Label, colour, x, y));
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

    /// <summary>A ceiling's rate in TOPS or GOPS, three significant digits ("67 TOPS", "1.09 TOPS", "205 GOPS").</summary>
    internal static string FormatRate(double opsPerSecond) =>
        opsPerSecond >= 1e12 ? $"{Significant(opsPerSecond / 1e12)} TOPS" : $"{Significant(opsPerSecond / 1e9)} GOPS";

    /// <summary>A ceiling's bandwidth in GB/s (MB/s below 1 GB/s), three significant digits.</summary>
    internal static string FormatBandwidth(double bytesPerSecond) =>
        bytesPerSecond >= 1e9 ? $"{Significant(bytesPerSecond / 1e9)} GB/s" : $"{Significant(bytesPerSecond / 1e6)} MB/s";

    private static string Significant(double value) =>
        value.ToString(value >= 100 ? "0" : value >= 10 ? "0.#" : "0.##", System.Globalization.CultureInfo.InvariantCulture);

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
