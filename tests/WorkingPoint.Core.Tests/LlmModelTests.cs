using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;
using Xunit.Abstractions;

namespace WorkingPoint.Core.Tests;

public sealed class LlmModelTests(ITestOutputHelper output)
{
    private static readonly Ceilings Lpddr4x64Bit = new(TestPlatforms.Soc(dramMegaTransfers: 4266, busWidthBits: 64));

    [Theory]
    [InlineData("int4")]
    [InlineData("q4_0")]
    [InlineData("q4_k_m")]
    public void A_1B_Llama_with_4_bit_weights_on_64_bit_LPDDR4X_4266_decodes_at_30_to_50_tokens_per_second(string format)
    {
        var workload = new LlmWorkload(TestPlatforms.Llama32_1B(), WeightFormat.Parse(format), KvCacheFormat.F16);
        var prediction = LlmPredictor.Predict(workload, Lpddr4x64Bit, new LlmScenario(PromptTokens: 512, GeneratedTokens: 128));
        output.WriteLine($"{format}: {prediction.DecodeTokensPerSecond:F1} tok/s, {workload.AverageBitsPerWeight:F2} bits/weight");
        Assert.InRange(prediction.DecodeTokensPerSecond, 30, 50);
        Assert.Equal(Bottleneck.DramBandwidth, prediction.Bottleneck);
    }

    [Fact]
    public void Keeping_a_4B_model_at_the_1B_rate_needs_over_four_times_the_bandwidth_once_its_KV_cache_is_counted()
    {
        // Phi-3.5-mini (3.8 B) keeps full multi-head attention: at a 4096-token context its KV cache adds about as much
        // traffic per token as its 4-bit weights, so bandwidth grows faster than the parameter count.
        var small = new LlmWorkload(TestPlatforms.Llama32_1B(), WeightFormat.Q4_0, KvCacheFormat.F16);
        var large = new LlmWorkload(TestPlatforms.Phi35Mini(), WeightFormat.Q4_0, KvCacheFormat.F16);
        const double Rate = 40;
        var smallNeed = Bandwidth(small, 4096, Rate);
        var largeNeed = Bandwidth(large, 4096, Rate);
        output.WriteLine($"1B: {smallNeed / 1e9:F1} GB/s, 4B: {largeNeed / 1e9:F1} GB/s, ratio {largeNeed / smallNeed:F2}");
        Assert.True(largeNeed > 4 * smallNeed, $"ratio {largeNeed / smallNeed:F2}");
    }

    [Fact]
    public void The_bandwidth_a_decode_rate_needs_is_the_bytes_per_token_times_the_rate_over_the_achievable_fraction()
    {
        var workload = new LlmWorkload(TestPlatforms.Llama32_1B(), WeightFormat.Q4_0, KvCacheFormat.F16);
        var step = LlmPredictor.DecodeStep(workload, Lpddr4x64Bit, 1000);
        var tokensPerSecond = 1 / step.Seconds;
        Assert.Equal(1.0, step.DramBytes * tokensPerSecond / Lpddr4x64Bit.DramBytesPerSecond, 9);
    }

    [Fact]
    public void Q4_0_weights_take_four_and_a_half_bits_with_the_output_projection_in_q6_K()
    {
        var arch = TestPlatforms.Llama32_1B();
        var workload = new LlmWorkload(arch, WeightFormat.Q4_0, KvCacheFormat.F16);
        var embedding = arch.EmbeddingParameters;
        var expected = ((arch.Parameters - embedding - (arch.HiddenSize * (arch.Layers * 2 + 1))) * 4.5 / 8) + (embedding * 6.5625 / 8) + (arch.HiddenSize * (arch.Layers * 2 + 1) * 4.0);
        Assert.Equal(expected, workload.WeightBytes, 0);
    }

