using ScottPlot;
using WorkingPoint.Core.Analysis;

namespace WorkingPoint.Reporting.ScottPlot;

/// <summary>One platform on the Pareto plot.</summary>
/// <param name="Feasible">Whether it meets every target and constraint; the others are drawn grey, for reference.</param>
/// <param name="PowerIsLowerBound">Its average power is only a lower bound (idle power unpublished): drawn hollow, labelled "≥".</param>
public sealed record ParetoPoint(string Label, double CostUsd, double AveragePowerW, double Score, bool OnFront, bool Feasible = true, bool PowerIsLowerBound = false);

/// <summary>One platform's achieved rate (or latency) as a fraction of the target: ≥ 1 meets it, above 1 is headroom.</summary>
public sealed record TargetRatio(string Platform, double Ratio, bool Met);

/// <summary>The use-case report's plots as SVG markup, to inline in a self-contained HTML file.</summary>
public sealed class UseCasePlotter
{
    public int Width { get; init; } = 900;

    public int Height { get; init; } = 520;

    /// <summary>
    /// Platforms by unit cost and average power, feasible ones coloured with marker size by working-point score, the Pareto front
    /// joined. Both axes start at zero; labels that would overlap another label or a marker move aside on a leader line.
    /// </summary>
    public string ParetoSvg(string title, IReadOnlyList<ParetoPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        using var plot = PlotStyle.NewPlot();
        var palette = new global::ScottPlot.Palettes.Category10();
        var maxScore = points.Where(p => p.Feasible).Select(p => p.Score).DefaultIfEmpty(1).Max();
        var grey = Color.FromHex("#9aa0a6");
        double MarkerSize(ParetoPoint p) => p.Feasible ? 8 + (22 * Math.Sqrt(Math.Max(p.Score, 0) / Math.Max(maxScore, 1e-9))) : 7;
        var legendDone = new HashSet<string>();
        foreach (var p in points.OrderBy(p => p.Feasible))
        {
            var colour = !p.Feasible ? grey : p.OnFront ? palette.GetColor(3) : palette.GetColor(0);
            var marker = plot.Add.Marker(p.CostUsd, p.AveragePowerW, p.PowerIsLowerBound ? MarkerShape.OpenCircle : MarkerShape.FilledCircle, (float)MarkerSize(p), colour);
            marker.MarkerLineWidth = p.PowerIsLowerBound ? 2 : 1;
            var kind = !p.Feasible ? "fails or unknown" : p.OnFront ? "meets, on the Pareto front" : "meets";
            if (legendDone.Add(kind))
            {
                // A legend entry of its own at a normal size: the first marker of a kind may be any size.
                var entry = plot.Add.Marker(double.NaN, double.NaN, MarkerShape.FilledCircle, 10, colour);
                entry.LegendText = kind;
            }
        }

        if (points.Any(p => p.PowerIsLowerBound))
        {
            var hollow = plot.Add.Marker(double.NaN, double.NaN, MarkerShape.OpenCircle, 10, Colors.Black);
            hollow.LegendText = "hollow, ≥: at least (idle power unpublished)";
        }

        var front = points.Where(p => p.OnFront).OrderBy(p => p.CostUsd).ToArray();
        if (front.Length > 1)
        {
            var line = plot.Add.Scatter(front.Select(p => p.CostUsd).ToArray(), front.Select(p => p.AveragePowerW).ToArray(), palette.GetColor(3));
            line.LineWidth = 1.5f;
            line.LinePattern = LinePattern.Dashed;
            line.MarkerSize = 0;
            line.LegendText = "Pareto front";
        }

        plot.Title(title);
        plot.XLabel("Unit cost (USD)");
        plot.YLabel("Average power (W)");
        // From zero, with room for the labels: a 0.01 W span would make equal platforms look far apart.
        var maxCost = points.Select(p => p.CostUsd).DefaultIfEmpty(100).Max();
        var maxPower = points.Select(p => p.AveragePowerW).DefaultIfEmpty(1).Max();
        plot.Axes.SetLimits(0, NiceCeiling(maxCost * 1.12), 0, NiceCeiling(maxPower * 1.15));
        plot.ShowLegend(Edge.Right);

        plot.RenderInMemory(Width, Height);
        var data = plot.RenderManager.LastRender.DataRect;
        var limits = plot.Axes.GetLimits();
        double PxX(double x) => data.Left + ((x - limits.Left) / (limits.Right - limits.Left) * data.Width);
        double PxY(double y) => data.Bottom - ((y - limits.Bottom) / (limits.Top - limits.Bottom) * data.Height);
        double DataX(double px) => limits.Left + ((px - data.Left) / data.Width * (limits.Right - limits.Left));
        double DataY(double px) => limits.Bottom + ((data.Bottom - px) / data.Height * (limits.Top - limits.Bottom));

        // Every marker is an obstacle; labels go right of their marker, else left, above, below, else further out on a leader line.
        var boxes = points.Select(p => { var r = MarkerSize(p) / 2; return new Box(PxX(p.CostUsd) - r, PxY(p.AveragePowerW) - r, PxX(p.CostUsd) + r, PxY(p.AveragePowerW) + r); }).ToList();
        foreach (var p in points.OrderByDescending(p => p.Feasible).ThenBy(p => p.CostUsd))
        {
            var text = $"{(p.PowerIsLowerBound ? "≥ " : string.Empty)}{p.Label}{(p.Feasible ? $" ({p.Score:0})" : string.Empty)}";
            double w = (text.Length * 6.4) + 4, h = 15, r = (MarkerSize(p) / 2) + 4;
            double mx = PxX(p.CostUsd), my = PxY(p.AveragePowerW);
            var candidates = new List<(double Left, double Top)> { (mx + r, my - (h / 2)), (mx - r - w, my - (h / 2)), (mx - (w / 2), my - r - h), (mx - (w / 2), my + r) };
            for (var step = 1; step <= 8; step++)
            {
                candidates.Add((mx + r, my - (h / 2) - (step * h)));
                candidates.Add((mx + r, my - (h / 2) + (step * h)));
                candidates.Add((mx - r - w, my - (h / 2) - (step * h)));
                candidates.Add((mx - r - w, my - (h / 2) + (step * h)));
            }

            var inside = candidates.Where(c => c.Left >= data.Left + 2 && c.Left + w <= data.Right - 2 && c.Top >= data.Top + 2 && c.Top + h <= data.Bottom - 2).ToList();
            var (left, top) = inside.FirstOrDefault(c => !boxes.Any(b => b.Overlaps(new Box(c.Left, c.Top, c.Left + w, c.Top + h))), inside.FirstOrDefault(candidates[0]));
            boxes.Add(new Box(left, top, left + w, top + h));
            var label = plot.Add.Text(text, DataX(left), DataY(top + h));
            label.LabelFontSize = 11;
            label.LabelFontName = PlotStyle.SansFamily;
            label.LabelFontColor = p.Feasible ? Colors.Black : Color.FromHex("#5f6368");
            label.LabelAlignment = Alignment.LowerLeft;
            if (Math.Abs(top + (h / 2) - my) > h)
            {
                // Moved away from its marker: a leader line says whose label it is.
                var anchorX = left > mx ? left : left + w;
                var leader = plot.Add.Line(p.CostUsd, p.AveragePowerW, DataX(anchorX), DataY(top + (h / 2)));
                leader.LineColor = Color.FromHex("#80868b");
                leader.LineWidth = 1;
            }
        }

        return Scalable(plot.GetSvgHtml(Width, Height));
    }

