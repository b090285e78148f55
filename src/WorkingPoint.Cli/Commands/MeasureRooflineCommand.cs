using WorkingPoint.Core.Files;
using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Evaluation;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Measurement.Roofline;
using WorkingPoint.Reporting.ScottPlot;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Runner;

namespace WorkingPoint.Cli.Commands;

/// <summary><c>wpt measure roofline</c>: this machine's bandwidth per memory level, compute peaks and latency, saved as the <c>host</c> platform.</summary>
public sealed class MeasureRooflineCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<MeasureRooflineCommand.Settings>
{
    public sealed class Settings : MeasureSettings
    {
        [CommandOption("--quick")]
        [Description("A coarse sweep of a few seconds (fewer sizes, shorter repetitions).")]
        public bool Quick { get; init; }

        [CommandOption("-o|--output <FILE>")]
        [Description("Plot the bandwidth curve to a .png or .svg; the roofline goes beside it as <name>-roofline.<ext>.")]
        public string? OutputPath { get; init; }

        [CommandOption("--host-file <PATH>")]
        [Description("Where to write the measured 'host' platform. Default: host.yaml in the data directory, which --platform host reads.")]
        public string? HostFile { get; init; }

        [CommandOption("--threads <N>")]
        [Description("Threads to measure with. Default: one per logical CPU.")]
        [Limit(1, Limits.ThreadsPerCore, PerLogicalCore = true)]
        public int? Threads { get; init; }

        [CommandOption("--dram-mib <MIB>")]
        [Description("Size of each of the three DRAM arrays, in MiB (default 512, the C STREAM reference's). Refused when three do not fit in half the available memory; the default is scaled down instead.")]
        public int? DramMib { get; init; }

        [CommandOption("--scalar")]
        [Description("Use the scalar fallback kernels (to compare with the vector paths).")]
        public bool Scalar { get; init; }

        public override ValidationResult Validate() =>
            OutputPath is not null && !RooflinePlotter.SupportedExtensions.Contains(Path.GetExtension(OutputPath).ToLowerInvariant()) ? ValidationResult.Error($"--output must end in .png or .svg, got '{OutputPath}'.")
            : Threads is < 1 ? ValidationResult.Error("--threads must be at least 1.")
            : DramMib < DramStream.SmallestBytesPerArray / (1024 * 1024) ? ValidationResult.Error($"--dram-mib must be at least {DramStream.SmallestBytesPerArray / (1024 * 1024)} (smaller arrays may sit in the last-level cache), got {DramMib}.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var job = new BenchmarkJob(BenchmarkJobKind.Roofline, null, null, null, Parameters(settings)) { CommandLine = [.. context.Arguments] };
        if (settings.OutputPath is { } plotPath)
        {
            AtomicFile.RefuseUnwritableTarget(plotPath);
        }

        using var sink = new ResultsDatabaseSink(console, settings, settings.Json);
        var outcome = new RooflineBenchmarkRunner().Run(job, new ConsoleBenchmarkProgress(console), sink, cancellationToken);
        var (roofline, hostFile) = (outcome.Roofline, outcome.HostFile);
        var plots = settings.OutputPath is { } output ? SavePlots(roofline, output, hostFile) : [];
        if (settings.Json)
        {
            Output.Json(console, new
            {
                machine = roofline.Machine,
                threads = roofline.Threads,
                memoryPath = $"{roofline.MemoryPath} ({roofline.VectorBits}-bit)",
                byteConvention = HostRoofline.ByteConvention,
                caches = roofline.Caches.Levels.Select(l => new { level = l.Name, l.Type, sizeBytes = l.Size.Value, l.SharedByCpus, guessed = roofline.Caches.Guessed }),
                dram = roofline.DramRun is { } dram ? new
                {
                    bytesPerArray = dram.BytesPerArray.Value,
                    dram.Repetitions,
                    dram.HugePages,
                    scaledDownFromBytesPerArray = dram.ScaledDownFrom?.Value,
                    bestGbps = dram.Best.ToDictionary(b => b.Key.ToString().ToLowerInvariant(), b => b.Value.GBps),
                    medianGbps = dram.Median.ToDictionary(b => b.Key.ToString().ToLowerInvariant(), b => b.Value.GBps),
                } : null,
                levels = roofline.Levels.Select(l => new { level = l.Level, capacityBytes = l.Capacity.Value, gbps = l.Bandwidth.ToDictionary(b => b.Key.ToString().ToLowerInvariant(), b => b.Value.GBps) }),
                compute = roofline.Compute.Select(c => new { c.Precision, gopsOrGflops = c.Peak?.Value / 1e9, c.Path, c.NotMeasured }),
                latencyNs = roofline.Latencies.ToDictionary(l => l.Level, l => l.PerLoad.Value * 1e9),
                curve = roofline.Curve.Select(p => new { kernel = p.Kernel.ToString().ToLowerInvariant(), workingSetBytes = p.WorkingSet.Value, gbps = p.Bandwidth.GBps }),
                hostFile,
                plots,
                durationSeconds = roofline.Duration.TotalSeconds,
            });
        }
        else
        {
            Render(roofline, hostFile, plots);
        }

        sink.ThrowIfUnsaved();
        return 0;
    }

    /// <summary>The options as the job's parameters (the plot is the command's own business).</summary>
    internal static IReadOnlyDictionary<string, string> Parameters(Settings settings) => new JobParametersBuilder()
        .Flag("quick", settings.Quick)
        .Add("threads", settings.Threads)
        .Add("dram-mib", settings.DramMib)
        .Flag("scalar", settings.Scalar)
        .Add("host-file", settings.HostFile)
        .Build();

