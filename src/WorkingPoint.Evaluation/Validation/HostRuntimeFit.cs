using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Graphs;

namespace WorkingPoint.Evaluation.Validation;

/// <summary>A share of a ceiling solved from one probe; <see cref="Clamped"/> when the probe ran outside what a share in (0, 1] can explain.</summary>
public readonly record struct SolvedShare(double Share, bool Clamped);

/// <summary>The arithmetic that turns probe measurements into runtime shares; pure, so it is tested with made-up measurements.</summary>
public static class ShareFit
{
    /// <summary>
    /// The share s in [<see cref="HostRuntimeProfilesFile.MinShare"/>, 1] at which the model's predicted rate equals the measured one.
    /// <paramref name="predictedRateAtShare"/> must not fall as the share grows (a larger share of a ceiling is never slower), so
    /// bisection finds it; a runtime faster than the roofline gives 1, one slower than the smallest share gives that share, both
    /// marked clamped.
    /// </summary>
    public static SolvedShare Solve(Func<double, double> predictedRateAtShare, double measuredRate)
    {
        if (!(measuredRate > 0) || !double.IsFinite(measuredRate))
        {
            throw new Measurement.MeasurementException($"a probe measured {measuredRate}; a rate must be a positive number. Run 'wpt measure runtimes' again on a less busy machine.");
        }

        const double min = HostRuntimeProfilesFile.MinShare;
        if (predictedRateAtShare(1) <= measuredRate)
        {
            return new SolvedShare(1, predictedRateAtShare(1) < measuredRate * 0.999);
        }

        if (predictedRateAtShare(min) >= measuredRate)
        {
            return new SolvedShare(min, true);
        }

        double low = min, high = 1;
        for (var i = 0; i < 60 && high - low > 1e-9; i++)
        {
            var middle = (low + high) / 2;
            if (predictedRateAtShare(middle) < measuredRate)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return new SolvedShare((low + high) / 2, false);
    }
}

/// <summary>One llama.cpp probe as run: a model in one weight format, its ppP and tgN rates (tokens per second).</summary>
public sealed record LlmProbe(string Model, LlmWorkload Workload, int PromptTokens, int GenTokens, double MeasuredPrefillTokensPerSecond, double MeasuredDecodeTokensPerSecond);

/// <summary>The shares one llama.cpp probe gives, with the roofline rates (all fractions 1) they were set against.</summary>
public sealed record LlmProbeShares(SolvedShare DecodeDramShare, SolvedShare PrefillComputeShare, double RooflineDecodeTokensPerSecond, double RooflinePrefillTokensPerSecond);

/// <summary>llama.cpp probes turned into the DRAM share decode reaches and the compute share prefill reaches.</summary>
public static class LlmProbeFit
{
    /// <summary>
    /// Decode's DRAM share and prefill's compute share that make the model reproduce the probe. They are solved together (prefill
    /// also reads the weights, decode also computes), as the validate commands apply them: one set of fractions with
    /// Dram = decode share and Compute = prefill share; the others keep <paramref name="baseline"/>.
    /// </summary>
    public static LlmProbeShares Derive(Platform host, AchievableFractions baseline, LlmProbe probe)
    {
        (double Prefill, double Decode) Rates(double compute, double dram)
        {
            var predicted = LlmValidation.Predict(probe.Workload, new Ceilings(host, baseline with { Compute = compute, Dram = dram }), probe.PromptTokens, probe.GenTokens);
            return (predicted.Prefill, predicted.Decode);
        }

        var roofline = Rates(1, 1);
        var prefill = new SolvedShare(1, false);
        var decode = new SolvedShare(1, false);
        // Each share barely moves the other's prediction, so a few alternating solves settle.
        for (var round = 0; round < 4; round++)
        {
            var dram = decode.Share;
            prefill = ShareFit.Solve(share => Rates(share, dram).Prefill, probe.MeasuredPrefillTokensPerSecond);
            var compute = prefill.Share;
            decode = ShareFit.Solve(share => Rates(compute, share).Decode, probe.MeasuredDecodeTokensPerSecond);
        }

        return new LlmProbeShares(decode, prefill, roofline.Decode, roofline.Prefill);
    }

