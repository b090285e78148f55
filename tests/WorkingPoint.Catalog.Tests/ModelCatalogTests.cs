using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Catalog.Tests;

public sealed class ModelCatalogTests
{
    private static readonly string[] RequiredLlms =
    [
        "llama-3.2-1b", "llama-3.2-3b", "llama-3.1-8b", "llama-2-7b", "llama-2-13b", "llama-2-70b", "qwen2.5-0.5b", "qwen2.5-1.5b",
        "qwen2.5-3b", "qwen2.5-7b", "qwen2.5-vl-3b", "phi-3.5-mini", "gemma-2-2b", "smollm2-1.7b", "tinyllama-1.1b",
        "qwen3-0.6b", "qwen3-1.7b", "qwen3-4b", "qwen3-8b", "qwen3-30b-a3b", "gpt-oss-20b", "gemma-3-1b", "gemma-3-4b", "mistral-7b", "phi-4-mini",
        "smolvlm-256m",
    ];

    private static readonly string[] RequiredNetworks = ["yolov8n", "yolov8s", "yolov8m", "yolov8l", "yolov8x", "resnet-50", "mobilenet-v2", "espcn-x2", "dncnn3"];

    public static TheoryData<string> Llms()
    {
        var data = new TheoryData<string>();
        foreach (var id in RequiredLlms)
        {
            data.Add(id);
        }

        return data;
    }

    [Fact]
    public void The_required_models_are_all_in_the_catalog()
    {
        var ids = Catalog.BuiltIn.Models.Select(m => m.Id).ToHashSet();
        Assert.All(RequiredLlms.Concat(RequiredNetworks), id => Assert.Contains(id, ids));
    }

    [Theory]
    [MemberData(nameof(Llms))]
    public void Parameters_computed_from_the_config_match_the_published_count_within_1_percent(string id)
    {
        var architecture = ((LlmCatalogModel)Catalog.BuiltIn.ResolveModel(id)).Architecture;
        var published = architecture.PublishedParameters!.Value;
        Assert.InRange(architecture.TotalParameters, published * 0.99, published * 1.01);
    }

    [Fact]
    public void Gpt_oss_20b_active_parameters_match_the_published_3_61_billion_within_1_percent()
    {
        // OpenAI's gpt-oss model card (arXiv 2508.10925, table 1) counts the output projection but not the input embedding table.
        // (Qwen3-30B-A3B's card gives "3.3 B" to two figures; its derivation, 3.35 B with embeddings, is checked exactly in Core.)
        const double published = 3.61e9;
        var architecture = ((LlmCatalogModel)Catalog.BuiltIn.ResolveModel("gpt-oss-20b")).Architecture;
        var active = architecture.ActiveParameters - architecture.EmbeddingParameters;
        Assert.InRange(active, published * 0.99, published * 1.01);
    }

    [Fact]
    public void SmolVLM_256M_carries_a_SigLIP_tower_whose_512_pixel_tile_is_64_image_tokens()
    {
        var architecture = ((LlmCatalogModel)Catalog.BuiltIn.ResolveModel("smolvlm-256m")).Architecture;
        var vision = architecture.Vision!;
        Assert.Equal(VisionConnector.PixelShuffle, vision.Connector);
        Assert.Equal(1024, vision.LearnedPositions);
        Assert.True(vision.LayerNorm);
        Assert.Equal(64, vision.ImageTokens(512, 512));
    }

