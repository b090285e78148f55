using WorkingPoint.Evaluation.Calibration;
using WorkingPoint.Evaluation.Published;

namespace WorkingPoint.Evaluation.Tests.Calibration;

public sealed class HarnessCalibrationTests
{
    /// <summary>A published case whose measured figure is replaced by one the model made at known parameters.</summary>
    private sealed record MadeRow(PublishedCase Case, double Measured) : ICalibrationRow
    {
        public string ModelId => Case.ModelId;

        public string PlatformId => Case.PlatformId;
    }

    // Ultralytics (Python), NVIDIA's MLPerf SingleStream (CUDA graphs), trtexec (neither) and an Offline row.
    private static readonly string[] Ids = ["V39", "V39i", "V40", "V41", "V157", "V165", "V173", "V189", "M2", "M9", "V220", "V205", "V206", "V207", "M1"];

    private static readonly Lazy<IReadOnlyList<PublishedCase>> Cases = new(() =>
        PublishedCases.Resolve(PublishedDataset.BuiltIn.Rows.Where(r => Ids.Contains(r.Id)), Catalog.Catalog.BuiltIn).Cases);

    [Fact]
    public void Rows_named_by_a_harness_are_tensorrt_driven_by_it_and_calibrated_in_tensorrts_group()
    {
        var cases = Cases.Value.ToDictionary(c => c.Row.Id);
        Assert.Equal(Ids.Length, cases.Count);
        Assert.All(cases.Values, c => Assert.Equal("tensorrt", c.Group));
        Assert.Equal("ultralytics-tensorrt", cases["V39"].Runtime.Harness!.Id);
        Assert.True(cases["M2"].Runtime.Harness!.CudaGraphs);
        Assert.Null(cases["V205"].Runtime.Harness);
        Assert.Null(cases["M1"].Runtime.Harness);
    }

    [Fact]
    public void Only_a_runtime_with_a_harness_that_pays_it_fits_a_harness_overhead()
    {
        var catalog = Catalog.Catalog.BuiltIn;
        Assert.Contains("harnessOverheadUs", new RuntimeProfileParameters(catalog.ResolveRuntime("tensorrt")).Space.Names);
        foreach (var other in catalog.Runtimes.Where(r => r.Id != "tensorrt"))
        {
            Assert.Equal(7, new RuntimeProfileParameters(other).Space.Count);
        }
    }

    [Fact]
    public void A_fitted_vector_reaches_each_row_through_its_own_harness()
    {
        var cases = Cases.Value.ToDictionary(c => c.Row.Id);
        var fitted = new RuntimeProfileParameters(cases["V205"].Runtime).FromVector([0.8, 0.5, 0.4, 15, 50, 16, 1, 2000]);

        Assert.Equal(2000e-6, fitted.Runtime.Profile.HarnessOverhead.Value, 12);
        Assert.Equal("ultralytics-tensorrt", fitted.Apply(cases["V39"]).Runtime!.DrivenAsId);
        Assert.Equal("tensorrt-cuda-graphs", fitted.Apply(cases["M2"]).Runtime!.DrivenAsId);
        Assert.Same(fitted.Runtime, fitted.Apply(cases["V205"]).Runtime);
        var withoutHarness = cases["V39"].Predict(fitted.Apply(cases["V39"]) with { Runtime = fitted.Runtime });
        Assert.True(cases["V39"].Predict(fitted.Apply(cases["V39"])) > withoutHarness + 1.9, "the Python harness adds its 2 ms to the latency");
    }

    [Fact]
    public void Fitting_rows_made_through_three_harnesses_recovers_the_per_kernel_and_the_harness_cost()
    {
        var tensorRt = new RuntimeProfileParameters(Cases.Value.First(c => c.Runtime.Harness is null).Runtime);
        double? Predict(double[] p, MadeRow row) => row.Case.Predict(tensorRt.FromVector([1, 0.5, p[0], p[1], 40, 16, 1, p[2]]).Apply(row.Case));
        var truth = new[] { 0.4, 15, 2000 };
        var rows = Cases.Value.Select(c => new MadeRow(c, Predict(truth, new MadeRow(c, 1))!.Value)).ToArray();
        var space = new ParameterSpace([
            new CalibrationParameter("networkComputeShare", 0.01, 1, 0.5),
            new CalibrationParameter("layerOverheadUs", 0.1, 10_000, 0.1, LowerMeansZero: true),
            new CalibrationParameter("harnessOverheadUs", 0.1, 100_000, 0.1, LowerMeansZero: true),
        ]);

        var fit = Calibrator.Fit(rows, Predict, space);

        Assert.InRange(fit.Parameters[0], 0.4 * 0.97, 0.4 * 1.03);
        Assert.InRange(fit.Parameters[1], 15 * 0.97, 15 * 1.03);
        Assert.InRange(fit.Parameters[2], 2000 * 0.97, 2000 * 1.03);
    }
}
