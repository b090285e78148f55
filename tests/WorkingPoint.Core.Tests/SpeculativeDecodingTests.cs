using FsCheck;
using FsCheck.Xunit;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Core.Tests;

public sealed class SpeculativeDecodingTests
{
    private static readonly LlmWorkload Target = new(TestPlatforms.Phi35Mini(), WeightFormat.Q4_0, KvCacheFormat.F16);
    private static readonly LlmWorkload Draft = new(TestPlatforms.Qwen25_05B(), WeightFormat.Q4_0, KvCacheFormat.F16);
    private static readonly LlmScenario Request = new(PromptTokens: 512, GeneratedTokens: 128);

    private static SpeculativePrediction Predict(double acceptance, int draftTokens, Ceilings? ceilings = null)
    {
        var c = ceilings ?? new Ceilings(TestPlatforms.Soc(dramGiB: 16, maxWatts: null));
        return SpeculativeDecoding.Predict(Target, new SpeculativeSetup(Draft, acceptance, draftTokens), c, Request, LlmPredictor.Predict(Target, c, Request));
    }

    [Theory]
    [InlineData(0.5, 3)]
    [InlineData(0.8, 5)]
    [InlineData(0.95, 8)]
    public void Expected_tokens_per_target_step_follow_Leviathan_et_al_closed_form(double alpha, int k) =>
        Assert.Equal((1 - Math.Pow(alpha, k + 1)) / (1 - alpha), SpeculativeDecoding.ExpectedTokensPerStep(alpha, k), 12);

    [Fact]
    public void With_no_token_accepted_a_step_yields_one_token_and_with_every_token_accepted_K_plus_one()
    {
        Assert.Equal(1, SpeculativeDecoding.ExpectedTokensPerStep(0, 4));
        Assert.Equal(5, SpeculativeDecoding.ExpectedTokensPerStep(1, 4));
        Assert.Equal(5, SpeculativeDecoding.ExpectedTokensPerStep(1 - 1e-9, 4), 6);
    }

    [Fact]
    public void At_zero_acceptance_each_token_costs_the_draft_steps_on_top_of_a_verification_no_faster_than_plain_decode()
    {
        var c = new Ceilings(TestPlatforms.Soc(dramGiB: 16, maxWatts: null));
        var p = Predict(0, 4, c);
        Assert.Equal(1, p.ExpectedTokensPerStep);
        Assert.Equal(p.DraftSteps.Value + p.VerifyStep.Value, p.StepTime.Value);
        Assert.Equal(1 / p.StepTime.Value, p.TokensPerSecond);
        var plainStep = 1 / p.PlainTokensPerSecond;
        Assert.True(p.VerifyStep.Value >= plainStep);
        Assert.True(p.TokensPerSecond < p.PlainTokensPerSecond);

        // Decode here is DRAM-bound, so the verification costs plain decode plus only the 4 extra tokens' KV writes.
        Assert.Equal(Resource.Dram, p.VerifyBinding);
        Assert.Equal(plainStep + (4 * Target.KvBytesPerToken / c.DramBytesPerSecond), p.VerifyStep.Value, 12);
    }

    [Fact]
    public void Verifying_one_token_is_a_plain_decode_step_exactly()
    {
        var c = new Ceilings(TestPlatforms.Soc());
        Assert.Equal(LlmPredictor.DecodeStep(Target, c, 700).Seconds, SpeculativeDecoding.VerifyStep(Target, c, 700, 1).Seconds);
    }

    [Fact]
    public void Verifying_K_plus_one_tokens_reads_the_weights_and_the_KV_cache_once()
    {
        var c = new Ceilings(TestPlatforms.Soc());
        var one = LlmPredictor.DecodeStep(Target, c, 700);
        var five = SpeculativeDecoding.VerifyStep(Target, c, 700, 5);
        Assert.Equal(5 * one.Ops, five.Ops, 0);
        Assert.Equal(one.DramBytes + (4 * Target.KvBytesPerToken), five.DramBytes, 0);
    }

    [Fact]
    public void A_good_draft_speeds_a_bandwidth_bound_decode()
    {
        var p = Predict(0.8, 4);
        Assert.True(p.Speedup > 1.5, $"speed-up {p.Speedup}");
        Assert.True(p.Fits);
    }

    [Fact]
    public void Bad_acceptance_or_draft_length_is_refused_with_the_range()
    {
        Assert.Contains("from 0 to 1", Assert.Throws<InvalidInputException>(() => Predict(1.5, 4)).Message, StringComparison.Ordinal);
        Assert.Contains("1 to 64", Assert.Throws<InvalidInputException>(() => Predict(0.5, 0)).Message, StringComparison.Ordinal);
    }

    [Property(MaxTest = 200)]
    public bool A_higher_acceptance_rate_is_never_slower(PositiveInt a, PositiveInt b, PositiveInt k)
    {
        var low = (a.Get % 1001) / 1000.0;
        var high = Math.Min(1, low + ((b.Get % 1001) / 1000.0));
        var draftTokens = 1 + (k.Get % 16);
        return Predict(high, draftTokens).TokensPerSecond >= Predict(low, draftTokens).TokensPerSecond;
    }
}
