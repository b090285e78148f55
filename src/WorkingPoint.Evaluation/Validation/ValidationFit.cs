using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Measurement.Scenarios;

namespace WorkingPoint.Evaluation.Validation;

/// <summary>
/// The arithmetic of <c>wpt validate</c>, apart from running anything: the error of a prediction, the median absolute error of a set,
/// and the achievable fraction that would have fitted best. Fitted fractions are reported, never applied: the defaults stay what
/// the model documents, and a fraction fitted on the same runs it is judged on flatters itself.
/// </summary>
public static class ValidationFit
{
    /// <summary>Signed error of a prediction against a measurement, in percent of the measurement.</summary>
    public static double ErrorPercent(double predicted, double measured) => (predicted - measured) / measured * 100;

    /// <summary>The median of the errors' absolute values.</summary>
    public static double MedianAbsoluteError(IEnumerable<double> errorsPercent) => Median(errorsPercent.Select(Math.Abs));

    /// <summary>
    /// The median proper: with an even count, the mean of the two middle values (not the lower one, as a percentile gives); NaN
    /// without values.
    /// </summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>The achievable fraction from 0.05 to 1, in steps of 0.01, with the least error.</summary>
    public static (double Fraction, double Error) BestFraction(Func<double, double> errorAt) =>
        Enumerable.Range(5, 96).Select(step => step / 100.0).Select(fraction => (fraction, errorAt(fraction))).MinBy(f => f.Item2);
}

/// <summary>A catalog network at one input size, as <c>wpt validate networks</c> runs it.</summary>
public sealed record NetworkCase(GraphModel Model, int Width, int Height);

/// <summary>Networks predicted on a host against their measured median latencies.</summary>
public static class NetworkValidation
{
    /// <summary>Median absolute error of the predictions had the achievable compute fraction been <paramref name="fraction"/>.</summary>
    public static double MedianAbsoluteErrorAt(IReadOnlyList<NetworkCase> cases, Platform host, PredictionRequest request, IReadOnlyList<double> measuredMedianMs, double fraction)
    {
        var baseline = new Ceilings(host).Fractions;
        return ValidationFit.MedianAbsoluteError(cases.Select((m, i) =>
        {
            var predicted = Predictions.Predict(new GraphCatalogModel(m.Model), host, request with { InputWidth = m.Width, InputHeight = m.Height, Fractions = baseline with { Compute = Math.Clamp(fraction, 0.01, 1) } }).Latency.Milliseconds;
            return (predicted - measuredMedianMs[i]) / measuredMedianMs[i] * 100;
        }));
    }

    /// <summary>The single achievable compute fraction that would have made these predictions closest (median absolute error).</summary>
    public static (double Fraction, double Error) FitComputeFraction(IReadOnlyList<NetworkCase> cases, Platform host, PredictionRequest request, IReadOnlyList<double> measuredMedianMs) =>
        ValidationFit.BestFraction(fraction => MedianAbsoluteErrorAt(cases, host, request, measuredMedianMs, fraction));
}

/// <summary>One LLM file as run: its workload and the prefill and decode rates measured (tokens per second).</summary>
public sealed record LlmMeasured(LlmWorkload Workload, double PrefillTokensPerSecond, double DecodeTokensPerSecond);

/// <summary>
/// How the LLM predictions did: median absolute errors at the host's fractions, the DRAM and compute fractions that would have
/// fitted best, and leave-one-out errors (each model predicted with the fraction fitted on the others; NaN with fewer than two runs).
/// </summary>
public sealed record LlmFits(
    double DecodeErrorPercent,
    double PrefillErrorPercent,
    (double Fraction, double Error) FittedDram,
    (double Fraction, double Error) FittedCompute,
    double LeaveOneOutDecodeErrorPercent,
    double LeaveOneOutPrefillErrorPercent);

