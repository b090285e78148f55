using WorkingPoint.Core.Units;

namespace WorkingPoint.Core.Analysis;

/// <summary>A draft model proposing <paramref name="DraftTokens"/> tokens per target step, each accepted with probability <paramref name="Acceptance"/>.</summary>
public sealed record SpeculativeSetup(LlmWorkload Draft, double Acceptance, int DraftTokens)
{
    public const int MaxDraftTokens = 64;

    public SpeculativeSetup Validate()
    {
        if (!(Acceptance >= 0 && Acceptance <= 1))
        {
            throw new InvalidInputException($"--acceptance {Acceptance} is out of range: give the per-token acceptance rate, from 0 to 1 (e.g. 0.7).");
        }

        if (DraftTokens < 1 || DraftTokens > MaxDraftTokens)
        {
            throw new InvalidInputException($"--draft-tokens {DraftTokens} is out of range: give 1 to {MaxDraftTokens} tokens drafted per target step.");
        }

        return this;
    }
}

/// <summary>Decode with speculation: the expected tokens per target step, the step's parts, and the rate against plain decode.</summary>
/// <param name="DraftSteps">The K decode steps of the draft model, in series.</param>
/// <param name="VerifyStep">The target's one step over K + 1 tokens: weights read once, compute and KV writes × (K + 1).</param>
/// <param name="StepTime">Draft steps + verification, after any power cap.</param>
public sealed record SpeculativePrediction(
    string DraftModelId,
    double Acceptance,
    int DraftTokens,
    double ExpectedTokensPerStep,
    Seconds DraftSteps,
    Seconds VerifyStep,
    Resource VerifyBinding,
    Seconds StepTime,
    double TokensPerSecond,
    double PlainTokensPerSecond,
    double Speedup,
    Bytes MemoryRequired,
    Bytes? MemoryAvailable,
    bool Fits,
    Joules? EnergyPerToken,
    bool Throttled);

/// <summary>
/// Speculative decoding (Leviathan, Kalman and Matias, "Fast Inference from Transformers via Speculative Decoding", ICML 2023,
/// arXiv:2211.17192): a small draft model proposes K tokens one by one; the target checks all of them in one pass over K + 1
/// positions and keeps the longest accepted prefix plus one token of its own. With each drafted token accepted independently with
/// probability α, a target step yields 1 + α + … + α^K = (1 − α^(K+1)) / (1 − α) tokens in expectation (their eq. 1). Both models
/// run on the same unit and share the platform's DRAM, one after the other.
/// </summary>
public static class SpeculativeDecoding
{
    /// <summary>
    /// Σ_{i=0..K} α^i, the closed form's sum written out: each term is a product of non-negative factors that grow with α, so the
    /// rounded result never falls as α rises (the closed form loses that near α = 1), and α = 1 gives K + 1 exactly.
    /// </summary>
    public static double ExpectedTokensPerStep(double acceptance, int draftTokens)
    {
        double sum = 1, term = 1;
        for (var i = 1; i <= draftTokens; i++)
        {
            term *= acceptance;
            sum += term;
        }

        return sum;
    }

    /// <summary>
    /// The target's verification of <paramref name="tokens"/> positions of one sequence at <paramref name="context"/>: a decode step
    /// at batch <paramref name="tokens"/> (weights once, compute and KV writes per token), except that the positions share one KV
    /// cache, read once rather than once per position.
    /// </summary>
    public static StepCost VerifyStep(LlmWorkload target, Ceilings c, double context, int tokens)
    {
        var batched = LlmPredictor.DecodeStep(target, c, context, tokens);
        var repeatedReads = (tokens - 1) * ((target.KvBytesPerTokenPerLayer * target.AttendedTokenLayers(context)) + target.CrossKvBytes);
        return StepCost.Of(
            c,
            target.ComputePrecision,
            batched.Ops,
            c.HasDram ? batched.DramBytes - repeatedReads : batched.DramBytes,
            c.HasDram ? batched.OnChipBytes : batched.OnChipBytes - repeatedReads,
            batched.HostLinkBytes,
            batched.FixedSeconds);
    }

    /// <summary>Speculative decode of one sequence of <paramref name="target"/> on <paramref name="c"/>, at the scenario's mean context.</summary>
    public static SpeculativePrediction Predict(LlmWorkload target, SpeculativeSetup setup, Ceilings c, LlmScenario scenario, LlmPrediction plain)
    {
        setup.Validate();
        if (scenario.Batch != 1)
        {
            throw new InvalidInputException($"Speculative decoding is predicted for one sequence; drop --batch {scenario.Batch} (or use --batch 1) with --draft.");
        }

        var context = plain.PromptTokensWithImages + (scenario.GeneratedTokens / 2.0);
        // Each draft step at its own context (the drafted tokens extend it), each bound by its own resource.
        var draft = default(StepCost);
        double draftSeconds = 0;
        for (var j = 0; j < setup.DraftTokens; j++)
        {
            var one = LlmPredictor.DecodeStep(setup.Draft, c, context + j);
            draft += one;
            draftSeconds += one.Seconds;
        }

        var verify = VerifyStep(target, c, context, setup.DraftTokens + 1);
        var step = draftSeconds + verify.Seconds;
        var power = PowerOutcome.For(c, draft.DynamicJoules(c, setup.Draft.ComputePrecision) + verify.DynamicJoules(c, target.ComputePrecision), step);
        var stepSeconds = step * power.SlowdownFactor;
        var expected = ExpectedTokensPerStep(setup.Acceptance, setup.DraftTokens);
        var rate = expected / stepSeconds;

        // The draft's weights, KV cache and workspace sit beside the target's.
        var draftAlone = LlmPredictor.Predict(setup.Draft, c, scenario);
        var required = plain.MemoryRequired.Value + draftAlone.MemoryRequired.Value;
        var fits = required <= plain.MemoryAvailable?.Value;
        return new SpeculativePrediction(
            setup.Draft.Architecture.Id,
            setup.Acceptance,
            setup.DraftTokens,
            expected,
            new Seconds(draftSeconds),
            new Seconds(verify.Seconds),
            verify.Binding,
            new Seconds(stepSeconds),
            rate,
            plain.DecodeTokensPerSecond,
            rate / plain.DecodeTokensPerSecond,
            new Bytes(required),
            plain.MemoryAvailable,
            fits,
            power.JoulesPerPass is { } j2 ? new Joules(j2 / expected) : null,
            power.Throttled);
    }
}
