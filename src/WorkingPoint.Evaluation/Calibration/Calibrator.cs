namespace WorkingPoint.Evaluation.Calibration;

/// <summary>The outcome of fitting one group: the parameters, and how well the prior and the fit reproduce the rows.</summary>
/// <param name="Fitted">False when the group had too few rows: the parameters are then the prior's.</param>
/// <param name="MeanSquaredLogError">Mean of log(predicted / measured)² over the rows at the returned parameters.</param>
/// <param name="KeptAtPrior">Parameters none of the rows bears on (moving them changes no prediction): they keep the prior.</param>
public sealed record FitResult(
    IReadOnlyList<double> Parameters,
    IReadOnlyList<double> Prior,
    int Rows,
    bool Fitted,
    string? NotFittedReason,
    double PriorMeanSquaredLogError,
    double MeanSquaredLogError,
    int Evaluations,
    IReadOnlyList<string> KeptAtPrior);

/// <summary>
/// Fits a few bounded parameters to measured rows by minimising the mean squared log error, log(predicted / measured)²: a
/// ratio error, so a figure 2× too high costs what one 2× too low does, whatever its unit. The search is Nelder–Mead in the
/// unit box of the parameters' (logarithmic or linear) scales, each trial point clamped into the bounds, restarted from the
/// prior, the centre of the box and the best point so far; it uses no random numbers, so the same rows give the same fit.
/// A parameter that none of the rows bears on at the prior (decode rows and a compute share, say) is not searched: left free,
/// it would drift to wherever it lets the other mechanism mimic the rows, and predict the rows it was never fitted to badly.
/// </summary>
public static class Calibrator
{
    /// <summary>Below this many rows a group keeps its prior: a fit would follow the rows' noise, not the runtime.</summary>
    public const int MinimumRows = 3;

    /// <summary>
    /// What a row the prediction cannot produce (null, zero, not finite) costs: the squared log of a 1000× error, so the search
    /// turns away from parameters that break a prediction without the objective becoming infinite.
    /// </summary>
    public static readonly double UnpredictedPenalty = Math.Pow(Math.Log(1000), 2);

    private const double Tolerance = 1e-10;

