using WorkingPoint.Core;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Catalog.Tests;

/// <summary>Hugging Face config.json files read as architectures: published configs, transformers' defaults, and bad files.</summary>
public sealed class HuggingFaceConfigTests
{
    internal static string Fixture(string folder) => Path.Combine(TestModels.RepositoryRoot, "tests", "Shared", "Fixtures", "huggingface", folder, "config.json");

    /// <summary>A minimal valid llama config, with <paramref name="fields"/> replacing or adding fields (JSON text after the braces).</summary>
    private static string Llama(string fields = "") =>
        "{\"model_type\": \"llama\", \"hidden_size\": 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 8, \"intermediate_size\": 128, \"vocab_size\": 100"
        + (fields.Length > 0 ? ", " + fields : string.Empty) + "}";

    private static LlmArchitecture Read(string json, string id = "test") => HuggingFaceConfig.Parse("config.json", json, id).Architecture;

    /// <summary>Every field the analytic model uses, compared one by one (records hold a lazily built tensor list).</summary>
    internal static void AssertSameArchitecture(LlmArchitecture expected, LlmArchitecture actual)
    {
        Assert.Equal(
            (expected.Family, expected.HiddenSize, expected.Layers, expected.AttentionHeads, expected.KvHeads, expected.HeadDim, expected.FfnSize, expected.VocabSize),
            (actual.Family, actual.HiddenSize, actual.Layers, actual.AttentionHeads, actual.KvHeads, actual.HeadDim, actual.FfnSize, actual.VocabSize));
        Assert.Equal(
            (expected.TiedEmbeddings, expected.QkvBias, expected.GatedFfn, expected.MaxContext, expected.SlidingWindow),
            (actual.TiedEmbeddings, actual.QkvBias, actual.GatedFfn, actual.MaxContext, actual.SlidingWindow));
        Assert.Equal(expected.Vision is null, actual.Vision is null);
        if (expected.Vision is { } v && actual.Vision is { } w)
        {
            Assert.Equal(v with { FullAttentionLayers = [] }, w with { FullAttentionLayers = [] });
            Assert.Equal(v.FullAttentionLayers, w.FullAttentionLayers);
        }

        Assert.Equal(expected.Audio, actual.Audio);
        Assert.Equal(expected.Experts, actual.Experts);
        Assert.Equal((expected.SlidingWindowPattern, expected.WindowedLayers), (actual.SlidingWindowPattern, actual.WindowedLayers));
        Assert.Equal(expected.ActiveParameters, actual.ActiveParameters);
        Assert.Equal(expected.Parameters, actual.Parameters);
        Assert.Equal(expected.TotalParameters, actual.TotalParameters);
    }

    [Theory]
    [InlineData("llama-3.2-1b")]
    [InlineData("qwen2.5-0.5b")]
    [InlineData("gemma-2-2b")]
    [InlineData("phi-3.5-mini")]
    [InlineData("qwen2.5-vl-3b")]
    public void A_published_config_json_gives_the_catalog_models_architecture_and_parameter_count(string id)
    {
        var catalog = ((LlmCatalogModel)Catalog.BuiltIn.ResolveModel(id)).Architecture;
        var import = HuggingFaceConfig.Load(Fixture(id));

        Assert.Equal(id, import.Architecture.Id);
        AssertSameArchitecture(catalog, import.Architecture);
        Assert.Equal(catalog.PublishedParameters, import.Architecture.TotalParameters);
    }

    [Fact]
    public void Mistral_7b_v03_reads_as_a_llama_shaped_model_of_its_published_size_without_a_window()
    {
        var import = HuggingFaceConfig.Load(Fixture("mistral-7b-v0.3"));
        var a = import.Architecture;

        Assert.Equal("mistral", import.ModelType);
        Assert.Equal(LlmFamily.Llama, a.Family);
        Assert.Equal((4096, 32, 32, 8, 128, 14336, 32768), (a.HiddenSize, a.Layers, a.AttentionHeads, a.KvHeads, a.HeadDim, a.FfnSize, a.VocabSize));
        Assert.False(a.TiedEmbeddings);
        Assert.Null(a.SlidingWindow); // "sliding_window": null in v0.3
        Assert.Equal(7_248_023_552, a.Parameters); // 7.25 B, the count transformers reports for Mistral-7B-v0.3
    }