    [Fact]
    public void Q4_K_M_keeps_half_the_value_and_down_projections_in_six_bits_and_falls_back_where_rows_do_not_fit_the_256_block()
    {
        var llama = new LlmWorkload(TestPlatforms.Llama32_1B(), WeightFormat.Q4_K_M, KvCacheFormat.F16);
        Assert.InRange(llama.AverageBitsPerWeight, 4.8, 5.3);
        var q4k = WeightFormat.Q4_K_M;
        var qwen = TestPlatforms.Qwen25_05B();
        var attnQ = qwen.Tensors.First(t => t.Name == "blk.1.attn_q.weight");
        Assert.Equal("q5_0", q4k.EncodingFor(attnQ).Id);
        var firstDown = TestPlatforms.Llama32_1B().Tensors.First(t => t.Name == "blk.0.ffn_down.weight");
        Assert.Equal("q6_K", q4k.EncodingFor(firstDown).Id);
    }

    [Fact]
    public void A_model_larger_than_memory_is_reported_as_not_fitting_with_memory_capacity_as_the_bottleneck()
    {
        var tiny = new Ceilings(TestPlatforms.Soc(dramGiB: 0.5));
        var workload = new LlmWorkload(TestPlatforms.Llama32_1B(), WeightFormat.Fp16, KvCacheFormat.F16);
        var prediction = LlmPredictor.Predict(workload, tiny, new LlmScenario());
        Assert.False(prediction.Fits);
        Assert.Equal(Bottleneck.MemoryCapacity, prediction.Bottleneck);
    }

    [Fact]
    public void Without_DRAM_an_LLM_streams_over_the_host_link_and_on_chip_capacity_is_named_as_the_bottleneck()
    {
        var card = new Ceilings(TestPlatforms.Soc(hasDram: false, onChipMiB: 20, style: ExecutionStyle.Dataflow, link: new HostLink(HostLinkKind.PcieGen3, 4)));
        var workload = new LlmWorkload(TestPlatforms.Llama32_1B(), WeightFormat.Q4_0, KvCacheFormat.F16);
        var prediction = LlmPredictor.Predict(workload, card, new LlmScenario(PromptTokens: 64, GeneratedTokens: 16));
        Assert.Equal(WeightResidence.HostLink, prediction.WeightResidence);
        Assert.Equal(Bottleneck.OnChipCapacity, prediction.Bottleneck);
        Assert.InRange(prediction.DecodeTokensPerSecond, 0.1, 10);
    }

    [Fact]
    public void A_part_that_would_exceed_its_sustained_power_is_throttled_to_the_cap()
    {
        var capped = new Ceilings(TestPlatforms.Soc(int8Tops: 5, dramMegaTransfers: 8533, busWidthBits: 256, maxWatts: 30, idleWatts: 1, sustainedWatts: 2));
        var workload = new LlmWorkload(TestPlatforms.Llama32_1B(), WeightFormat.Q4_0, KvCacheFormat.F16);
        var prediction = LlmPredictor.Predict(workload, capped, new LlmScenario());
        Assert.True(prediction.Throttled);
        Assert.Equal(2, prediction.AverageDecodePower!.Value.Value, 6);
        Assert.Equal(Bottleneck.PowerCap, prediction.Bottleneck);
    }

    [Fact]
    public void Prefill_of_a_long_prompt_is_compute_bound_and_decode_is_bandwidth_bound()
    {
        var workload = new LlmWorkload(TestPlatforms.Llama32_1B(), WeightFormat.Q4_0, KvCacheFormat.F16);
        var prediction = LlmPredictor.Predict(workload, Lpddr4x64Bit, new LlmScenario(PromptTokens: 2048));
        Assert.Equal(Resource.Compute, prediction.PrefillBinding);
        Assert.Equal(Resource.Dram, prediction.DecodeBinding);
        Assert.True(prediction.PrefillTokensPerSecond > 10 * prediction.DecodeTokensPerSecond);
    }