    /// <summary>
    /// Decode's DRAM share and llama.cpp's fixed cost per layer (paid on every token: each layer's graph nodes end in a barrier of
    /// the threads) from two probes in one format: <paramref name="main"/>, a model whose time per token is mostly its weights, and
    /// <paramref name="thin"/>, one of many thin layers whose time per token is mostly that cost. Time per token = 1 ÷ the modelled
    /// rate at the share + layers × the cost; solved by turns, each barely moving the other (the thin model's weights are a tenth of
    /// the main one's). A thin probe as fast as its weights alone allow gives no cost.
    /// </summary>
    /// <param name="fractions">The fractions decode is predicted at, with Compute = the prefill share already solved.</param>
    public static (SolvedShare DecodeDramShare, double LayerSeconds) DecodeWithLayerCost(Platform host, AchievableFractions fractions, LlmProbe main, LlmProbe thin)
    {
        if (!(thin.MeasuredDecodeTokensPerSecond > 0) || !double.IsFinite(thin.MeasuredDecodeTokensPerSecond))
        {
            throw new Measurement.MeasurementException($"the thin-layer probe measured {thin.MeasuredDecodeTokensPerSecond} tok/s; a rate must be a positive number. Run 'wpt measure runtimes' again on a less busy machine.");
        }

        var layerSeconds = 0.0;
        var share = DecodeShareWithLayerCost(host, fractions, main, layerSeconds);
        for (var round = 0; round < 100; round++)
        {
            var left = (1 / thin.MeasuredDecodeTokensPerSecond) - DecodeSecondsPerToken(host, fractions with { Dram = share.Share }, thin);
            var next = Math.Clamp(left / thin.Workload.Architecture.Layers, 0, NetworkProbeFit.MaxOverheadSeconds);
            share = DecodeShareWithLayerCost(host, fractions, main, next);
            if (Math.Abs(next - layerSeconds) < 1e-12)
            {
                break;
            }

            layerSeconds = next;
        }

        return (share, layerSeconds);
    }

    /// <summary>The DRAM share at which the model, with <paramref name="layerSeconds"/> per layer on every token, decodes as <paramref name="probe"/> did.</summary>
    public static SolvedShare DecodeShareWithLayerCost(Platform host, AchievableFractions fractions, LlmProbe probe, double layerSeconds) =>
        ShareFit.Solve(share => 1 / (DecodeSecondsPerToken(host, fractions with { Dram = share }, probe) + (probe.Workload.Architecture.Layers * layerSeconds)), probe.MeasuredDecodeTokensPerSecond);

    private static double DecodeSecondsPerToken(Platform host, AchievableFractions fractions, LlmProbe probe) =>
        1 / LlmValidation.Predict(probe.Workload, new Ceilings(host, fractions), probe.PromptTokens, probe.GenTokens).Decode;

    /// <summary>
    /// Prefill's compute share and its fixed cost per prefill from two prompts of one model in one format: time(P) = P ÷ the
    /// modelled rate at the share + the fixed cost. The difference of the two times does not depend on the fixed cost, so it gives
    /// the share; the fixed cost is what the short prompt's time leaves. When the short prompt ran faster per token than the long
    /// one allows (noise) or the share cannot explain the difference, the fixed cost is 0 and the share the long prompt's alone.
    /// </summary>
    /// <param name="dramShare">The decode share already solved for the format (prefill reads the same weights).</param>
    public static (SolvedShare Share, double FixedSeconds) PrefillWithFixedCost(Platform host, AchievableFractions baseline, LlmWorkload workload, double dramShare, (int Tokens, double TokensPerSecond) shortPrompt, (int Tokens, double TokensPerSecond) longPrompt)
    {
        if (!(shortPrompt.TokensPerSecond > 0) || !(longPrompt.TokensPerSecond > 0) || shortPrompt.Tokens >= longPrompt.Tokens || shortPrompt.Tokens < 1)
        {
            throw new Measurement.MeasurementException($"prefill probes of {shortPrompt.Tokens} and {longPrompt.Tokens} tokens measured {shortPrompt.TokensPerSecond} and {longPrompt.TokensPerSecond} tok/s; a short and a longer prompt with positive rates are needed. Run 'wpt measure runtimes' again on a less busy machine.");
        }

        double ModelSeconds(int tokens, double share) =>
            tokens / LlmValidation.Predict(workload, new Ceilings(host, baseline with { Compute = share, Dram = dramShare }), tokens, 1).Prefill;

        var shortSeconds = shortPrompt.Tokens / shortPrompt.TokensPerSecond;
        var longSeconds = longPrompt.Tokens / longPrompt.TokensPerSecond;
        if (longSeconds > shortSeconds)
        {
            // The extra tokens' time, as a rate that grows with the share, so the same bisection solves it.
            var share = ShareFit.Solve(s => 1 / (ModelSeconds(longPrompt.Tokens, s) - ModelSeconds(shortPrompt.Tokens, s)), 1 / (longSeconds - shortSeconds));
            var fixedSeconds = shortSeconds - ModelSeconds(shortPrompt.Tokens, share.Share);
            if (!share.Clamped && fixedSeconds >= 0)
            {
                return (share, Math.Min(fixedSeconds, NetworkProbeFit.MaxOverheadSeconds));
            }
        }

        return (ShareFit.Solve(s => longPrompt.Tokens / ModelSeconds(longPrompt.Tokens, s), longPrompt.TokensPerSecond), 0);
    }
}

/// <summary>
/// One ONNX Runtime probe as run: its kernel layers, its median latency, and the model's latency for it at a compute share
/// (the other fractions as the validation applies them).
/// </summary>
public sealed record NetworkProbe(string Name, int KernelLayers, double MeasuredSeconds, Func<double, double> PredictedSecondsAtShare);

/// <summary>The fitted ONNX Runtime profile: compute share, fixed seconds per kernel layer and per inference, and the probes' median |error| with them.</summary>
public sealed record NetworkProbeFitResult(double ComputeShare, double LayerOverheadSeconds, double InferenceOverheadSeconds, double MedianAbsoluteErrorPercent);

/// <summary>
/// ONNX Runtime probes fitted to latency = roofline(share) + layers × per-layer overhead + per-inference overhead: the share on a
/// grid, the two overheads by non-negative least squares on relative error (so a 50 µs probe weighs as much as a 50 ms one).
/// </summary>
public static class NetworkProbeFit
{
    /// <summary>The fixed costs above which a fit is a broken measurement (1 s), as the profile file bounds them.</summary>
    public const double MaxOverheadSeconds = HostRuntimeProfilesFile.MaxOverheadMicroseconds * 1e-6;