    private List<string> SavePlots(HostRoofline roofline, string output, string hostFile)
    {
        var curves = Enum.GetValues<MemoryKernel>().Select(k =>
        {
            var points = roofline.Curve.Where(p => p.Kernel == k).ToArray();
            return (k.ToString().ToLowerInvariant(), (IReadOnlyList<double>)points.Select(p => p.WorkingSet.Value).ToArray(), (IReadOnlyList<double>)points.Select(p => p.Bandwidth.GBps).ToArray());
        }).ToArray();
        var levels = roofline.Caches.Levels.Select(l => ($"{l.Name} {l.TotalSize(roofline.Threads)}", l.TotalSize(roofline.Threads).Value)).ToArray();
        new MeasurementPlotter().SaveBandwidthCurve($"Measured bandwidth: {roofline.Machine.CpuModel}, {roofline.Threads} threads", curves, levels, output);

        // The measured ceilings as a roofline (peaks, no achievable fractions: this is what was measured).
        var host = catalog.ResolvePlatform(hostFile);
        var ceilings = new Ceilings(host, AchievableFractions.Defaults with { Compute = 1, Dram = 1, OnChip = 1 });
        var (compute, bandwidth) = RooflineChart.CeilingsOf(ceilings);
        var rooflinePath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output)) ?? ".", $"{Path.GetFileNameWithoutExtension(output)}-roofline{Path.GetExtension(output)}");
        new RooflinePlotter().Save(new RooflineChart($"Measured roofline: {roofline.Machine.CpuModel}", compute, bandwidth, []), rooflinePath);
        return [output, rooflinePath];
    }

    private void Render(HostRoofline roofline, string hostFile, IReadOnlyList<string> plots)
    {
        console.MarkupLine($"[bold]{Markup.Escape(roofline.Machine.ToString())}[/], {roofline.Threads} threads, memory kernels {roofline.MemoryPath} ({roofline.VectorBits}-bit), measured in {Output.Number(roofline.Duration.TotalSeconds)} s.");
        var bandwidth = new Table().Border(TableBorder.Rounded).Title("[bold]Bandwidth per level[/] (GB/s, all threads)");
        bandwidth.AddColumn("Level").AddColumn(new TableColumn("Capacity").RightAligned());
        foreach (var kernel in Enum.GetValues<MemoryKernel>())
        {
            bandwidth.AddColumn(new TableColumn(kernel.ToString().ToLowerInvariant()).RightAligned());
        }

        foreach (var level in roofline.Levels)
        {
            var cells = new List<string> { level.Level, level.Level == "DRAM" ? "–" : Output.Bytes(level.Capacity.Value) };
            cells.AddRange(Enum.GetValues<MemoryKernel>().Select(k => level.Bandwidth.TryGetValue(k, out var b) ? Output.Number(b.GBps) : "–"));
            bandwidth.AddRow(cells.ToArray());
        }

        console.Write(bandwidth);
        console.MarkupLine($"[grey]{Markup.Escape(HostRoofline.ByteConvention)}[/]");
        if (roofline.DramRun is { } dram)
        {
            console.MarkupLine($"[grey]DRAM: 3 arrays of {Output.Bytes(dram.BytesPerArray.Value)}, best of {dram.Repetitions} passes (median triad {Output.Number(dram.Median[MemoryKernel.Triad].GBps)} GB/s), {(dram.HugePages ? "transparent huge pages" : "small pages")}.[/]");
            if (dram.ScaledDownFrom is { } asked)
            {
                console.MarkupLine($"[yellow]Memory is short: the DRAM arrays were scaled down from {Output.Bytes(asked.Value)} to {Output.Bytes(dram.BytesPerArray.Value)} each (at most half the available memory).[/]");
            }
        }

        var compute = new Table().Border(TableBorder.Rounded).Title("[bold]Compute peaks[/] (all threads)").AddColumn("Precision").AddColumn(new TableColumn("Peak").RightAligned()).AddColumn("Instructions");
        foreach (var peak in roofline.Compute)
        {
            compute.AddRow(peak.Precision, peak.Peak is { } p ? $"{Output.Number(p.Value / 1e9)} {(peak.Precision == "int8" ? "GOPS" : "GFLOPS")}" : "[grey]–[/]", Markup.Escape(peak.NotMeasured ?? peak.Path));
        }

        console.Write(compute);
        var latency = new Table().Border(TableBorder.Rounded).Title("[bold]Load-to-use latency[/] (one thread, dependent loads)").AddColumn("Level").AddColumn(new TableColumn("Working set").RightAligned()).AddColumn(new TableColumn("Latency").RightAligned());
        foreach (var l in roofline.Latencies)
        {
            latency.AddRow(l.Level, Output.Bytes(l.WorkingSet.Value), $"{Output.Number(l.PerLoad.Value * 1e9)} ns");
        }

        console.Write(latency);
        if (roofline.Caches.Guessed)
        {
            console.MarkupLine("[yellow]The OS did not report cache sizes; level boundaries are guessed (32 KiB L1, 1 MiB L2, 8 MiB L3).[/]");
        }

        console.MarkupLine($"Wrote the measured platform to [bold]{Markup.Escape(Path.GetFullPath(hostFile))}[/]; predictions for this machine: wpt predict --platform host --model yolov8n --weights fp32.");
        console.MarkupLine("[grey]Next: wpt measure runtimes (a minute or two) fits the shares of this roofline that llama.cpp and ONNX Runtime reach here.[/]");
        foreach (var plot in plots)
        {
            OutputFiles.SayWrote(console, plot);
        }
    }
}