    [Fact]
    public void A_VLM_image_adds_its_tokens_to_the_prompt_and_its_encoder_time_to_the_first_token()
    {
        var vision = new VisionEncoderSpec(14, 2, 1280, 32, 16, 3420, true, 2, 2048, 8, [7, 15, 23, 31], 448, 448);
        Assert.Equal(256, vision.ImageTokens(448, 448));
        var arch = TestPlatforms.Llama32_1B() with { Vision = vision };
        var c = Lpddr4x64Bit;
        var workload = new LlmWorkload(arch, WeightFormat.Q4_0, KvCacheFormat.F16);
        var withImage = LlmPredictor.Predict(workload, c, new LlmScenario(PromptTokens: 100, Images: 1), () => GraphPredictor.Predict(vision.AsGraphModel("vlm").Build(448, 448), c, WeightFormat.Q4_0).Latency);
        var without = LlmPredictor.Predict(workload, c, new LlmScenario(PromptTokens: 100));
        Assert.Equal(356, withImage.PromptTokensWithImages);
        Assert.True(withImage.VisionEncode.Value > 0);
        Assert.True(withImage.TimeToFirstToken > without.TimeToFirstToken + withImage.VisionEncode * 0.99);
    }

    [Fact]
    public void The_Qwen25_VL_vision_tower_has_about_670_million_parameters()
    {
        var vision = new VisionEncoderSpec(14, 2, 1280, 32, 16, 3420, true, 2, 2048, 8, [7, 15, 23, 31], 448, 448);
        Assert.InRange(vision.Parameters, 660_000_000, 675_000_000);
    }

    [Fact]
    public void The_Qwen25_VL_vision_tower_count_is_unchanged_by_the_SigLIP_options()
    {
        // The exact count before the connector, position and LayerNorm options existed; their defaults must keep it.
        var vision = new VisionEncoderSpec(14, 2, 1280, 32, 16, 3420, true, 2, 2048, 8, [7, 15, 23, 31], 448, 448);
        var explicitDefaults = vision with { Connector = VisionConnector.Merger, LearnedPositions = null, LayerNorm = false };
        Assert.Equal(vision.Parameters, explicitDefaults.Parameters);
    }

    [Fact]
    public void A_SigLIP_tower_with_a_pixel_shuffle_connector_counts_every_weight_of_SmolVLM_256M()
    {
        // SigLIP base patch 16 at 512 px as in SmolVLM-256M: patch embedding 3·16²·768 + 768, 1024 learned positions,
        // 12 blocks of (4 biased 768² projections, 768→3072→768 biased MLP, two LayerNorms), a post LayerNorm, and the
        // connector's bias-free 768·4² → 576 projection.
        var vision = SmolVlmVision();
        const long patch = (3L * 16 * 16 * 768) + 768;
        const long positions = 1024L * 768;
        const long block = (4L * ((768 * 768) + 768)) + ((768L * 3072) + 3072) + ((3072L * 768) + 768) + (4L * 768);
        const long connector = 768L * 16 * 576;
        Assert.Equal(patch + positions + (12 * block) + (2 * 768) + connector, vision.Parameters);
    }

    [Fact]
    public void A_SmolVLM_512_pixel_tile_is_64_image_tokens_and_its_learned_positions_do_not_grow_with_the_image()
    {
        var vision = SmolVlmVision();
        Assert.Equal(64, vision.ImageTokens(512, 512));
        Assert.Equal(256, vision.ImageTokens(1024, 1024));
        var small = vision.AsGraphModel("smolvlm").Build(512, 512).TotalParameters;
        var large = vision.AsGraphModel("smolvlm").Build(1024, 1024).TotalParameters;
        Assert.Equal(small, large);
    }

    private static VisionEncoderSpec SmolVlmVision() =>
        new(16, 1, 768, 12, 12, 3072, false, 4, 576, null, [], 512, 512, VisionConnector.PixelShuffle, LearnedPositions: 1024, LayerNorm: true);

    private static double Bandwidth(LlmWorkload w, double context, double rate)
    {
        var kv = w.KvBytesPerTokenPerLayer * (w.AttendedTokenLayers(context) + w.Architecture.Layers);
        return (w.DecodeWeightBytes + kv) * rate / AchievableFractions.Defaults.Dram;
    }
}
