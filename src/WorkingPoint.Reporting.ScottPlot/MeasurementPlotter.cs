using ScottPlot;

namespace WorkingPoint.Reporting.ScottPlot;

/// <summary>A labelled series over time, e.g. a temperature or a clock read during a run.</summary>
public sealed record TimeSeries(string Label, string Unit, IReadOnlyList<double> SecondsFromStart, IReadOnlyList<double> Values);

/// <summary>Plots of measured runs: the latency distribution of a scenario and throughput (with sensors) over a sustained run.</summary>
public sealed class MeasurementPlotter
{
    public int Width { get; init; } = 1200;

    public int Height { get; init; } = 700;

    /// <summary>Histogram of query latencies in milliseconds, with the p50, p90 and p99 marked.</summary>
    public void SaveLatencyHistogram(string title, IReadOnlyList<double> latencyMilliseconds, string path)
    {
        var format = RooflinePlotter.FormatOf(path);
        using var plot = LatencyHistogram(title, latencyMilliseconds);
        Save(plot, path, format);
    }

    /// <summary>The latency histogram as SVG markup that scales to its container (the lab dashboard serves it).</summary>
    public string LatencyHistogramSvg(string title, IReadOnlyList<double> latencyMilliseconds)
    {
        using var plot = LatencyHistogram(title, latencyMilliseconds);
        return PlotStyle.ScalableSvg(plot, Width, Height);
    }

    private static Plot LatencyHistogram(string title, IReadOnlyList<double> latencyMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(latencyMilliseconds);
        if (latencyMilliseconds.Count == 0)
        {
            throw new ArgumentException("A latency histogram needs at least one latency.", nameof(latencyMilliseconds));
        }

        var plot = new Plot();
        var sorted = latencyMilliseconds.Order().ToArray();
        var min = sorted[0];
        var max = sorted[^1];
        var span = max - min;
        // Freedman–Diaconis-like bin count, bounded so a handful of samples still shows a shape and thousands stay legible.
        var bins = Math.Clamp((int)Math.Ceiling(Math.Sqrt(sorted.Length) * 2), 5, 80);
        var histogram = global::ScottPlot.Statistics.Histogram.WithBinCount(bins, min - (span * 0.01) - 1e-9, max + (span * 0.01) + 1e-9);
        histogram.AddRange(sorted);
        plot.Add.Histogram(histogram);
        var palette = new global::ScottPlot.Palettes.Category10();
        var next = 1;
        foreach (var (label, percent) in new[] { ("p50", 50.0), ("p90", 90.0), ("p99", 99.0) })
        {
            var rank = Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1);
            var line = plot.Add.VerticalLine(sorted[rank], 2, palette.GetColor(next++));
            line.LinePattern = LinePattern.Dashed;
            line.LegendText = $"{label} {sorted[rank]:G4} ms";
        }

        plot.Title(title);
        plot.XLabel("Latency (ms)");
        plot.YLabel($"Queries (of {sorted.Length})");
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>
    /// Throughput per window over a run, with any sensor series on a second axis (one plot per unit would crowd; the first is
    /// drawn); <paramref name="units"/> names what is counted (inferences, tokens).
    /// </summary>
    public void SaveThroughputOverTime(string title, IReadOnlyList<(double WindowEndSeconds, double SamplesPerSecond)> throughput, IReadOnlyList<TimeSeries> sensors, string path, string units = "inferences")
    {
        var format = RooflinePlotter.FormatOf(path);
        using var plot = ThroughputOverTime(title, throughput, sensors, units);
        Save(plot, path, format);
    }

    /// <summary>Throughput over a run as SVG markup that scales to its container.</summary>
    public string ThroughputOverTimeSvg(string title, IReadOnlyList<(double WindowEndSeconds, double SamplesPerSecond)> throughput, IReadOnlyList<TimeSeries> sensors, string units = "inferences")
    {
        using var plot = ThroughputOverTime(title, throughput, sensors, units);
        return PlotStyle.ScalableSvg(plot, Width, Height);
    }

    private static Plot ThroughputOverTime(string title, IReadOnlyList<(double WindowEndSeconds, double SamplesPerSecond)> throughput, IReadOnlyList<TimeSeries> sensors, string units)
    {
        ArgumentNullException.ThrowIfNull(throughput);
        ArgumentNullException.ThrowIfNull(sensors);
        if (throughput.Count == 0)
        {
            throw new ArgumentException("A throughput plot needs at least one window.", nameof(throughput));
        }

        var plot = new Plot();
        var line = plot.Add.Scatter(throughput.Select(t => t.WindowEndSeconds).ToArray(), throughput.Select(t => t.SamplesPerSecond).ToArray());
        line.LegendText = $"throughput ({units}/s)";
        line.LineWidth = 2;
        var palette = new global::ScottPlot.Palettes.Category10();
        var next = 1;
        var right = plot.Axes.Right;
        string? rightUnit = null;
        foreach (var sensor in sensors.Where(s => s.Values.Count > 0))
        {
            rightUnit ??= sensor.Unit;
            if (sensor.Unit != rightUnit)
            {
                continue;
            }

            var series = plot.Add.Scatter(sensor.SecondsFromStart.ToArray(), sensor.Values.ToArray(), palette.GetColor(next++));
            series.Axes.YAxis = right;
            series.MarkerSize = 0;
            series.LegendText = $"{sensor.Label} ({sensor.Unit})";
        }

        if (rightUnit is not null)
        {
            right.Label.Text = rightUnit;
        }

        plot.Title(title);
        plot.XLabel("Time (s)");
        plot.YLabel($"{char.ToUpperInvariant(units[0])}{units[1..]} per second");
        plot.ShowLegend(Alignment.LowerLeft);
        return plot;
    }

