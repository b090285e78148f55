using FsCheck;
using FsCheck.Xunit;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Core.Tests;

public sealed class MixtureOfExpertsTests
{
    private static readonly Ceilings Soc = new(TestPlatforms.Soc(int8Tops: 100, dramGiB: 64));

    /// <summary>Qwen3-30B-A3B as its config.json gives it: 48 blocks, 128 experts of width 768, 8 active.</summary>
    public static LlmArchitecture Qwen3_30B_A3B() => new(
        "qwen3-30b-a3b", "Qwen3 30B-A3B", LlmFamily.Qwen3Moe, 2048, 48, 32, 4, 128, 6144, 151936, false, false, true, 40960, null, 30_532_122_624, null,
        Experts: new MixtureOfExperts(128, 8, 768));

    [Fact]
    public void Qwen3_30B_A3B_has_its_published_30_5_billion_parameters_and_3_3_billion_active()
    {
        var arch = Qwen3_30B_A3B().Validate();

        // Per block: attention 18,874,368 + norms 4,352 + router 262,144 + experts 3 × 2048 × 768 × 128; embeddings untied.
        Assert.Equal(30_532_122_624, arch.Parameters);
        Assert.Equal(3_353_032_704, arch.ActiveParameters);
        Assert.Equal(48L * 3 * 2048 * 768 * 128, arch.RoutedExpertParameters);
    }

    [Fact]
    public void A_dense_models_active_parameters_are_all_its_parameters()
    {
        var arch = TestPlatforms.Llama32_1B();
        Assert.Equal(arch.Parameters, arch.ActiveParameters);
        Assert.Equal(0, arch.RoutedExpertParameters);
    }

    [Fact]
    public void Expert_tensors_are_named_and_stacked_as_llama_cpp_stores_them()
    {
        var block = Qwen3_30B_A3B().Tensors.Where(t => t.Layer == 0).ToDictionary(t => t.Name);
        Assert.Equal(LlmTensorRole.ExpertRouter, block["blk.0.ffn_gate_inp.weight"].Role);
        Assert.Equal((2048L, 128L), (block["blk.0.ffn_gate_inp.weight"].RowLength, block["blk.0.ffn_gate_inp.weight"].Rows));
        var down = block["blk.0.ffn_down_exps.weight"];
        Assert.Equal((768L, 2048L, 128), (down.RowLength, down.RowsPerExpert, down.Experts));
        Assert.Contains("blk.0.ffn_gate_exps.weight", block.Keys);
        Assert.Contains("blk.0.ffn_up_exps.weight", block.Keys);
        Assert.Contains("blk.0.attn_q_norm.weight", block.Keys);
        Assert.Contains("blk.0.attn_k_norm.weight", block.Keys);
        Assert.DoesNotContain("blk.0.ffn_up.weight", block.Keys);
    }

    [Fact]
    public void Shared_experts_get_their_own_fused_tensors_and_count_as_active()
    {
        var arch = Qwen3_30B_A3B() with { Family = LlmFamily.Qwen3, Experts = new MixtureOfExperts(64, 4, 256, SharedExperts: 2, SharedExpertFfnSize: 512, SharedExpertGate: true) };
        var names = arch.Tensors.Where(t => t.Layer == 0).Select(t => t.Name).ToHashSet();
        Assert.Contains("blk.0.ffn_gate_inp_shexp.weight", names);
        var up = arch.Tensors.Single(t => t.Name == "blk.0.ffn_up_shexp.weight");
        Assert.Equal(1024, up.Rows);
        var shared = arch.Tensors.Where(t => t.Name.Contains("_shexp", StringComparison.Ordinal)).Sum(t => t.Elements);
        var routedActive = arch.RoutedExpertParameters / 64 * 4;
        Assert.Equal(arch.Parameters - arch.RoutedExpertParameters + routedActive, arch.ActiveParameters);
        Assert.True(shared > 0);
    }

    [Fact]
    public void Gpt_oss_blocks_carry_attention_sinks_biases_and_per_expert_bias_rows_kept_in_f32()
    {
        var arch = new LlmArchitecture("gpt-oss-20b", "gpt-oss-20b", LlmFamily.GptOss, 2880, 24, 64, 8, 64, 2880, 201088, false, true, true, 131072, 128, null, null,
            Experts: new MixtureOfExperts(32, 4, 2880, Biases: true)).Validate();
        var block = arch.Tensors.Where(t => t.Layer == 0).ToDictionary(t => t.Name);
        Assert.Equal(64, block["blk.0.attn_sinks.weight"].RowLength);
        Assert.Contains("blk.0.attn_output.bias", block.Keys);
        Assert.Contains("blk.0.ffn_gate_inp.bias", block.Keys);
        var bias = block["blk.0.ffn_up_exps.bias"];
        Assert.Equal((2880L, 1L, 32), (bias.RowLength, bias.RowsPerExpert, bias.Experts));
        Assert.Equal(TensorEncoding.F32, WeightFormat.Q4_0.EncodingFor(bias));
        Assert.Equal(TensorEncoding.F32, WeightFormat.Q4_0.EncodingFor(block["blk.0.ffn_gate_inp.weight"]));
        Assert.Equal(12, arch.WindowedLayers);
    }

