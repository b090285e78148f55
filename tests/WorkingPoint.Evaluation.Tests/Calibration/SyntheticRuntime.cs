using WorkingPoint.Evaluation.Calibration;

namespace WorkingPoint.Evaluation.Tests.Calibration;

/// <summary>A measured row of a made-up runtime: the work of a model on a platform, in operations and layers.</summary>
internal sealed record SyntheticRow(string ModelId, string PlatformId, string Runtime, double WorkOps, int Layers, double Measured) : ICalibrationRow;

/// <summary>
/// A fake runtime whose time per inference is work ÷ (share × peak) + layers × overhead: two parameters a calibration must find
/// again from rows generated with them.
/// </summary>
internal static class SyntheticRuntime
{
    public const double PeakOpsPerSecond = 1e12;

    public static readonly ParameterSpace Space = new([
        new CalibrationParameter("computeShare", 0.01, 1, 0.5),
        new CalibrationParameter("layerOverheadSeconds", 1e-7, 1e-2, 1e-5),
    ]);

    public static double? Seconds(double[] parameters, SyntheticRow row) =>
        (row.WorkOps / (parameters[0] * PeakOpsPerSecond)) + (row.Layers * parameters[1]);

    /// <summary>
    /// Rows over <paramref name="models"/> models × <paramref name="platforms"/> platforms, measured with
    /// <paramref name="share"/> and <paramref name="overhead"/>, each off by a factor within ±<paramref name="noise"/> (seeded).
    /// </summary>
    public static SyntheticRow[] Rows(double share, double overhead, double noise = 0, int models = 5, int platforms = 3, string runtime = "fake-rt", int seed = 7)
    {
        var random = new Random(seed);
        var rows = new List<SyntheticRow>();
        for (var m = 0; m < models; m++)
        {
            for (var p = 0; p < platforms; p++)
            {
                // Work and layer counts vary independently, so both parameters are identifiable.
                var work = 1e9 * (1 + (3 * m)) * (1 + p);
                var layers = 20 + (37 * ((m + (2 * p)) % 5));
                var exact = Seconds([share, overhead], new SyntheticRow("", "", runtime, work, layers, 1))!.Value;
                var factor = noise == 0 ? 1 : 1 + (noise * ((2 * random.NextDouble()) - 1));
                rows.Add(new SyntheticRow($"model-{m}", $"platform-{p}", runtime, work, layers, exact * factor));
            }
        }

        return rows.ToArray();
    }
}
