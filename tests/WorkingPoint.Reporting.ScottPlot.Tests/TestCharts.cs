using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Units;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Reporting.ScottPlot.Tests;

/// <summary>Hand-made platforms and the roofline charts built from them.</summary>
internal static class TestCharts
{
    /// <summary>Resembles a Jetson Orin Nano 8 GB: 33.5 dense int8 TOPS (67 sparse), LPDDR5 6400 MT/s × 128 bit, 25 W.</summary>
    public static Platform OrinNanoLike() => Platform.WithOneUnit(
        Id: "test-orin-nano",
        Name: "Orin Nano-like test module",
        Vendor: "Test",
        Kind: "gpu-soc",
        Execution: ExecutionStyle.LayerByLayer,
        Compute: new ComputeSpec(
        [
            new ComputePeak(Precision.Int8, OpsPerSecond.FromTops(67), Sparsity.Structured2To4),
            new ComputePeak(Precision.Fp16, OpsPerSecond.FromTops(16.75), Sparsity.Dense),
        ]),
        OnChip: new OnChipMemory(Bytes.FromMiB(4), null),
        Dram: new DramSpec(DramKind.Lpddr5, 6400, 128, Bytes.FromGiB(8)),
        HostLink: null,
        Power: new PowerSpec(new Watts(5), new Watts(25), null, false, new Dictionary<Precision, PicojoulesPerOp>(), null, null, null),
        Achievable: AchievableFractions.Defaults,
        Price: null,
        FormFactor: "module",
        Provenance: Provenance.None,
        Notes: null);

    /// <summary>Resembles a dataflow M.2 accelerator with no DRAM behind PCIe Gen3 x4.</summary>
    public static Platform DataflowCardLike() => Platform.WithOneUnit(
        Id: "test-dataflow-card",
        Name: "Dataflow card-like test accelerator",
        Vendor: "Test",
        Kind: "npu",
        Execution: ExecutionStyle.Dataflow,
        Compute: new ComputeSpec([new ComputePeak(Precision.Int8, OpsPerSecond.FromTops(26), Sparsity.Dense)]),
        OnChip: new OnChipMemory(Bytes.FromMiB(32), BytesPerSecond.FromGBps(1000)),
        Dram: null,
        HostLink: new HostLink(HostLinkKind.PcieGen3, 4),
        Power: new PowerSpec(new Watts(1), new Watts(2.5), null, true, new Dictionary<Precision, PicojoulesPerOp>(), null, null, null),
        Achievable: AchievableFractions.Defaults,
        Price: null,
        FormFactor: "m.2",
        Provenance: Provenance.None,
        Notes: null);

    /// <summary>A platform's ceilings with a few whole-workload points placed on them by the predictors.</summary>
    public static RooflineChart WorkloadChart(Platform platform)
    {
        var ceilings = new Ceilings(platform);
        var (compute, bandwidth) = RooflineChart.CeilingsOf(ceilings);
        var points = new List<RooflinePoint>();
        foreach (var id in new[] { "yolov8n", "yolov8s" })
        {
            var graph = ModelZoo.GraphModels.Single(m => m.Id == id).Build();
            var p = GraphPredictor.Predict(graph, ceilings, WeightFormat.Int8);
            points.Add(new RooflinePoint(id, p.OffChipIntensity, p.AchievedOpsPerSecond, p.Bottleneck.ToId()));
        }

        points.Add(new RooflinePoint("hand-placed", 3, 0.2e12, "dram-bandwidth"));
        return new RooflineChart($"{platform.Name} (int8)", compute, bandwidth, points);
    }

    /// <summary>Every layer of YOLOv8n as its own point: more points than get labels one by one.</summary>
    public static RooflineChart PerLayerChart(Platform platform)
    {
        var ceilings = new Ceilings(platform);
        var (compute, bandwidth) = RooflineChart.CeilingsOf(ceilings);
        var graph = ModelZoo.GraphModels.Single(m => m.Id == "yolov8n").Build();
        var prediction = GraphPredictor.Predict(graph, ceilings, WeightFormat.Int8);
        var points = prediction.Layers
            .Select(l => new RooflinePoint(graph.Layers[l.Index].Name, l.OffChipIntensity, l.Cost.Ops / Math.Max(l.Seconds, double.Epsilon), l.Binding.ToId()))
            .ToList();
        return new RooflineChart($"YOLOv8n per layer on {platform.Name}", compute, bandwidth, points);
    }
}