    /// <summary>
    /// Measured bandwidth against working-set size on log-log axes, one line per kernel, with each cache level's capacity marked:
    /// the steps of the curve are the levels of the hierarchy.
    /// </summary>
    public void SaveBandwidthCurve(string title, IReadOnlyList<(string Kernel, IReadOnlyList<double> WorkingSetBytes, IReadOnlyList<double> GBps)> curves, IReadOnlyList<(string Label, double Bytes)> levels, string path)
    {
        ArgumentNullException.ThrowIfNull(curves);
        ArgumentNullException.ThrowIfNull(levels);
        var format = RooflinePlotter.FormatOf(path);
        using var plot = new Plot();
        var palette = new global::ScottPlot.Palettes.Category10();
        var next = 0;
        foreach (var (kernel, sizes, rates) in curves)
        {
            var keep = Enumerable.Range(0, sizes.Count).Where(i => sizes[i] > 0 && rates[i] > 0).ToArray();
            var line = plot.Add.Scatter(keep.Select(i => Math.Log10(sizes[i])).ToArray(), keep.Select(i => Math.Log10(rates[i])).ToArray(), palette.GetColor(next++));
            line.LegendText = kernel;
            line.LineWidth = 2;
        }

        foreach (var (label, bytes) in levels.Where(l => l.Bytes > 0))
        {
            var marker = plot.Add.VerticalLine(Math.Log10(bytes), 1, Colors.Gray);
            marker.LinePattern = LinePattern.Dotted;
            marker.Text = label;
        }

        plot.Title(title);
        plot.XLabel("Working set (all threads)");
        plot.YLabel("Bandwidth (GB/s, STREAM byte counting)");
        plot.Axes.Bottom.TickGenerator = RooflinePlotter.LogTicks(v => v >= 1 << 30 ? $"{v / (1 << 30):G3} GiB" : v >= 1 << 20 ? $"{v / (1 << 20):G3} MiB" : $"{v / 1024:G3} KiB");
        plot.Axes.Left.TickGenerator = RooflinePlotter.LogTicks(v => $"{v:G3}");
        plot.ShowLegend(Alignment.UpperRight);
        Save(plot, path, format);
    }

    /// <summary>
    /// Decode speed against context length: measured points (one line per run) and, where given, the analytic model's prediction
    /// dashed, so the KV cache's cost shows as the slope.
    /// </summary>
    public void SaveDecodeByContext(string title, IReadOnlyList<(int ContextTokens, double TokensPerSecond)> measured, IReadOnlyList<(int ContextTokens, double TokensPerSecond)>? predicted, string path)
    {
        var format = RooflinePlotter.FormatOf(path);
        using var plot = DecodeByContext(title, measured, predicted);
        Save(plot, path, format);
    }

    /// <summary>Decode speed against context length as SVG markup that scales to its container.</summary>
    public string DecodeByContextSvg(string title, IReadOnlyList<(int ContextTokens, double TokensPerSecond)> measured, IReadOnlyList<(int ContextTokens, double TokensPerSecond)>? predicted)
    {
        using var plot = DecodeByContext(title, measured, predicted);
        return PlotStyle.ScalableSvg(plot, Width, Height);
    }

    private static Plot DecodeByContext(string title, IReadOnlyList<(int ContextTokens, double TokensPerSecond)> measured, IReadOnlyList<(int ContextTokens, double TokensPerSecond)>? predicted)
    {
        ArgumentNullException.ThrowIfNull(measured);
        var plot = new Plot();
        var palette = new global::ScottPlot.Palettes.Category10();
        var line = plot.Add.Scatter(measured.Select(p => (double)p.ContextTokens).ToArray(), measured.Select(p => p.TokensPerSecond).ToArray(), palette.GetColor(0));
        line.LegendText = "measured";
        line.LineWidth = 2;
        if (predicted is { Count: > 0 })
        {
            var model = plot.Add.Scatter(predicted.Select(p => (double)p.ContextTokens).ToArray(), predicted.Select(p => p.TokensPerSecond).ToArray(), palette.GetColor(1));
            model.LegendText = "predicted";
            model.LinePattern = LinePattern.Dashed;
            model.LineWidth = 2;
            model.MarkerSize = 0;
        }

        plot.Title(title);
        plot.XLabel("Context (tokens in the KV cache)");
        plot.YLabel("Decode (tokens/s)");
        plot.Axes.SetLimitsY(0, Math.Max(measured.Concat(predicted ?? []).Select(p => p.TokensPerSecond).DefaultIfEmpty(1).Max() * 1.15, 1e-9));
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private void Save(Plot plot, string path, string format) => PlotFile.Write(plot, path, format, Width, Height);
}