    /// <summary>
    /// Achieved ÷ target per platform for one workload: the target is the dashed line at 1, headroom shows above it and each bar
    /// prints its value. The axis is logarithmic when the ratios span more than a factor of 20, so both a ×0.05 and a ×40 read.
    /// </summary>
    public string TargetBarsSvg(string title, string what, IReadOnlyList<TargetRatio> ratios)
    {
        ArgumentNullException.ThrowIfNull(ratios);
        using var plot = PlotStyle.NewPlot();
        var palette = new global::ScottPlot.Palettes.Category10();
        var positive = ratios.Select(r => r.Ratio).Where(r => r > 0 && double.IsFinite(r)).DefaultIfEmpty(1).ToArray();
        var log = positive.Max() / Math.Min(positive.Min(), 1) > 20;
        var floor = log ? Math.Floor(Math.Log10(Math.Min(positive.Min(), 1) / 1.5)) : 0;
        double Scale(double ratio) => log ? (ratio > 0 ? Math.Log10(ratio) : floor) : ratio;
        var top = log ? Math.Ceiling(Math.Log10(Math.Max(positive.Max(), 1) * 2)) : Math.Max(1.25, positive.Max() * 1.18);
        for (var i = 0; i < ratios.Count; i++)
        {
            plot.Add.Bar(new Bar { Position = i, Value = Math.Max(Scale(ratios[i].Ratio), floor), ValueBase = floor, FillColor = ratios[i].Met ? palette.GetColor(2) : palette.GetColor(3), LineWidth = 0 });
            var value = plot.Add.Text(Ratio(ratios[i].Ratio), i, Math.Max(Scale(ratios[i].Ratio), floor));
            value.LabelFontSize = 10;
            value.LabelFontName = PlotStyle.SansFamily;
            value.LabelAlignment = Alignment.LowerCenter;
            value.LabelOffsetY = -2;
        }

        var target = plot.Add.HorizontalLine(Scale(1), 2, Colors.Black);
        target.LinePattern = LinePattern.Dashed;
        target.LegendText = "target (1.0)";
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, ratios.Count).Select(i => (double)i).ToArray(), ratios.Select(r => r.Platform).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 140;
        if (log)
        {
            plot.Axes.Left.TickGenerator = RooflinePlotter.LogTicks(v => Ratio(v));
        }