    [Fact]
    public void A_model_file_with_an_unknown_vision_connector_is_rejected_naming_the_choices()
    {
        const string text = "id: x\nname: X\nfamily: llama\nhiddenSize: 64\nlayers: 1\nattentionHeads: 1\nkvHeads: 1\nffnSize: 64\nvocabSize: 8\n"
            + "vision:\n  patchSize: 16\n  width: 64\n  depth: 1\n  heads: 1\n  mlpSize: 64\n  outHidden: 64\n  connector: resampler\n";
        var ex = Assert.Throws<CatalogException>(() => LlmYaml.Parse("m.yaml", text));
        Assert.Contains("'vision.connector' must be merger (Qwen2.5-VL) or pixelShuffle", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_qwen2moe_model_file_reads_its_gated_shared_expert_and_one_without_experts_is_rejected()
    {
        const string head = "id: x\nname: X\nfamily: qwen2moe\nhiddenSize: 64\nlayers: 2\nattentionHeads: 4\nkvHeads: 4\nffnSize: 128\nvocabSize: 100\nqkvBias: true\n";
        var model = LlmYaml.Parse("m.yaml", head + "experts:\n  count: 8\n  active: 2\n  ffnSize: 32\n  shared: 1\n  sharedFfnSize: 128\n  sharedGate: true\n");
        Assert.Equal(LlmFamily.Qwen2Moe, model.Family);
        Assert.Equal(new MixtureOfExperts(8, 2, 32, 1, 128, SharedExpertGate: true), model.Experts);

        var ex = Assert.Throws<CatalogException>(() => LlmYaml.Parse("m.yaml", head));
        Assert.Contains("a qwen2moe model routes its FFN to experts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_catalog_model_names_its_source()
    {
        Assert.All(Catalog.BuiltIn.Models, m => Assert.False(string.IsNullOrWhiteSpace(m.Source), m.Id));
    }

    [Fact]
    public void A_model_file_with_an_unsupported_family_is_rejected_naming_the_supported_ones()
    {
        var ex = Assert.Throws<CatalogException>(() => LlmYaml.Parse("m.yaml", "id: x\nname: X\nfamily: mamba\nhiddenSize: 8\nlayers: 1\nattentionHeads: 1\nkvHeads: 1\nffnSize: 8\nvocabSize: 8\n"));
        Assert.Contains("unsupported family 'mamba'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("llama, qwen2, gemma2, phi3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_file_whose_kv_heads_do_not_divide_the_heads_is_rejected()
    {
        var ex = Assert.Throws<CatalogException>(() => LlmYaml.Parse("m.yaml", "id: x\nname: X\nfamily: llama\nhiddenSize: 64\nlayers: 2\nattentionHeads: 8\nkvHeads: 3\nffnSize: 128\nvocabSize: 100\n"));
        Assert.Contains("kvHeads (3) must divide attentionHeads (8)", ex.Message, StringComparison.Ordinal);
    }

    private const string MoeYaml = "id: x\nname: X\nfamily: qwen3moe\nhiddenSize: 64\nlayers: 2\nattentionHeads: 4\nkvHeads: 2\nffnSize: 128\nvocabSize: 300\n";

    [Fact]
    public void A_model_file_with_an_experts_block_describes_a_mixture_of_experts()
    {
        var arch = LlmYaml.Parse("m.yaml", MoeYaml + "experts:\n  count: 8\n  active: 2\n  ffnSize: 32\n  shared: 1\n  sharedFfnSize: 64\n");
        Assert.Equal(new MixtureOfExperts(8, 2, 32, 1, 64), arch.Experts);
        Assert.Equal(LlmFamily.Qwen3Moe, arch.Family);
        Assert.True(arch.ActiveParameters < arch.Parameters);
    }

    [Theory]
    [InlineData("experts:\n  count: 8\n  active: 9\n  ffnSize: 32\n", "experts.active (9) must be from 1 to experts.count (8)")]
    [InlineData("experts:\n  count: 8\n  active: 2\n  ffnSize: 32\n  topk: 2\n", "topk")]
    [InlineData("experts:\n  count: 8\n  active: 2\n", "ffnSize")]
    [InlineData("", "give an experts: block")]
    public void A_bad_experts_block_is_refused_naming_the_field(string experts, string message)
    {
        var ex = Assert.Throws<CatalogException>(() => LlmYaml.Parse("m.yaml", MoeYaml + experts));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("m.yaml", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sliding_window_pattern_in_a_model_file_overrides_the_familys()
    {
        var yaml = "id: x\nname: X\nfamily: gemma3\nhiddenSize: 64\nlayers: 12\nattentionHeads: 4\nkvHeads: 2\nffnSize: 128\nvocabSize: 300\nslidingWindow: 512\n";
        Assert.Equal(10, LlmYaml.Parse("m.yaml", yaml).WindowedLayers);
        Assert.Equal(6, LlmYaml.Parse("m.yaml", yaml + "slidingWindowPattern: 2\n").WindowedLayers);
    }

    [Fact]
    public void A_missing_gguf_path_is_named_with_the_fix()
    {
        var ex = Assert.Throws<CatalogException>(() => Catalog.BuiltIn.ResolveModel("model.gguf"));
        Assert.Contains("model.gguf: no such GGUF file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gguf_file_resolves_to_an_llm_that_carries_the_files_own_weight_layout()
    {
        var plan = WorkingPoint.Gguf.GgufSynthesizer.Plan(Catalog.BuiltIn.ResolveModel("qwen2.5-0.5b") is LlmCatalogModel m ? m.Architecture with { Layers = 2 } : throw new InvalidOperationException(), WeightFormat.Q8_0);
        var directory = Directory.CreateTempSubdirectory("wpt-catalog-gguf-");
        try
        {
            var path = Path.Combine(directory.FullName, "two-blocks.gguf");
            WorkingPoint.Gguf.GgufSynthesizer.Write(plan, path);

            var model = Assert.IsType<LlmCatalogModel>(Catalog.BuiltIn.ResolveModel(path));
            Assert.Equal(2, model.Architecture.Layers);
            Assert.Equal(WeightFormat.Q8_0.Id, model.FileWeights?.Id);
        }
        finally
        {
            // The file is half a gigabyte; left behind by every run it filled the disk.
            directory.Delete(recursive: true);
        }
    }
}
