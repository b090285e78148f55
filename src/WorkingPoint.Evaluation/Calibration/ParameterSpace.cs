using WorkingPoint.Core;

namespace WorkingPoint.Evaluation.Calibration;

/// <summary>A measured row a calibration fits to: which model and platform it is (for the cross-validation folds) and the figure.</summary>
public interface ICalibrationRow
{
    string ModelId { get; }

    string PlatformId { get; }

    /// <summary>The measured figure, positive, in the unit the predictions are in.</summary>
    double Measured { get; }
}

/// <summary>How a parameter is searched between its bounds: by ratio (shares, overheads spanning decades) or by difference.</summary>
public enum ParameterScale
{
    Logarithmic,
    Linear,
}

/// <summary>One fitted parameter: its name, bounds (inclusive) and the value it keeps when there is nothing to fit it to.</summary>
/// <param name="LowerMeansZero">The lower bound stands for zero (a fixed cost on a logarithmic scale, which cannot reach 0).</param>
public sealed record CalibrationParameter(string Name, double Lower, double Upper, double Prior, ParameterScale Scale = ParameterScale.Logarithmic, bool LowerMeansZero = false)
{
    /// <summary>What a value of the search means: 0 at the lower bound of a parameter whose lower bound stands for zero.</summary>
    public double Meaning(double value) => LowerMeansZero && value <= Lower ? 0 : value;

    public CalibrationParameter Validate()
    {
        if (!(double.IsFinite(Lower) && double.IsFinite(Upper) && Lower < Upper))
        {
            throw new InvalidInputException($"Parameter {Name}: bounds [{Lower}, {Upper}] must be finite with lower < upper.");
        }

        if (Scale == ParameterScale.Logarithmic && Lower <= 0)
        {
            throw new InvalidInputException($"Parameter {Name}: a logarithmic parameter needs a positive lower bound, got {Lower}.");
        }

        if (!(Prior >= Lower && Prior <= Upper))
        {
            throw new InvalidInputException($"Parameter {Name}: prior {Prior} lies outside its bounds [{Lower}, {Upper}].");
        }

        return this;
    }

    /// <summary>Where <paramref name="value"/> lies between the bounds, as a fraction in [0, 1] on the parameter's scale.</summary>
    internal double ToUnit(double value) => Scale == ParameterScale.Logarithmic
        ? Math.Log(value / Lower) / Math.Log(Upper / Lower)
        : (value - Lower) / (Upper - Lower);

    internal double FromUnit(double unit)
    {
        var u = Math.Clamp(unit, 0, 1);
        var value = Scale == ParameterScale.Logarithmic ? Lower * Math.Pow(Upper / Lower, u) : Lower + (u * (Upper - Lower));
        return Math.Clamp(value, Lower, Upper);
    }
}

/// <summary>The parameters of one calibration group (a runtime on a unit), in vector order.</summary>
public sealed record ParameterSpace
{
    public ParameterSpace(IReadOnlyList<CalibrationParameter> parameters)
    {
        if (parameters.Count == 0)
        {
            throw new InvalidInputException("A parameter space needs at least one parameter.");
        }

        Parameters = parameters.Select(p => p.Validate()).ToArray();
    }

    public IReadOnlyList<CalibrationParameter> Parameters { get; }

    public int Count => Parameters.Count;

    public IReadOnlyList<string> Names => Parameters.Select(p => p.Name).ToArray();

    public double[] Priors => Parameters.Select(p => p.Prior).ToArray();

    /// <summary>The same bounds with other priors (e.g. a runtime file's current values).</summary>
    public ParameterSpace WithPriors(IReadOnlyList<double> priors) =>
        new(Parameters.Select((p, i) => p with { Prior = Math.Clamp(priors[i], p.Lower, p.Upper) }).ToArray());
}

/// <summary>
/// The seam between the calibration engine and a runtime profile: a profile's fitted parameters as a vector with names and
/// bounds, and the profile rebuilt from a fitted vector.
/// </summary>
public interface IProfileParameters<TProfile>
    where TProfile : IProfileParameters<TProfile>
{
    /// <summary>Names, bounds and, as the priors, this profile's current values.</summary>
    ParameterSpace Space { get; }

    double[] ToVector();

    TProfile FromVector(IReadOnlyList<double> values);
}