        plot.Title(title);
        plot.YLabel(log ? $"{what}, log scale" : what);
        plot.Axes.SetLimitsY(floor, top);
        plot.Axes.SetLimitsX(-0.7, Math.Max(ratios.Count, 1) - 0.3);
        plot.ShowLegend(Alignment.UpperRight);
        return Scalable(plot.GetSvgHtml(Width, Height));
    }

    /// <summary>A ratio as printed over its bar: "×4.01" above the target, "0.34" below it.</summary>
    public static string Ratio(double ratio) => !double.IsFinite(ratio) ? "–"
        : ratio >= 1 ? $"×{ratio.ToString(ratio >= 100 ? "0" : ratio >= 10 ? "0.#" : "0.##", System.Globalization.CultureInfo.InvariantCulture)}"
        : ratio.ToString(ratio >= 0.01 ? "0.##" : "0.###", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>1, 2 or 5 × a power of ten at or above <paramref name="value"/>, for an axis end.</summary>
    internal static double NiceCeiling(double value)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            return 1;
        }

        var decade = Math.Pow(10, Math.Floor(Math.Log10(value)));
        return new[] { 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 }.Select(k => k * decade).First(v => v >= value * 0.9999);
    }

    private readonly record struct Box(double Left, double Top, double Right, double Bottom)
    {
        public bool Overlaps(Box other) => Left < other.Right && other.Left < Right && Top < other.Bottom && other.Top < Bottom;
    }

    /// <summary>A platform's roofline with the use case's workloads placed on it.</summary>
    public string RooflineSvg(RooflineChart chart) => RooflineSvg([chart]);

    public string RooflineSvg(IReadOnlyList<RooflineChart> charts)
    {
        using var plot = new RooflinePlotter { Width = Width, Height = Height }.Render(charts);
        return Scalable(plot.GetSvgHtml(Width, Height));
    }

    private string Scalable(string svg) => PlotStyle.Scalable(svg, Width, Height);
}
