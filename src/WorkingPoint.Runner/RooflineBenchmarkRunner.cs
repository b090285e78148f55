using WorkingPoint.Catalog;
using WorkingPoint.Core.Files;
using WorkingPoint.Evaluation;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;
using WorkingPoint.Measurement.Roofline;

namespace WorkingPoint.Runner;

/// <summary>A roofline job's outcome: the measured roofline and where the measured 'host' platform was written.</summary>
public sealed record RooflineBenchmarkOutcome(IReadOnlyList<MeasurementRecord> Records, HostRoofline Roofline, string HostFile) : BenchmarkOutcome(Records);

/// <summary><c>roofline</c> jobs: this machine's bandwidth per memory level, compute peaks and latency, saved as the <c>host</c> platform.</summary>
public sealed class RooflineBenchmarkRunner : IBenchmarkRunner
{
    public BenchmarkJobKind Kind => BenchmarkJobKind.Roofline;

    BenchmarkOutcome IBenchmarkRunner.Run(BenchmarkJob job, IBenchmarkProgress progress, IBenchmarkResultSink sink, CancellationToken cancellation) => Run(job, progress, sink, cancellation);

    public RooflineBenchmarkOutcome Run(BenchmarkJob job, IBenchmarkProgress progress, IBenchmarkResultSink sink, CancellationToken cancellation)
    {
        var values = RunnerSupport.Validate(job, Kind);
        var scalar = values.Flag("scalar");
        var dramMib = values.Integer("dram-mib");
        var options = (values.Flag("quick") ? RooflineOptions.Quick : RooflineOptions.Full) with
        {
            Threads = values.Integer("threads"),
            MemoryPath = scalar ? KernelPath.Scalar : null,
            FmaPath = scalar ? FmaPath.Scalar : null,
            Int8Path = scalar ? Int8Path.Portable : null,
            DramBytesPerArray = dramMib is { } mib ? mib * 1024L * 1024 : RooflineOptions.DefaultDramBytesPerArray,
            DramScaleDown = dramMib is null,
        };
        var hostFile = values.Text("host-file") ?? HostPlatform.DefaultPath;
        if (Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(hostFile))))
        {
            // A link at host.yaml is refused now, not after the measurement (a missing data directory is created on writing).
            AtomicFile.RefuseUnwritableTarget(hostFile);
        }

        sink.Open();
        sink.MeasurementStarts();
        HostRoofline roofline;
        try
        {
            roofline = progress.Phase<HostRoofline>("Measuring the roofline", (IProgress<BenchmarkProgress>? reporter) =>
                RooflineMeasurer.Measure(options, reporter is null ? null : new StageReporter(reporter), null, cancellation));
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            sink.ReportInterrupted("nothing");
            throw;
        }

        var record = roofline.ToRecord();
        sink.Save(record);
        HostPlatform.Write(hostFile, MeasuredHost.FiguresOf(roofline));
        return new RooflineBenchmarkOutcome([record], roofline, hostFile);
    }

    /// <summary>The measurer's stages as one phase: each stage named, its share of the whole (DRAM first, the sweep most of it).</summary>
    private sealed class StageReporter(IProgress<BenchmarkProgress> reporter) : IProgress<(string Stage, double Fraction)>
    {
        public void Report((string Stage, double Fraction) value) => reporter.Report(new BenchmarkProgress(
            $"Measuring {value.Stage}",
            value.Stage.StartsWith("DRAM", StringComparison.Ordinal) ? 0
            : value.Stage == "memory bandwidth" ? 0.1 + (value.Fraction * 0.7)
            : value.Stage == "compute peaks" ? 0.8
            : value.Stage == "load latency" ? 0.9
            : 1));
    }
}
