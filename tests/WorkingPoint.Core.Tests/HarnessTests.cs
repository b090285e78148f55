using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Units;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Zoo;

namespace WorkingPoint.Core.Tests;

public sealed class HarnessTests
{
    private static readonly RuntimeHarness Graphs = new("rt-graphs", "launched as one CUDA graph", CudaGraphs: true, PaysHarnessOverhead: false, "S1");

    private static readonly RuntimeHarness Python = new("rt-python", "called from Python", CudaGraphs: false, PaysHarnessOverhead: true, "S2");

    // The harness does not depend on the unit kind; the test platform has one NPU.
    private static Runtime Accelerator(double layerMicros, double inferenceMicros, double harnessMicros) =>
        new("rt", "rt", ComputeUnitKind.Npu, [WorkloadKind.Network], new Dictionary<Precision, Precision>(),
            new RuntimeProfile(0.8, 0.5, 0.5, new Seconds(layerMicros * 1e-6), new Seconds(inferenceMicros * 1e-6)) { HarnessOverhead = new Seconds(harnessMicros * 1e-6) },
            [], Provenance.None, null)
        {
            Harnesses = [Graphs, Python],
        };

    private static GraphPrediction Predict(Runtime runtime) =>
        GraphPredictor.Predict(ModelZoo.GraphModels.Single(m => m.Id == "yolov8n").Build(), Ceilings.For(TestPlatforms.Soc(maxWatts: null), runtime, WorkloadKind.Network), WeightFormat.Int8);

    [Fact]
    public void A_CUDA_graph_harness_pays_no_per_layer_cost_and_a_Python_harness_pays_its_own_per_inference_cost_on_top()
    {
        var runtime = Accelerator(layerMicros: 20, inferenceMicros: 100, harnessMicros: 1500);
        var plain = Predict(runtime);
        var graphs = Predict(runtime.WithHarness("rt-graphs")!);
        var python = Predict(runtime.WithHarness("rt-python")!);
        var kernels = plain.Layers.Count(l => l.Cost.FixedSeconds > 0);

        Assert.True(kernels > 50, $"{kernels} kernels");
        Assert.Equal(plain.Latency.Value - (kernels * 20e-6), graphs.Latency.Value, 9);
        Assert.Equal(plain.Latency.Value + 1500e-6, python.Latency.Value, 9);
    }

    [Fact]
    public void A_harness_overhead_changes_nothing_for_the_runtime_driven_without_that_harness()
    {
        var without = Predict(Accelerator(layerMicros: 20, inferenceMicros: 100, harnessMicros: 0));
        var with = Predict(Accelerator(layerMicros: 20, inferenceMicros: 100, harnessMicros: 1500));
        Assert.Equal(without.Latency.Value, with.Latency.Value, 12);
        Assert.Null(Accelerator(1, 1, 1).WithHarness("no-such-harness"));
        Assert.Equal("rt-python", Accelerator(1, 1, 1).WithHarness("rt-python")!.DrivenAsId);
        Assert.Equal("rt", Accelerator(1, 1, 1).DrivenAsId);
    }

    [Fact]
    public void A_negative_harness_overhead_is_refused()
    {
        var profile = new RuntimeProfile(0.8, 0.5, 0.5, Seconds.Zero, Seconds.Zero) { HarnessOverhead = new Seconds(-1e-6) };
        var ex = Assert.Throws<InvalidInputException>(() => profile.Validate("rt"));
        Assert.Contains("harnessOverheadUs", ex.Message, StringComparison.Ordinal);
    }
}