    public static FitResult Fit<TRow>(IReadOnlyList<TRow> rows, Func<double[], TRow, double?> predict, ParameterSpace space)
        where TRow : ICalibrationRow
    {
        var prior = space.Priors;
        var evaluations = 0;
        var priorError = Objective(prior);
        if (rows.Count < MinimumRows)
        {
            return new FitResult(prior, prior, rows.Count, false, $"too few rows to fit ({rows.Count} < {MinimumRows})", priorError, priorError, evaluations, []);
        }

        var free = Enumerable.Range(0, space.Count).Where(i => BearsOn(i)).ToArray();
        var kept = Enumerable.Range(0, space.Count).Except(free).Select(i => space.Parameters[i].Name).ToArray();
        if (free.Length == 0)
        {
            return new FitResult(prior, prior, rows.Count, true, null, priorError, priorError, evaluations, kept);
        }

        var priorUnit = ToUnit(space, prior);
        double[] Full(double[] u)
        {
            var unit = (double[])priorUnit.Clone();
            for (var k = 0; k < free.Length; k++)
            {
                unit[free[k]] = u[k];
            }

            // The parameters left alone keep the prior exactly, not its round trip through the unit box.
            var values = FromUnit(space, unit);
            for (var i = 0; i < values.Length; i++)
            {
                if (!free.Contains(i))
                {
                    values[i] = prior[i];
                }
            }

            return values;
        }

        double Unit(double[] u) => Objective(Full(u));

        var n = free.Length;
        var best = (Point: free.Select(i => priorUnit[i]).ToArray(), Value: priorError);
        double[][] starts = [best.Point, Enumerable.Repeat(0.5, n).ToArray()];
        foreach (var start in starts)
        {
            var result = NelderMead(Unit, start, step: 0.25, maxEvaluations: 150 * n);
            if (result.Value < best.Value)
            {
                best = result;
            }
        }

        // Restarts from the best point with a fresh, smaller simplex: a collapsed simplex can stall short of the minimum.
        for (var restart = 0; restart < 3; restart++)
        {
            var result = NelderMead(Unit, best.Point, step: 0.1 / (restart + 1), maxEvaluations: 100 * n);
            var improved = result.Value < best.Value - Tolerance;
            if (result.Value < best.Value)
            {
                best = result;
            }

            if (!improved)
            {
                break;
            }
        }

        return new FitResult(Full(best.Point), prior, rows.Count, true, null, priorError, best.Value, evaluations, kept);

        // Whether moving parameter i a little (5 % of its range, either way) from the prior changes any row's prediction.
        bool BearsOn(int i)
        {
            var unit = space.Parameters[i].ToUnit(prior[i]);
            foreach (var step in (double[])[-0.05, 0.05])
            {
                var probe = (double[])prior.Clone();
                probe[i] = space.Parameters[i].FromUnit(unit + step);
                foreach (var row in rows)
                {
                    var before = LogError(predict(prior, row), row.Measured);
                    var after = LogError(predict(probe, row), row.Measured);
                    if (before is null != after is null || (before is { } b && after is { } a && Math.Abs(a - b) > 1e-6))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        double Objective(double[] parameters)
        {
            evaluations++;
            var sum = 0.0;
            foreach (var row in rows)
            {
                sum += SquaredLogError(predict(parameters, row), row.Measured);
            }

            return rows.Count == 0 ? 0 : sum / rows.Count;
        }
    }

    /// <summary>log(predicted / measured), or null when there is no usable prediction.</summary>
    public static double? LogError(double? predicted, double measured) =>
        predicted is { } p && double.IsFinite(p) && p > 0 ? Math.Log(p / measured) : null;

    private static double SquaredLogError(double? predicted, double measured) =>
        LogError(predicted, measured) is { } e ? e * e : UnpredictedPenalty;

    private static double[] ToUnit(ParameterSpace space, IReadOnlyList<double> values) =>
        space.Parameters.Select((p, i) => p.ToUnit(values[i])).ToArray();

    private static double[] FromUnit(ParameterSpace space, IReadOnlyList<double> unit) =>
        space.Parameters.Select((p, i) => p.FromUnit(unit[i])).ToArray();

    /// <summary>Nelder–Mead (reflection 1, expansion 2, contraction ½, shrink ½) over the unit box, points clamped into it.</summary>
    private static (double[] Point, double Value) NelderMead(Func<double[], double> f, double[] start, double step, int maxEvaluations)
    {
        var n = start.Length;
        var points = new double[n + 1][];
        var values = new double[n + 1];
        points[0] = Clamp(start);
        for (var i = 0; i < n; i++)
        {
            var p = (double[])points[0].Clone();
            // Step inwards from a bound so the simplex never collapses onto the box's face.
            p[i] += p[i] + step <= 1 ? step : -step;
            points[i + 1] = Clamp(p);
        }

        for (var i = 0; i <= n; i++)
        {
            values[i] = f(points[i]);
        }

        var used = n + 1;
        while (used < maxEvaluations)
        {
            Array.Sort(values, points);
            if (values[n] - values[0] <= Tolerance * (Math.Abs(values[0]) + Tolerance) && Size(points) < 1e-9)
            {
                break;
            }

            var centroid = new double[n];
            for (var i = 0; i < n; i++)
            {
                for (var d = 0; d < n; d++)
                {
                    centroid[d] += points[i][d] / n;
                }
            }

            var reflected = Along(centroid, points[n], -1);
            var fr = f(reflected);
            used++;
            if (fr < values[0])
            {
                var expanded = Along(centroid, points[n], -2);
                var fe = f(expanded);
                used++;
                (points[n], values[n]) = fe < fr ? (expanded, fe) : (reflected, fr);
            }
            else if (fr < values[n - 1])
            {
                (points[n], values[n]) = (reflected, fr);
            }
            else
            {
                var contracted = fr < values[n] ? Along(centroid, reflected, 0.5) : Along(centroid, points[n], 0.5);
                var fc = f(contracted);
                used++;
                if (fc < Math.Min(fr, values[n]))
                {
                    (points[n], values[n]) = (contracted, fc);
                }
                else
                {
                    for (var i = 1; i <= n; i++)
                    {
                        points[i] = Along(points[0], points[i], 0.5);
                        values[i] = f(points[i]);
                        used++;
                    }
                }
            }
        }

        Array.Sort(values, points);
        return (points[0], values[0]);

        // centroid + t · (towards − centroid), clamped into the box.
        static double[] Along(double[] centroid, double[] towards, double t)
        {
            var p = new double[centroid.Length];
            for (var d = 0; d < p.Length; d++)
            {
                p[d] = centroid[d] + (t * (towards[d] - centroid[d]));
            }

            return Clamp(p);
        }

        static double[] Clamp(double[] p)
        {
            for (var d = 0; d < p.Length; d++)
            {
                p[d] = Math.Clamp(p[d], 0, 1);
            }

            return p;
        }

        static double Size(double[][] simplex)
        {
            var size = 0.0;
            for (var i = 1; i < simplex.Length; i++)
            {
                for (var d = 0; d < simplex[0].Length; d++)
                {
                    size = Math.Max(size, Math.Abs(simplex[i][d] - simplex[0][d]));
                }
            }

            return size;
        }
    }
}