    [Fact]
    public void Qwen2_has_qkv_biases_and_its_sliding_window_only_when_switched_on()
    {
        var qwen = "{\"model_type\": \"qwen2\", \"hidden_size\": 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 8, \"intermediate_size\": 128, \"vocab_size\": 100";
        var off = HuggingFaceConfig.Parse("config.json", qwen + ", \"sliding_window\": 1024}", "q");
        var on = Read(qwen + ", \"sliding_window\": 1024, \"use_sliding_window\": true, \"max_window_layers\": 0}");
        var noneFromLayer28 = HuggingFaceConfig.Parse("config.json", qwen + ", \"sliding_window\": 1024, \"use_sliding_window\": true}", "q");

        Assert.True(off.Architecture.QkvBias);
        Assert.Null(off.Architecture.SlidingWindow);
        Assert.Contains(off.Notes, n => n.Contains("use_sliding_window", StringComparison.Ordinal));
        Assert.Equal(1024, on.SlidingWindow);
        Assert.Equal(2, on.WindowedLayers); // layers from max_window_layers (0) up use the window
        Assert.Equal(32768, on.MaxContext); // Qwen2Config's default
        Assert.Null(noneFromLayer28.Architecture.SlidingWindow); // max_window_layers defaults to 28: neither of 2 layers
        Assert.Contains(noneFromLayer28.Notes, n => n.StartsWith("No layer uses sliding_window 1024", StringComparison.Ordinal));
    }

    [Fact]
    public void Fields_a_config_leaves_out_take_transformers_defaults_for_its_model_type()
    {
        var llama = Read(Llama());
        Assert.Equal(8, llama.KvHeads); // num_key_value_heads defaults to the attention heads
        Assert.Equal(8, llama.HeadDim); // head_dim defaults to hidden_size / heads
        Assert.False(llama.TiedEmbeddings);
        Assert.False(llama.QkvBias);
        Assert.Equal(2048, llama.MaxContext);
        Assert.Null(llama.SlidingWindow);

        var gemma = Read("{\"model_type\": \"gemma2\", \"hidden_size\": 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 8, \"intermediate_size\": 128, \"vocab_size\": 100}");
        Assert.True(gemma.TiedEmbeddings); // Gemma2Config ties the embeddings unless told otherwise
        Assert.Equal(256, gemma.HeadDim); // Gemma2Config's head_dim default, not hidden / heads
        Assert.Equal(4096, gemma.SlidingWindow);
        Assert.Equal(8192, gemma.MaxContext);

        var mistral = Read("{\"model_type\": \"mistral\", \"hidden_size\": 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 8, \"intermediate_size\": 128, \"vocab_size\": 100}");
        Assert.Equal(4096, mistral.SlidingWindow); // MistralConfig's default window
        Assert.Equal(131072, mistral.MaxContext);
    }

    [Fact]
    public void A_window_not_shorter_than_the_context_is_no_window_and_says_so()
    {
        var import = HuggingFaceConfig.Load(Fixture("phi-3.5-mini"));

        Assert.Null(import.Architecture.SlidingWindow);
        Assert.Contains(import.Notes, n => n.Contains("262144", StringComparison.Ordinal));
    }

    [Fact]
    public void Attention_and_mlp_biases_are_read_and_what_is_not_counted_is_noted()
    {
        var import = HuggingFaceConfig.Parse("config.json", Llama("\"attention_bias\": true, \"mlp_bias\": true"), "b");

        Assert.True(import.Architecture.QkvBias);
        Assert.Contains(import.Notes, n => n.StartsWith("attention_bias is true", StringComparison.Ordinal));
        Assert.Contains(import.Notes, n => n.StartsWith("mlp_bias is true", StringComparison.Ordinal));
        Assert.Contains(import.Notes, n => n == "Not in the file, so transformers' llama defaults apply: max_position_embeddings 2048.");
    }

    [Fact]
    public void The_language_fields_are_read_from_text_config_when_the_config_nests_them()
    {
        var flat = HuggingFaceConfig.Load(Fixture("qwen2.5-vl-3b")).Architecture;
        var nested = Read("""
            {
              "model_type": "qwen2_5_vl",
              "tie_word_embeddings": true,
              "text_config": {
                "model_type": "qwen2_5_vl_text", "hidden_size": 2048, "intermediate_size": 11008, "num_hidden_layers": 36,
                "num_attention_heads": 16, "num_key_value_heads": 2, "max_position_embeddings": 128000, "vocab_size": 151936,
                "sliding_window": 32768, "use_sliding_window": false
              },
              "vision_config": {
                "depth": 32, "hidden_size": 1280, "intermediate_size": 3420, "num_heads": 16, "out_hidden_size": 2048,
                "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2, "window_size": 112, "fullatt_block_indexes": [7, 15, 23, 31]
              }
            }
            """);

        AssertSameArchitecture(flat, nested);
    }