    [Theory]
    [InlineData(8, 9, "experts.active (9) must be from 1 to experts.count (8)")]
    [InlineData(8, 0, "experts.active (0) must be from 1 to experts.count (8)")]
    [InlineData(1, 1, "experts.count (1) must be at least 2")]
    public void Experts_with_more_active_than_routed_or_a_single_expert_are_refused_naming_the_field(int count, int active, string message)
    {
        var arch = Qwen3_30B_A3B() with { Experts = new MixtureOfExperts(count, active, 768) };
        var ex = Assert.Throws<InvalidInputException>(() => arch.Validate());
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mixture_of_experts_family_without_experts_is_refused_with_the_fix()
    {
        var ex = Assert.Throws<InvalidInputException>(() => (Qwen3_30B_A3B() with { Experts = null }).Validate());
        Assert.Contains("give an experts: block", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LlmFamily.Gemma2, 26, 13)]
    [InlineData(LlmFamily.Gemma3, 26, 22)]
    [InlineData(LlmFamily.Gemma3, 34, 29)]
    [InlineData(LlmFamily.Llama, 32, 32)]
    public void The_sliding_window_pattern_is_the_familys_unless_the_model_states_its_own(LlmFamily family, int layers, int windowed)
    {
        var arch = TestPlatforms.Llama32_1B() with { Family = family, Layers = layers, SlidingWindow = 512 };
        Assert.Equal(windowed, arch.WindowedLayers);
        Assert.Equal(layers - (layers / 4), (arch with { SlidingWindowPattern = 4 }).WindowedLayers);
        Assert.Equal(0, (arch with { SlidingWindow = null }).WindowedLayers);
    }

    [Theory]
    [InlineData(128, 8, 1)]
    [InlineData(128, 8, 4)]
    [InlineData(128, 8, 64)]
    [InlineData(32, 4, 16)]
    [InlineData(8, 2, 3)]
    public void The_expected_distinct_experts_match_a_seeded_simulation_of_uniform_top_k_routing(int experts, int active, int batch)
    {
        // Each simulated token picks a uniformly random k-subset (partial Fisher–Yates), independently of the others.
        const int Steps = 20_000;
        var random = new Random(1234);
        var order = Enumerable.Range(0, experts).ToArray();
        var chosen = new bool[experts];
        double sum = 0;
        for (var step = 0; step < Steps; step++)
        {
            Array.Clear(chosen);
            for (var token = 0; token < batch; token++)
            {
                for (var i = 0; i < active; i++)
                {
                    var j = random.Next(i, experts);
                    (order[i], order[j]) = (order[j], order[i]);
                    chosen[order[i]] = true;
                }
            }

            sum += chosen.Count(c => c);
        }

        // The per-expert "missed by every token" indicators are negatively associated, so the count's variance is at most the
        // sum of theirs, E·p(1−p) ≤ E/4; five standard errors of the mean of 20,000 steps bound a false failure below 1e-6.
        var tolerance = 5 * Math.Sqrt(experts / 4.0 / Steps);
        var expected = new MixtureOfExperts(experts, active, 64).ExpectedDistinctExperts(batch);
        Assert.InRange(sum / Steps, expected - tolerance, expected + tolerance);
    }

    [Fact]
    public void One_token_reads_exactly_its_k_experts_and_a_large_batch_reads_nearly_all()
    {
        var moe = new MixtureOfExperts(128, 8, 768);
        Assert.Equal(8, moe.ExpectedDistinctExperts(1), 9);
        Assert.InRange(moe.ExpectedDistinctExperts(256), 127.9, 128);
    }

    [Fact]
    public void A_decode_step_reads_the_dense_weights_once_and_the_distinct_experts_the_batch_routes_to()
    {
        var arch = Qwen3_30B_A3B();
        var w = new LlmWorkload(arch, WeightFormat.Q8_0, KvCacheFormat.F16);
        var expertBytes = w.RoutedExpertBytes;
        Assert.Equal(WeightFormat.Q8_0.EncodingFor(arch.Tensors.Single(t => t.Name == "blk.0.ffn_up_exps.weight")).BytesFor(2048, 768L * 128) * 3 * 48, expertBytes, 0);
        var dense = w.DecodeWeightBytesFor(1) - (expertBytes * 8 / 128);
        Assert.Equal(dense + (expertBytes * arch.Experts!.ExpectedDistinctExperts(4) / 128), w.DecodeWeightBytesFor(4), 3);
        Assert.Equal(w.DecodeWeightBytes, w.DecodeWeightBytesFor(1));

        // Memory holds every expert; the per-token compute counts k of them.
        Assert.True(w.WeightBytes > w.DecodeWeightBytes * 5);
        Assert.Equal(2.0 * (arch.ActiveParameters - arch.EmbeddingParameters - arch.Tensors.Where(t => t.Rows == 1 || t.RowsPerExpert == 1).Sum(t => t.Elements / t.Experts * (t.Experts > 1 ? 8 : 1)) - (arch.Tensors.Single(t => t.Name == "output.weight").Elements)), w.BodyMatmulOpsPerToken, 0);
    }

    [Fact]
    public void A_dense_models_decode_and_prefill_are_unchanged_by_the_expert_arithmetic()
    {
        var w = new LlmWorkload(TestPlatforms.Llama32_1B(), WeightFormat.Q4_0, KvCacheFormat.F16);
        Assert.Equal(w.DecodeWeightBytes, w.DecodeWeightBytesFor(64));
        Assert.Equal(0, w.ExpertBytesFor(64));
        Assert.Equal(w.WeightBytes, w.ResidentWeightBytes);
    }

    [Fact]
    public void Prefill_counts_only_the_routed_compute_but_memory_counts_every_expert()
    {
        var arch = Qwen3_30B_A3B();
        var moe = new LlmWorkload(arch, WeightFormat.Q4_0, KvCacheFormat.F16);
        var allActive = new LlmWorkload(arch with { Experts = arch.Experts! with { ActiveExperts = 128 } }, WeightFormat.Q4_0, KvCacheFormat.F16);
        var prefill = LlmPredictor.PrefillPass(moe, Soc, 512, 1, 512);
        var prefillAll = LlmPredictor.PrefillPass(allActive, Soc, 512, 1, 512);
        Assert.True(prefill.Ops < prefillAll.Ops / 5, $"{prefill.Ops:E3} vs {prefillAll.Ops:E3}");
        Assert.Equal(moe.WeightBytes, allActive.WeightBytes);
        var prediction = LlmPredictor.Predict(moe, Soc, new LlmScenario(512, 128));
        Assert.True(prediction.MemoryRequired.Value > moe.WeightBytes);
    }

    [Fact]
    public void Experts_held_in_host_memory_cross_the_link_every_step_and_leave_device_memory()
    {
        var arch = Qwen3_30B_A3B();
        var card = new Ceilings(TestPlatforms.Soc(int8Tops: 100, dramGiB: 8, link: new HostLink(HostLinkKind.PcieGen4, 16)));
        var inDram = new LlmWorkload(arch, WeightFormat.Q4_0, KvCacheFormat.F16);
        var inHost = new LlmWorkload(arch, WeightFormat.Q4_0, KvCacheFormat.F16, ExpertPlacement.Host);
        var step = LlmPredictor.DecodeStep(inHost, card, 1000, 2);
        Assert.Equal(inHost.ExpertBytesFor(2), step.HostLinkBytes, 0);
        Assert.Equal(inHost.WeightBytes - inHost.RoutedExpertBytes, inHost.ResidentWeightBytes);
        Assert.False(LlmPredictor.Predict(inDram, card, new LlmScenario(512, 128)).Fits);
        Assert.True(LlmPredictor.Predict(inHost, card, new LlmScenario(512, 128)).Fits);
    }

    [Fact]
    public void Experts_in_host_memory_on_a_platform_without_a_link_name_the_missing_figure()
    {
        var inHost = new LlmWorkload(Qwen3_30B_A3B(), WeightFormat.Q4_0, KvCacheFormat.F16, ExpertPlacement.Host);
        var ex = Assert.Throws<MissingFigureException>(() => LlmPredictor.Predict(inHost, Soc, new LlmScenario()));
        Assert.Contains("no host link bandwidth", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Experts_in_host_memory_for_a_dense_model_is_refused()
    {
        var ex = Assert.Throws<InvalidInputException>(() => new LlmWorkload(TestPlatforms.Llama32_1B(), WeightFormat.Q4_0, KvCacheFormat.F16, ExpertPlacement.Host));
        Assert.Contains("mixture-of-experts models only", ex.Message, StringComparison.Ordinal);
    }

    [Property(MaxTest = 200)]
    public bool More_active_experts_never_make_a_decode_step_faster(PositiveInt active, PositiveInt more, PositiveInt batch, PositiveInt context)
    {
        var arch = Qwen3_30B_A3B();
        var k = (active.Get % 127) + 1;
        var k2 = Math.Min(128, k + (more.Get % 128));
        double Step(int activeExperts) => LlmPredictor.DecodeStep(
            new LlmWorkload(arch with { Experts = arch.Experts! with { ActiveExperts = activeExperts } }, WeightFormat.Q4_0, KvCacheFormat.F16),
            Soc,
            context.Get % 32768,
            (batch.Get % 64) + 1).Seconds;
        return Step(k2) >= Step(k);
    }
}
