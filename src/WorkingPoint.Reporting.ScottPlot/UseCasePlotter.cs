using ScottPlot;
using WorkingPoint.Core.Analysis;

namespace WorkingPoint.Reporting.ScottPlot;

/// <summary>One platform on the Pareto plot.</summary>
public sealed record ParetoPoint(string Label, double CostUsd, double AveragePowerW, double Score, bool OnFront);

/// <summary>One platform's achieved rate (or latency) as a fraction of the target: ≥ 1 meets it.</summary>
public sealed record TargetRatio(string Platform, double Ratio, bool Met);

/// <summary>The use-case report's plots as SVG markup, to inline in a self-contained HTML file.</summary>
public sealed class UseCasePlotter
{
    public int Width { get; init; } = 900;

    public int Height { get; init; } = 520;

    /// <summary>Feasible platforms by unit cost and average power, marker size by working-point score; the Pareto front labelled and joined.</summary>
    public string ParetoSvg(string title, IReadOnlyList<ParetoPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        using var plot = new Plot();
        var palette = new global::ScottPlot.Palettes.Category10();
        var maxScore = points.Select(p => p.Score).DefaultIfEmpty(1).Max();
        foreach (var p in points)
        {
            var size = 8 + (22 * Math.Sqrt(Math.Max(p.Score, 0) / Math.Max(maxScore, 1e-9)));
            var marker = plot.Add.Marker(p.CostUsd, p.AveragePowerW, MarkerShape.FilledCircle, (float)size, p.OnFront ? palette.GetColor(3) : palette.GetColor(0));
            marker.LegendText = string.Empty;
            var label = plot.Add.Text($"{p.Label} ({p.Score:0})", p.CostUsd, p.AveragePowerW);
            label.LabelFontSize = 11;
            label.LabelOffsetX = 10;
        }

        var front = points.Where(p => p.OnFront).OrderBy(p => p.CostUsd).ToArray();
        if (front.Length > 1)
        {
            var line = plot.Add.Scatter(front.Select(p => p.CostUsd).ToArray(), front.Select(p => p.AveragePowerW).ToArray(), palette.GetColor(3));
            line.LineWidth = 1.5f;
            line.LinePattern = LinePattern.Dashed;
            line.MarkerSize = 0;
            line.LegendText = "Pareto front";
            plot.ShowLegend(Alignment.UpperRight);
        }

        plot.Title(title);
        plot.XLabel("Unit cost (USD)");
        plot.YLabel("Average power (W)");
        plot.Axes.Margins(0.15, 0.2);
        return Scalable(plot.GetSvgHtml(Width, Height));
    }

    /// <summary>Achieved ÷ target per platform for one workload, with the target at 1 (bars at or above it meet it).</summary>
    public string TargetBarsSvg(string title, string what, IReadOnlyList<TargetRatio> ratios)
    {
        ArgumentNullException.ThrowIfNull(ratios);
        using var plot = new Plot();
        var palette = new global::ScottPlot.Palettes.Category10();
        for (var i = 0; i < ratios.Count; i++)
        {
            var bar = plot.Add.Bar(i, Math.Min(ratios[i].Ratio, 10));
            bar.Color = ratios[i].Met ? palette.GetColor(2) : palette.GetColor(3);
        }

        var target = plot.Add.HorizontalLine(1, 2, Colors.Black);
        target.LinePattern = LinePattern.Dashed;
        target.LegendText = "target";
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, ratios.Count).Select(i => (double)i).ToArray(), ratios.Select(r => r.Platform).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 140;
        plot.Title(title);
        plot.YLabel(what);
        plot.Axes.SetLimitsY(0, Math.Max(1.25, ratios.Select(r => Math.Min(r.Ratio, 10)).DefaultIfEmpty(1).Max() * 1.1));
        return Scalable(plot.GetSvgHtml(Width, Height));
    }

    /// <summary>A platform's roofline with the use case's workloads placed on it.</summary>
    public string RooflineSvg(RooflineChart chart) => RooflineSvg([chart]);

    public string RooflineSvg(IReadOnlyList<RooflineChart> charts)
    {
        using var plot = new RooflinePlotter { Width = Width, Height = Height }.Render(charts);
        return Scalable(plot.GetSvgHtml(Width, Height));
    }

    /// <summary>Adds a viewBox so the SVG scales to its container in a page instead of being cropped.</summary>
    private string Scalable(string svg)
    {
        var start = svg.IndexOf("<svg", StringComparison.Ordinal);
        return start < 0 || svg.Contains("viewBox", StringComparison.Ordinal)
            ? svg
            : svg.Insert(start + 4, string.Create(System.Globalization.CultureInfo.InvariantCulture, $" viewBox=\"0 0 {Width} {Height}\""));
    }
}