    [Theory]
    [InlineData("llama-3.2-1b")]
    [InlineData("qwen2.5-0.5b")]
    [InlineData("gemma-2-2b")]
    [InlineData("phi-3.5-mini")]
    [InlineData("mistral-7b-v0.3")]
    [InlineData("qwen2.5-vl-3b")]
    [InlineData("qwen3-0.6b")]
    [InlineData("qwen3-30b-a3b")]
    [InlineData("gemma-3-1b")]
    [InlineData("gemma-3-4b")]
    [InlineData("mixtral-8x7b")]
    [InlineData("gpt-oss-20b")]
    public void The_written_model_yaml_reads_back_to_the_same_architecture(string id)
    {
        var imported = HuggingFaceConfig.Load(Fixture(id)).Architecture;
        var yaml = LlmYamlWriter.Write(imported, "a comment\nover two lines");
        var read = LlmYaml.Parse("model.yaml", yaml);

        AssertSameArchitecture(imported, read);
        Assert.Equal((imported.Id, imported.Name, imported.Source), (read.Id, read.Name, read.Source));
    }

    [Fact]
    public void Names_and_sources_with_quotes_colons_and_control_characters_survive_the_yaml_round_trip()
    {
        var a = Read(Llama()) with { Name = "a \"quoted\": name # not a comment\t\\ é", Source = "line one\nline two: 'x'" };
        var read = LlmYaml.Parse("model.yaml", LlmYamlWriter.Write(a));

        Assert.Equal((a.Name, a.Source), (read.Name, read.Source));
    }

    [Fact]
    public void A_config_path_resolves_as_a_model_wherever_a_model_file_is_accepted()
    {
        var model = Assert.IsType<LlmCatalogModel>(Catalog.BuiltIn.ResolveModel(Fixture("llama-3.2-1b")));

        Assert.Equal("llama-3.2-1b", model.Id);
        Assert.Equal(1_235_814_400, model.Architecture.Parameters);
    }

    [Theory]
    [InlineData("/models/Llama-3.2-1B/config.json", "llama-3.2-1b")]
    [InlineData("/models/My_Model.config.json", "my-model")]
    [InlineData("/models/qwen3-8b.json", "qwen3-8b")]
    [InlineData("/models/___/config.json", "imported-model")]
    public void The_id_comes_from_the_folder_of_a_config_json_or_from_the_files_own_name(string path, string id) =>
        Assert.Equal(id, HuggingFaceConfig.DeriveId(path));

