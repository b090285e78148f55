using WorkingPoint.Core;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Units;
using WorkingPoint.Evaluation.Published;

namespace WorkingPoint.Evaluation.Calibration;

/// <summary>
/// A runtime's profile as the calibration sees it: the three shares and the two fixed costs (in µs, as the runtime files write
/// them) as a vector with bounds, the runtime's prior profile (its figures before any fit) as the prior. Per-weight-format shares (byWeights) are kept as
/// the file has them.
/// </summary>
public sealed record RuntimeProfileParameters(Runtime Runtime) : IProfileParameters<RuntimeProfileParameters>
{
    /// <summary>The lower bound of an overhead on its logarithmic scale; a fit at it means no overhead, written as 0.</summary>
    public const double OverheadFloorMicroseconds = 0.1;

    /// <summary>What a profile changed by the calibration says it comes from.</summary>
    public const string FittedOrigin = "wpt calibrate";

    /// <summary>
    /// Whether the runtime has a harness that pays <c>harnessOverheadUs</c>: only then is it a parameter of the fit, so that
    /// every other runtime's space, fit and written file stay as they were.
    /// </summary>
    public bool FitsHarnessOverhead => HasHarnessOverhead(Runtime);

    public static bool HasHarnessOverhead(Runtime runtime) => runtime.Harnesses.Any(h => h.PaysHarnessOverhead);

    public ParameterSpace Space => new ParameterSpace([
        new CalibrationParameter("decodeDramShare", 0.05, 1, 0.75),
        new CalibrationParameter("prefillComputeShare", 0.01, 1, 0.5),
        new CalibrationParameter("networkComputeShare", 0.01, 1, 0.5),
        new CalibrationParameter("layerOverheadUs", OverheadFloorMicroseconds, 10_000, OverheadFloorMicroseconds, LowerMeansZero: true),
        new CalibrationParameter("inferenceOverheadUs", OverheadFloorMicroseconds, 100_000, OverheadFloorMicroseconds, LowerMeansZero: true),
        new CalibrationParameter("channelAlignment", 1, 64, 1),
        new CalibrationParameter("winogradSpeedup", 1, RuntimeProfile.MaxWinogradSpeedup, 1),
        .. FitsHarnessOverhead
            ? new[] { new CalibrationParameter("harnessOverheadUs", OverheadFloorMicroseconds, 100_000, OverheadFloorMicroseconds, LowerMeansZero: true) }
            : Array.Empty<CalibrationParameter>(),
    ]).WithPriors(Vector(Runtime.PriorProfile ?? Runtime.Profile, FitsHarnessOverhead));

    /// <summary>
    /// The parameters a runtime has only where its file gives them (Winograd kernels): fitted there, absent elsewhere, so a
    /// runtime without them predicts as before.
    /// </summary>
    public static readonly IReadOnlyList<string> OptInParameters = ["winogradSpeedup"];

    /// <summary>Whether <paramref name="profile"/> has the opt-in parameter <paramref name="name"/> (always, for the others).</summary>
    public static bool Has(RuntimeProfile profile, string name) => name switch
    {
        "winogradSpeedup" => profile.WinogradSpeedup is not null,
        _ => true,
    };

    public double[] ToVector() => Vector(Runtime.Profile, FitsHarnessOverhead);

    /// <summary>
    /// The profile's fitted figures in the order of <see cref="Space"/> (µs for the fixed costs; an opt-in parameter it lacks at
    /// its neutral value); the harness overhead last, only for a runtime with a harness that pays it.
    /// </summary>
    public static double[] Vector(RuntimeProfile p, bool withHarnessOverhead) =>
        [
            p.DecodeDramShare, p.PrefillComputeShare, p.NetworkComputeShare, p.LayerOverhead.Value * 1e6, p.InferenceOverhead.Value * 1e6, p.ChannelAlignment,
            p.WinogradSpeedup ?? 1,
            .. withHarnessOverhead ? new[] { p.HarnessOverhead.Value * 1e6 } : Array.Empty<double>(),
        ];

