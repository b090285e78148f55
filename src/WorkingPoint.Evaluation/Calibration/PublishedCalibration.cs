using WorkingPoint.Core.Hardware;
using WorkingPoint.Evaluation.Published;

namespace WorkingPoint.Evaluation.Calibration;

/// <summary>
/// The runtime parameters the analytic model takes today, per calibration group: the share of peak compute reached (prefill,
/// convolutions) and the share of peak DRAM bandwidth reached (decode), applied as the request's achievable fractions. The
/// runtime profile (catalog/runtimes) takes their place once it is wired in: it implements <see cref="IProfileParameters{T}"/>
/// the same way.
/// </summary>
public sealed record AchievableShares(double ComputeShare, double DramShare) : IProfileParameters<AchievableShares>
{
    /// <summary>The platforms' defaults (<see cref="AchievableFractions.Defaults"/>): what every prediction uses uncalibrated.</summary>
    public static AchievableShares Defaults { get; } = new(AchievableFractions.Defaults.Compute, AchievableFractions.Defaults.Dram);

    public ParameterSpace Space => new([
        new CalibrationParameter("computeShare", 0.01, 1, ComputeShare),
        new CalibrationParameter("dramShare", 0.05, 1, DramShare),
    ]);

    public double[] ToVector() => [ComputeShare, DramShare];

    public AchievableShares FromVector(IReadOnlyList<double> values) => new(values[0], values[1]);

    /// <summary>The case's request with these shares in place of its platform's.</summary>
    public PredictionRequest Apply(PublishedCase c) =>
        c.Request with { Fractions = (c.Request.Fractions ?? c.Platform.Achievable) with { Compute = ComputeShare, Dram = DramShare } };
}

/// <summary>Calibrates runtime parameters on the published dataset: one group per runtime (and unit), cross-validated.</summary>
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
        var priors = cases.Select(c => c.Row.RuntimeGroup).Distinct().ToDictionary(g => g, priorOf);
        return GroupedCalibration.Run(
            cases,
            c => c.Row.RuntimeGroup,
            g => priors[g].Space,
            (vector, c) => Predict(c, apply(priors[c.Row.RuntimeGroup].FromVector(vector), c)),
            fitter);
    }

    /// <summary>Today's parameters: the achievable shares, from the platforms' defaults.</summary>
    public static CalibrationReport<PublishedCase> RunWithAchievableShares(IReadOnlyList<PublishedCase> cases, Fitter<PublishedCase>? fitter = null) =>
        Run(cases, _ => AchievableShares.Defaults, (shares, c) => shares.Apply(c), fitter);

    private static double? Predict(PublishedCase c, PredictionRequest request)
    {
        try
        {
            return c.Predict(request);
        }
        catch (WorkingPoint.Core.WorkingPointException)
        {
            // A parameter vector the model refuses counts as no prediction (penalised), not as a failed calibration.
            return null;
        }
    }
}