    [Theory]
    [InlineData("{\"model_type\": \"llama\",", "not valid JSON")]
    [InlineData("[1, 2]", "the JSON is a list, not an object")]
    [InlineData("\"llama\"", "not an object")]
    [InlineData("{\"hidden_size\": 64}", "'model_type' is missing")]
    [InlineData("{\"model_type\": 7}", "'model_type' must be a string")]
    [InlineData("{\"model_type\": \"lama\"}", "model_type \"lama\" is not supported. Did you mean 'llama'? Supported: gemma2, gemma3, gemma3_text, gpt_oss, llama, mistral, mixtral, phi3, qwen2, qwen2_5_vl, qwen2_moe, qwen3, qwen3_moe")]
    [InlineData("{\"model_type\": \"mamba\"}", "model_type \"mamba\" is not supported. Supported:")]
    [InlineData("{\"model_type\": \"llama\", \"hidden_size\": 64}", "'num_hidden_layers' is missing")]
    [InlineData("{\"model_type\": \"llama\", \"hidden_size\": \"64\"}", "'hidden_size' must be a whole number, got the string \"64\"")]
    [InlineData("{\"model_type\": \"llama\", \"hidden_size\": 64.5}", "'hidden_size' must be a whole number, got 64.5")]
    [InlineData("{\"model_type\": \"llama\", \"hidden_size\": 0}", "'hidden_size' must be positive, got 0")]
    [InlineData("{\"model_type\": \"llama\", \"hidden_size\": -64}", "'hidden_size' must be positive, got -64")]
    [InlineData("{\"model_type\": \"llama\", \"hidden_size\": 1e300}", "'hidden_size' is 1e300; at most 2147483647 is accepted")]
    [InlineData("{\"model_type\": \"llama\", \"hidden_size\": 64, \"num_hidden_layers\": 100000}", "'num_hidden_layers' is 100000; at most 4096")]
    [InlineData("{\"model_type\": \"llama\", \"hidden_size\": 1e400}", "'hidden_size' is 1e400; at most 2147483647 is accepted")]
    [InlineData("{\"model_type\": \"llama\", \"text_config\": 5}", "'text_config' must be an object")]
    [InlineData("{\"model_type\": \"llama\", \"text_config\": {\"hidden_size\": true}}", "'text_config.hidden_size' must be a whole number, got the boolean true")]
    public void A_bad_config_is_refused_in_one_line_naming_the_problem(string json, string expected)
    {
        var ex = Assert.Throws<CatalogException>(() => Read(json));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("config.json", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Theory]
    [InlineData("\"num_key_value_heads\": 3", "'num_key_value_heads' (3) must divide 'num_attention_heads' (8)")]
    [InlineData("\"num_key_value_heads\": 0", "'num_key_value_heads' must be positive")]
    [InlineData("\"hidden_size\": 60", "'hidden_size' (60) is not a multiple of 'num_attention_heads' (8) and there is no 'head_dim'")]
    [InlineData("\"head_dim\": 100000", "'head_dim' is 100000; at most 65536")]
    [InlineData("\"max_position_embeddings\": 1000000000", "'max_position_embeddings' is 1000000000; at most 16777216")]
    [InlineData("\"tie_word_embeddings\": \"yes\"", "'tie_word_embeddings' must be true or false, got the string \"yes\"")]
    [InlineData("\"hidden_size\": 2000000000, \"head_dim\": 64, \"num_hidden_layers\": 4096", "parameters; more than 1e14 is not a real model")]
    public void A_field_of_the_wrong_kind_or_size_is_refused_by_name(string field, string expected)
    {
        // Later fields win in System.Text.Json's lookup, so each case overrides the base config's value.
        var ex = Assert.Throws<CatalogException>(() => Read(Llama(field)));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void A_file_over_one_mebibyte_is_refused_before_it_is_read()
    {
        var path = Path.Combine(Path.GetTempPath(), $"wpt-big-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, Llama($"\"padding\": \"{new string('x', HuggingFaceConfig.MaxFileBytes)}\""));
            var ex = Assert.Throws<CatalogException>(() => HuggingFaceConfig.Load(path));
            Assert.Contains("at most 1048576 bytes (1 MiB)", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_file_and_a_bad_id_are_refused_with_the_fix()
    {
        var missing = Assert.Throws<CatalogException>(() => HuggingFaceConfig.Load("/no/such/dir/config.json"));
        Assert.Contains("no such config.json file", missing.Message, StringComparison.Ordinal);

        var id = Assert.Throws<InvalidInputException>(() => HuggingFaceConfig.Parse("config.json", Llama(), "Bad Id"));
        Assert.Contains("--id 'Bad Id' must be lower-case", id.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("qwen3-0.6b", LlmFamily.Qwen3, 596_049_920L)] // model card 0.6 B; exact count in keras-hub's qwen3 presets
    [InlineData("qwen3-30b-a3b", LlmFamily.Qwen3Moe, 30_532_122_624L)] // 30.5 B total; keras-hub's qwen3_moe presets
    [InlineData("qwen1.5-moe-a2.7b", LlmFamily.Qwen2Moe, 14_315_784_192L)] // the model card's 14.3 B total; derived weight by weight in the test below
    [InlineData("gemma-3-1b", LlmFamily.Gemma3, 999_885_952L)] // keras-hub's gemma3 presets
    [InlineData("gemma-3-4b", LlmFamily.Gemma3, 3_880_263_168L)] // keras-hub's 3,880,099,328 with a 262,144 table, + 64 × 2560 for 262,208
    [InlineData("mixtral-8x7b", LlmFamily.Mixtral, 46_702_792_704L)] // the count transformers reports for Mixtral-8x7B-v0.1
    [InlineData("gpt-oss-20b", LlmFamily.GptOss, 20_914_757_184L)] // general.parameter_count of ggml-org/gpt-oss-20b-GGUF
    public void A_published_config_of_a_newer_family_counts_its_published_parameters(string folder, LlmFamily family, long published)
    {
        var import = HuggingFaceConfig.Load(Fixture(folder));

        Assert.Equal(family, import.Architecture.Family);
        Assert.Equal(published, import.Architecture.Parameters);
    }

    [Fact]
    public void A_qwen2_moe_config_gives_routed_experts_one_gated_shared_expert_and_qkv_biases_within_1_percent_of_14_3_billion()
    {
        var qwen = HuggingFaceConfig.Load(Fixture("qwen1.5-moe-a2.7b")).Architecture;

        Assert.Equal(new MixtureOfExperts(60, 4, 1408, SharedExperts: 1, SharedExpertFfnSize: 5632, SharedExpertGate: true), qwen.Experts);
        Assert.True(qwen.QkvBias);
        // Per layer: attention 4·2048² + 3·2048 biases; 60 experts of 3·2048·1408; the shared expert 3·2048·5632; router 2048·60;
        // shared gate 2048; two norms. Plus untied embedding and output (2·151936·2048) and the final norm.
        const long layer = (4L * 2048 * 2048) + (3 * 2048) + (60L * 3 * 2048 * 1408) + (3L * 2048 * 5632) + (2048L * 60) + 2048 + (2 * 2048);
        Assert.Equal((24 * layer) + (2L * 151936 * 2048) + 2048, qwen.Parameters);
        Assert.InRange(qwen.Parameters, 14.3e9 * 0.99, 14.3e9 * 1.01);
        Assert.True(qwen.ActiveParameters < qwen.Parameters / 4); // 4 of 60 routed experts plus the shared one per token
    }

    [Fact]
    public void A_qwen2_moe_config_without_the_shared_expert_width_is_refused_naming_the_field()
    {
        const string json = "{\"model_type\": \"qwen2_moe\", \"hidden_size\": 64, \"num_hidden_layers\": 4, \"num_attention_heads\": 8, \"intermediate_size\": 128, \"vocab_size\": 100, \"num_experts\": 8, \"num_experts_per_tok\": 2, \"moe_intermediate_size\": 32}";
        var ex = Assert.Throws<CatalogException>(() => HuggingFaceConfig.Parse("config.json", json, "q"));
        Assert.Contains("'shared_expert_intermediate_size' is missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mixture_of_experts_configs_give_the_experts_and_the_active_parameters()
    {
        var qwen = HuggingFaceConfig.Load(Fixture("qwen3-30b-a3b")).Architecture;
        var mixtral = HuggingFaceConfig.Load(Fixture("mixtral-8x7b")).Architecture;
        var gptOss = HuggingFaceConfig.Load(Fixture("gpt-oss-20b")).Architecture;

        Assert.Equal(new MixtureOfExperts(128, 8, 768), qwen.Experts);
        Assert.Equal(128, qwen.HeadDim); // head_dim as given, not hidden / heads (64)
        Assert.Equal(new MixtureOfExperts(8, 2, 14336), mixtral.Experts);
        Assert.Equal(12_879_925_248L, mixtral.ActiveParameters); // 12.9 B active: 2 of 8 experts
        Assert.Equal(new MixtureOfExperts(32, 4, 2880, Biases: true), gptOss.Experts);
        Assert.True(gptOss.QkvBias); // GptOssConfig's attention_bias
        Assert.Equal(128, gptOss.SlidingWindow);
        Assert.Equal(12, gptOss.WindowedLayers); // layer_types alternate sliding and full attention
        Assert.Null(gptOss.SlidingWindowPattern); // the family's own pattern
    }

    [Fact]
    public void Gemma3_reads_its_sparse_text_config_with_transformers_defaults_and_says_which_and_that_the_vision_tower_is_left_out()
    {
        var import = HuggingFaceConfig.Load(Fixture("gemma-3-4b"));
        var a = import.Architecture;

        Assert.Equal((2560, 34, 8, 4, 256, 10240, 262_208), (a.HiddenSize, a.Layers, a.AttentionHeads, a.KvHeads, a.HeadDim, a.FfnSize, a.VocabSize));
        Assert.True(a.TiedEmbeddings);
        Assert.Equal((1024, 131072), (a.SlidingWindow!.Value, a.MaxContext));
        Assert.Equal(29, a.WindowedLayers); // five windowed layers in every six: 34 - 34 / 6
        Assert.Null(a.Vision);
        Assert.Contains(import.Notes, n => n.Contains("num_attention_heads 8, num_key_value_heads 4, head_dim 256, vocab_size 262208, max_position_embeddings 131072", StringComparison.Ordinal));
        Assert.Contains(import.Notes, n => n.StartsWith("vision_config describes a vision tower", StringComparison.Ordinal));

        var oneB = HuggingFaceConfig.Load(Fixture("gemma-3-1b")).Architecture;
        Assert.Equal(22, oneB.WindowedLayers); // sliding_window_pattern 6 over 26 layers
        Assert.Null(oneB.SlidingWindowPattern);
    }

    [Fact]
    public void A_layer_types_list_sets_the_windowed_layers_and_an_irregular_one_is_approximated_with_a_note()
    {
        string Gemma2(string layerTypes) => "{\"model_type\": \"gemma2\", \"hidden_size\": 64, \"num_hidden_layers\": 6, \"num_attention_heads\": 8, \"intermediate_size\": 128, \"vocab_size\": 100, \"layer_types\": " + layerTypes + "}";
        const string S = "\"sliding_attention\"", F = "\"full_attention\"";

        var everyThird = Read(Gemma2($"[{S}, {S}, {F}, {S}, {S}, {F}]"));
        var allSliding = Read(Gemma2($"[{S}, {S}, {S}, {S}, {S}, {S}]"));
        var irregular = HuggingFaceConfig.Parse("config.json", Gemma2($"[{F}, {S}, {S}, {S}, {S}, {F}]"), "g");
        var noneSliding = Read(Gemma2($"[{F}, {F}, {F}, {F}, {F}, {F}]"));

        Assert.Equal((3, 4), (everyThird.SlidingWindowPattern!.Value, everyThird.WindowedLayers));
        Assert.Equal((1, 6), (allSliding.SlidingWindowPattern!.Value, allSliding.WindowedLayers));
        Assert.Equal(4, irregular.Architecture.WindowedLayers);
        Assert.Contains(irregular.Notes, n => n.Contains("in no repeating pattern", StringComparison.Ordinal));
        Assert.Null(noneSliding.SlidingWindow);
    }

    [Theory]
    [InlineData("{\"model_type\": \"qwen3_moe\", \"hidden_size\": 64, \"num_hidden_layers\": 4, \"num_attention_heads\": 8, \"intermediate_size\": 128, \"vocab_size\": 100, \"num_experts\": 8, \"num_experts_per_tok\": 2, \"moe_intermediate_size\": 32, \"decoder_sparse_step\": 2}", "make some of the 4 layers dense")]
    [InlineData("{\"model_type\": \"qwen3_moe\", \"hidden_size\": 64, \"num_hidden_layers\": 4, \"num_attention_heads\": 8, \"intermediate_size\": 128, \"vocab_size\": 100, \"num_experts\": 8, \"num_experts_per_tok\": 2, \"moe_intermediate_size\": 32, \"mlp_only_layers\": [0]}", "make some of the 4 layers dense")]
    [InlineData("{\"model_type\": \"qwen3_moe\", \"hidden_size\": 64, \"num_hidden_layers\": 4, \"num_attention_heads\": 8, \"intermediate_size\": 128, \"vocab_size\": 100, \"num_experts\": 8, \"num_experts_per_tok\": 2}", "'moe_intermediate_size' is missing")]
    [InlineData("{\"model_type\": \"mixtral\", \"hidden_size\": 64, \"num_hidden_layers\": 4, \"num_attention_heads\": 8, \"intermediate_size\": 128, \"vocab_size\": 100, \"num_local_experts\": 8, \"num_experts_per_tok\": 9}", "'num_experts_per_tok' (9) must not exceed 'num_local_experts' (8)")]
    [InlineData("{\"model_type\": \"mixtral\", \"hidden_size\": 64, \"num_hidden_layers\": 4, \"num_attention_heads\": 8, \"intermediate_size\": 128, \"vocab_size\": 100, \"num_experts_per_tok\": 2}", "'num_local_experts' is missing")]
    [InlineData("{\"model_type\": \"gpt_oss\", \"hidden_size\": 64, \"num_hidden_layers\": 4, \"num_attention_heads\": 8, \"intermediate_size\": 128, \"vocab_size\": 100, \"num_local_experts\": 8, \"experts_per_token\": 2, \"layer_types\": [\"sliding_attention\"]}", "'layer_types' must list one attention type per layer (4), got a list of 1")]
    [InlineData("{\"model_type\": \"gpt_oss\", \"hidden_size\": 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 8, \"intermediate_size\": 128, \"vocab_size\": 100, \"num_local_experts\": 8, \"experts_per_token\": 2, \"layer_types\": [\"sliding_attention\", \"chunked_attention\"]}", "'layer_types' has \"chunked_attention\"; the model knows sliding_attention and full_attention")]
    public void A_bad_mixture_of_experts_or_layer_layout_is_refused_by_name(string json, string expected)
    {
        var ex = Assert.Throws<CatalogException>(() => Read(json));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }
}