    public RuntimeProfileParameters FromVector(IReadOnlyList<double> values)
    {
        var profile = Runtime.Profile with
        {
            DecodeDramShare = values[0],
            PrefillComputeShare = values[1],
            NetworkComputeShare = values[2],
            LayerOverhead = Overhead(values[3]),
            InferenceOverhead = Overhead(values[4]),
            // Channel tiles are fitted on GPUs only, whose tensor cores' tile sizes are documented (NVIDIA's Tensor Core
            // requirements: fp16 channels in multiples of 8, int8 of 16); on CPUs and NPUs a free tile width only overfitted
            // their few rows (openvino-cpu's leave-one-model-out error rose from 3.7 % to 24 %), so it bears on no row there.
            ChannelAlignment = Runtime.Unit == ComputeUnitKind.Gpu ? values[5] : Runtime.Profile.ChannelAlignment,
            HarnessOverhead = FitsHarnessOverhead && values.Count > 7 ? Overhead(values[7]) : Runtime.Profile.HarnessOverhead,

            // Opt-in: fitted where the runtime's file gives it, absent (bearing on no row) elsewhere.
            WinogradSpeedup = Runtime.Profile.WinogradSpeedup is null || values.Count <= 6 ? Runtime.Profile.WinogradSpeedup : values[6],
            Origin = FittedOrigin,
        };
        return new RuntimeProfileParameters(Runtime with { Profile = profile });

        static Seconds Overhead(double microseconds) => new(microseconds <= OverheadFloorMicroseconds ? 0 : microseconds * 1e-6);
    }

    /// <summary>
    /// The case's request on this runtime (its own shares: the request sets no fractions of its own), driven by the case's
    /// harness where it names one: a harness shares its runtime's profile and group.
    /// </summary>
    public PredictionRequest Apply(PublishedCase c) => c.Request with { Runtime = Runtime.Harness == c.Runtime.Harness ? Runtime : Runtime with { Harness = c.Runtime.Harness }, Fractions = null };
}

/// <summary>Calibrates runtime profiles on the published dataset: one group per runtime, fitted on its own rows, cross-validated.</summary>
public static class PublishedCalibration
{
    /// <param name="priorOf">A group's current parameters (the runtime file's values): the starting point and what a group with too few rows keeps.</param>
    /// <param name="apply">The request that predicts a case with a group's parameters.</param>
    public static CalibrationReport<PublishedCase> Run<TProfile>(
        IReadOnlyList<PublishedCase> cases,
        Func<string, TProfile> priorOf,
        Func<TProfile, PublishedCase, PredictionRequest> apply,
        Fitter<PublishedCase>? fitter = null)
        where TProfile : IProfileParameters<TProfile>
    {
        var priors = cases.Select(c => c.Group).Distinct().ToDictionary(g => g, priorOf);
        return GroupedCalibration.Run(
            cases,
            c => c.Group,
            g => priors[g].Space,
            (vector, c) => Predict(c, apply(priors[c.Group].FromVector(vector), c)),
            fitter);
    }

    /// <summary>Each case's runtime profile (catalog/runtimes) fitted to the rows of that runtime.</summary>
    public static CalibrationReport<PublishedCase> RunWithRuntimeProfiles(IReadOnlyList<PublishedCase> cases, Fitter<PublishedCase>? fitter = null)
    {
        var runtimes = cases.GroupBy(c => c.Group).ToDictionary(g => g.Key, g => g.First().Runtime);
        return Run(cases, g => new RuntimeProfileParameters(runtimes[g]), (profile, c) => profile.Apply(c), fitter);
    }

    /// <summary>The runtime of each group with its fitted profile; groups not fitted keep theirs.</summary>
    public static IReadOnlyDictionary<string, Runtime> FittedRuntimes(CalibrationReport<PublishedCase> report) =>
        report.Groups.ToDictionary(
            g => g.Group,
            g => (g.Fit.Fitted ? new RuntimeProfileParameters(g.Prior[0].Row.Runtime).FromVector(g.Fit.Parameters).Runtime : g.Prior[0].Row.Runtime) with { Harness = null });

    private static double? Predict(PublishedCase c, PredictionRequest request)
    {
        try
        {
            return c.Predict(request);
        }
        catch (WorkingPointException)
        {
            // A parameter vector the model refuses counts as no prediction (penalised), not as a failed calibration.
            return null;
        }
    }
}
