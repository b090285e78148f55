using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Core.Tests;

public sealed class MixtureOfExpertsTests
{
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
}