    /// <summary>Layers that run a kernel: views (reshape, split) cost nothing in the model and are not counted.</summary>
    public static int KernelLayers(Graph graph) => graph.Layers.Count(l => !l.Kind.IsView());

    public static NetworkProbeFitResult Fit(IReadOnlyList<NetworkProbe> probes)
    {
        if (probes.Count < 3)
        {
            throw new Core.InvalidInputException($"fitting a share and two overheads needs at least three probes, got {probes.Count}.");
        }

        NetworkProbeFitResult? best = null;
        var bestCost = double.PositiveInfinity;
        for (var step = 10; step <= 200; step++)
        {
            var share = step / 200.0;
            var rooflines = probes.Select(p => p.PredictedSecondsAtShare(share)).ToArray();
            var (layer, inference) = Overheads(probes, rooflines);
            var relative = probes.Select((p, i) => (rooflines[i] + (layer * p.KernelLayers) + inference - p.MeasuredSeconds) / p.MeasuredSeconds).ToArray();
            var cost = relative.Sum(r => r * r);
            if (cost < bestCost)
            {
                bestCost = cost;
                best = new NetworkProbeFitResult(share, layer, inference, ValidationFit.MedianAbsoluteError(relative.Select(r => r * 100)));
            }
        }

        return best!;
    }

    /// <summary>
    /// Least squares in (per-layer, per-inference) seconds for what the roofline leaves unexplained, weighted by 1/measured²,
    /// with both overheads in [0, <see cref="MaxOverheadSeconds"/>]: the unconstrained solution when it is feasible, else the
    /// best of the one-parameter fits on the bounds.
    /// </summary>
    private static (double Layer, double Inference) Overheads(IReadOnlyList<NetworkProbe> probes, double[] rooflines)
    {
        double Cost(double layer, double inference) => probes.Select((p, i) => (rooflines[i] + (layer * p.KernelLayers) + inference - p.MeasuredSeconds) / p.MeasuredSeconds).Sum(r => r * r);

        // Normal equations of min Σ w (r - L·a - b)², w = 1/m², r = measured - roofline.
        double sLL = 0, sL1 = 0, s11 = 0, sLr = 0, s1r = 0;
        for (var i = 0; i < probes.Count; i++)
        {
            var w = 1 / (probes[i].MeasuredSeconds * probes[i].MeasuredSeconds);
            var l = probes[i].KernelLayers;
            var r = probes[i].MeasuredSeconds - rooflines[i];
            sLL += w * l * l;
            sL1 += w * l;
            s11 += w;
            sLr += w * l * r;
            s1r += w * r;
        }

        static double Bound(double seconds) => Math.Clamp(seconds, 0, MaxOverheadSeconds);
        var candidates = new List<(double Layer, double Inference)>
        {
            (0, 0),
            (Bound(sLL > 0 ? sLr / sLL : 0), 0),
            (0, Bound(s11 > 0 ? s1r / s11 : 0)),
        };
        var determinant = (sLL * s11) - (sL1 * sL1);
        if (Math.Abs(determinant) > 1e-12 * Math.Max(1, sLL * s11))
        {
            var layer = ((sLr * s11) - (sL1 * s1r)) / determinant;
            var inference = ((sLL * s1r) - (sL1 * sLr)) / determinant;
            if (layer >= 0 && inference >= 0 && layer <= MaxOverheadSeconds && inference <= MaxOverheadSeconds)
            {
                candidates.Add((layer, inference));
            }
        }

        return candidates.MinBy(c => Cost(c.Layer, c.Inference));
    }
}
