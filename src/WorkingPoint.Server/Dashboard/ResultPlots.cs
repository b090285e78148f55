using WorkingPoint.Core.Analysis;
using WorkingPoint.Reporting.ScottPlot;
using WorkingPoint.Results;

namespace WorkingPoint.Server.DashboardPages;

/// <summary>
/// A result's plots from its raw samples, drawn by the same plotters as the CLI's and the HTML report's (ScottPlot, SVG): the
/// latency histogram (bench onnx "latency"), throughput over time ("throughput", sustained runs), decode rate by context depth
/// (bench llm "decode-by-context"), and a roofline run's measured ceilings.
/// </summary>
internal sealed class ResultPlots
{
    public const string Latency = "latency";
    public const string Throughput = "throughput";
    public const string DecodeByContext = "decode-by-context";
    public const string Roofline = "roofline";

    private readonly MeasurementPlotter _plotter = new() { Width = 900, Height = 520 };
    private readonly UseCasePlotter _roofline = new() { Width = 900, Height = 520 };

    /// <summary>The plots a result has samples for, as (name, description).</summary>
    public static IReadOnlyList<(string Plot, string Alt)> Available(MeasurementRecord record)
    {
        var plots = new List<(string, string)>();
        if (Series(record, Latency) is { Values.Count: > 0 })
        {
            plots.Add((Latency, "Latency histogram"));
        }

        if (Series(record, Throughput) is { Values.Count: > 0, SecondsFromStart: not null })
        {
            plots.Add((Throughput, "Throughput over time"));
        }

        if (Series(record, DecodeByContext) is { Values.Count: > 0, SecondsFromStart: not null })
        {
            plots.Add((DecodeByContext, "Decode rate by context depth"));
        }

        if (RooflineOf(record) is not null)
        {
            plots.Add((Roofline, "Measured roofline"));
        }

        return plots;
    }

    /// <summary>The plot as SVG, or null when the result has no samples for it.</summary>
    public string? Svg(StoredMeasurement stored, string plot)
    {
        var record = stored.Record;
        var title = $"#{stored.Id} {record.Subject.Model ?? record.Kind.ToString().ToLowerInvariant()} on {record.Subject.Device}";
        if (!Available(record).Any(p => p.Plot == plot))
        {
            return null;
        }

        switch (plot)
        {
            case Latency:
                return _plotter.LatencyHistogramSvg($"Latency: {title}", Series(record, Latency)!.Values);
            case Throughput:
                var throughput = Series(record, Throughput)!;
                var sensors = record.Samples
                    .Where(s => s.Name.StartsWith("telemetry.", StringComparison.Ordinal) && s.SecondsFromStart is not null && s.Values.Count == s.SecondsFromStart.Count)
                    .Select(s => new TimeSeries(s.Name["telemetry.".Length..], s.Unit, s.SecondsFromStart!, s.Values))
                    .ToArray();
                // An LLM's series counts tokens (tok/s), a network's inferences.
                return _plotter.ThroughputOverTimeSvg($"Throughput: {title}", throughput.SecondsFromStart!.Zip(throughput.Values).ToArray(), sensors, throughput.Unit.StartsWith("tok", StringComparison.Ordinal) ? "tokens" : "inferences");
            case DecodeByContext:
                var decode = Series(record, DecodeByContext)!;
                return _plotter.DecodeByContextSvg($"Decode by context: {title}", decode.SecondsFromStart!.Zip(decode.Values, (context, rate) => ((int)context, rate)).ToArray(), null);
            default:
                return _roofline.RooflineSvg(RooflineOf(record)! with { Title = $"Measured roofline: {record.Platform.CpuModel} ({record.Subject.Device})" });
        }
    }

    private static SampleSeries? Series(MeasurementRecord record, string name) => record.Samples.FirstOrDefault(s => s.Name == name);

    /// <summary>
    /// A roofline run's measured ceilings (wpt measure roofline's figures: peak.fp32 / peak.int8 in G(FL)OPS, each level's triad in
    /// GB/s) as a chart without workloads; null for other kinds or a run without a peak and a bandwidth.
    /// </summary>
    private static RooflineChart? RooflineOf(MeasurementRecord record)
    {
        if (record.Kind != MeasurementKind.Roofline)
        {
            return null;
        }

        var compute = record.Metrics.Where(m => m.Name.StartsWith("peak.", StringComparison.Ordinal) && m.Value > 0)
            .Select(m => new ComputeCeiling(m.Name["peak.".Length..], m.Value * 1e9)).ToArray();
        var bandwidth = record.Metrics.Where(m => m.Name.EndsWith(".triad", StringComparison.Ordinal) && m.Unit == "GB/s" && m.Value > 0)
            .Select(m => new BandwidthCeiling(m.Name[..^".triad".Length].ToUpperInvariant(), m.Value * 1e9)).ToArray();
        return compute.Length > 0 && bandwidth.Length > 0 ? new RooflineChart("Measured roofline", compute, bandwidth, []) : null;
    }
}
