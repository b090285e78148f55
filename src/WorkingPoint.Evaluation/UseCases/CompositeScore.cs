using WorkingPoint.Core.Workloads;
using WorkingPoint.Catalog;
using WorkingPoint.Catalog.UseCases;

namespace WorkingPoint.Evaluation.UseCases;

/// <summary>
/// A use-case-weighted composite score in the SPEC/3DMark manner: each workload's performance is divided by the reference
/// platform's, ratios are combined by weighted geometric mean within each category (perception, enhancement, generative) and
/// the categories by weighted geometric mean (weights: the workloads' weights), × 100. The reference scores 100. Computed at the
/// use case's working point and at peak conditions, so "great at peak, poor at the working point" shows as the gap.
/// A platform that cannot hold a workload scores 0 on it, and so 0 overall.
/// </summary>
public sealed record CompositeScore(double WorkingPoint, double Peak, IReadOnlyDictionary<WorkloadCategory, double> Categories, IReadOnlyDictionary<WorkloadCategory, double> PeakCategories)
{
    public static CompositeScore? Of(UseCase useCase, IReadOnlyList<double>? profile, IReadOnlyList<double>? reference)
    {
        if (profile is null || reference is null)
        {
            return null;
        }

        var n = useCase.Workloads.Count;
        var (wp, wpCategories) = Combine(useCase, i => Ratio(profile[i], reference[i]));
        var (peak, peakCategories) = Combine(useCase, i => Ratio(profile[n + i], reference[n + i]));
        return new CompositeScore(wp * 100, peak * 100, wpCategories, peakCategories);
    }

    /// <summary>
    /// The working-point composite of figures measured on a machine (<c>wpt bench usecase</c>): each workload's measured
    /// performance in the same terms as the prediction's (frames: 1 / mean latency; requests: the geometric mean of decode tok/s
    /// and 1 / time to first token) over the reference platform's predicted working point, combined as <see cref="Of"/> combines
    /// them, × 100; null without a reference or when a workload has no measured figure.
    /// </summary>
    /// <param name="measured">Per workload of <paramref name="useCase"/>, in its order: the measured performance, null where nothing was measured.</param>
    /// <param name="reference">The reference platform's profile (<see cref="UseCaseEvaluator.ReferenceProfile"/>): working point, then peak.</param>
    public static double? MeasuredWorkingPoint(UseCase useCase, IReadOnlyList<double?> measured, IReadOnlyList<double>? reference)
    {
        ArgumentNullException.ThrowIfNull(useCase);
        ArgumentNullException.ThrowIfNull(measured);
        if (reference is null || measured.Count != useCase.Workloads.Count || measured.Any(m => m is null))
        {
            return null;
        }

        return Combine(useCase, i => Ratio(measured[i]!.Value, reference[i])).Overall * 100;
    }

    private static double Ratio(double value, double reference) => reference > 0 ? value / reference : 0;

    private static (double Overall, IReadOnlyDictionary<WorkloadCategory, double> Categories) Combine(UseCase useCase, Func<int, double> ratio)
    {
        var categories = new SortedDictionary<WorkloadCategory, double>();
        var categoryWeights = new Dictionary<WorkloadCategory, double>();
        foreach (var group in useCase.Workloads.Select((w, i) => (w, i)).GroupBy(t => t.w.Category))
        {
            var weights = group.Sum(t => Weight(t.w));
            categories[group.Key] = WeightedGeometricMean(group.Select(t => (ratio(t.i), Weight(t.w) / weights)));
            categoryWeights[group.Key] = weights;
        }

        var total = categoryWeights.Values.Sum();
        var overall = WeightedGeometricMean(categories.Select(kv => (kv.Value, categoryWeights[kv.Key] / total)));
        return (overall, categories.ToDictionary(kv => kv.Key, kv => kv.Value * 100));
    }

    // A workload of weight 0 still counts a little, so a zero weight never divides by zero.
    private static double Weight(UseCaseWorkload w) => Math.Max(w.Weight, 1e-6);

    private static double WeightedGeometricMean(IEnumerable<(double Value, double Weight)> items)
    {
        double logSum = 0;
        foreach (var (value, weight) in items)
        {
            if (value <= 0)
            {
                return 0;
            }

            logSum += weight * Math.Log(value);
        }

        return Math.Exp(logSum);
    }
}