/// <summary>LLMs predicted on a host against llama.cpp's prefill and decode tests.</summary>
public static class LlmValidation
{
    /// <summary>Prefill of the prompt from an empty cache, and decode over the generated tokens from an empty cache: the tests as run.</summary>
    public static (double Prefill, Resource PrefillBinding, double Decode, Resource DecodeBinding) Predict(LlmWorkload workload, Ceilings ceilings, int promptTokens, int genTokens)
    {
        var prefill = LlmPredictor.Predict(workload, ceilings, new LlmScenario(promptTokens, 0));
        var decode = LlmPredictor.Predict(workload, ceilings, new LlmScenario(0, genTokens));
        return (prefill.PrefillTokensPerSecond, prefill.PrefillBinding, decode.DecodeTokensPerSecond, decode.DecodeBinding);
    }

    public static LlmFits Fit(Platform host, Ceilings ceilings, int promptTokens, int genTokens, IReadOnlyList<LlmMeasured> runs) =>
        Fit((_, fractions) => new Ceilings(host, fractions), _ => ceilings.Fractions, promptTokens, genTokens, runs);

    /// <summary>
    /// As <see cref="Fit(Platform, Ceilings, int, int, IReadOnlyList{LlmMeasured})"/>, each run predicted with its own fractions (a
    /// host runtime profile's per-format shares) on the ceilings <paramref name="ceilingsAt"/> gives at them (with the runtime's
    /// fixed costs, as 'wpt predict' has them).
    /// </summary>
    public static LlmFits Fit(Func<LlmWorkload, AchievableFractions, Ceilings> ceilingsAt, Func<LlmWorkload, AchievableFractions> fractionsOf, int promptTokens, int genTokens, IReadOnlyList<LlmMeasured> runs)
    {
        static double MedianAbsolute(IEnumerable<double> errors) => ValidationFit.MedianAbsoluteError(errors);
        static (double Fraction, double Error) Best(Func<double, double> errorAt) => ValidationFit.BestFraction(errorAt);
        var all = Enumerable.Range(0, runs.Count).ToArray();
        var fractions = runs.Select(r => fractionsOf(r.Workload)).ToArray();
        var predicted = all.Select(i => Predict(runs[i].Workload, ceilingsAt(runs[i].Workload, fractions[i]), promptTokens, genTokens)).ToArray();
        var decodeError = MedianAbsolute(all.Select(i => ValidationFit.ErrorPercent(predicted[i].Decode, runs[i].DecodeTokensPerSecond)));
        var prefillError = MedianAbsolute(all.Select(i => ValidationFit.ErrorPercent(predicted[i].Prefill, runs[i].PrefillTokensPerSecond)));
        double DecodeError(int i, double dram) => ValidationFit.ErrorPercent(Predict(runs[i].Workload, ceilingsAt(runs[i].Workload, fractions[i] with { Dram = dram }), promptTokens, genTokens).Decode, runs[i].DecodeTokensPerSecond);
        double PrefillError(int i, double compute) => ValidationFit.ErrorPercent(Predict(runs[i].Workload, ceilingsAt(runs[i].Workload, fractions[i] with { Compute = compute }), promptTokens, genTokens).Prefill, runs[i].PrefillTokensPerSecond);
        var fittedDram = Best(f => MedianAbsolute(all.Select(i => DecodeError(i, f))));
        var fittedCompute = Best(f => MedianAbsolute(all.Select(i => PrefillError(i, f))));

        // Leave one out: each model predicted with the fraction fitted on the others, an out-of-sample figure for a calibrated host.
        var crossDecode = runs.Count < 2 ? double.NaN : MedianAbsolute(all.Select(i => DecodeError(i, Best(f => MedianAbsolute(all.Where(j => j != i).Select(j => DecodeError(j, f)))).Fraction)));
        var crossPrefill = runs.Count < 2 ? double.NaN : MedianAbsolute(all.Select(i => PrefillError(i, Best(f => MedianAbsolute(all.Where(j => j != i).Select(j => PrefillError(j, f)))).Fraction)));
        return new LlmFits(decodeError, prefillError, fittedDram, fittedCompute, crossDecode, crossPrefill);
    }
}
