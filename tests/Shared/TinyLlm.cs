using WorkingPoint.Core.Workloads;
using WorkingPoint.Gguf;

namespace WorkingPoint.Tests.Shared;

/// <summary>Architecture-faithful LLMs small enough to write and run in milliseconds, for tests (one per family, cached per process).</summary>
internal static class TinyLlm
{
    private static readonly string Directory = System.IO.Directory.CreateTempSubdirectory("wpt-tiny-llm-").FullName;
    private static readonly Lock Gate = new();

    /// <summary>
    /// hidden 256, 2 blocks, 4 heads (2 KV) of 64, FFN 512, vocabulary 1024: every row a whole number of 256-element blocks.
    /// Mixture-of-experts families route to 2 of 4 experts of width 256 (Mixtral's are its FFN width, 512).
    /// </summary>
    public static LlmArchitecture Architecture(LlmFamily family = LlmFamily.Llama, string id = "tiny") => new(
        id, $"Tiny {family}", family, HiddenSize: 256, Layers: 2, AttentionHeads: 4, KvHeads: 2, HeadDim: 64, FfnSize: 512, VocabSize: 1024,
        TiedEmbeddings: family is not (LlmFamily.Phi3 or LlmFamily.GptOss), QkvBias: family is LlmFamily.Qwen2 or LlmFamily.GptOss, GatedFfn: true, MaxContext: 2048,
        SlidingWindow: family switch { LlmFamily.Gemma2 or LlmFamily.Gemma3 => 1024, LlmFamily.GptOss => 128, _ => null }, PublishedParameters: null, Source: "test",
        Experts: family is LlmFamily.Qwen3Moe or LlmFamily.Mixtral or LlmFamily.GptOss ? new MixtureOfExperts(4, 2, family == LlmFamily.Mixtral ? 512 : 256, Biases: family == LlmFamily.GptOss) : null);

    /// <summary>The file for a family and format, written once per test run.</summary>
    public static string File(LlmFamily family = LlmFamily.Llama, string format = "q4_0")
    {
        var path = Path.Combine(Directory, $"tiny-{family.ToString().ToLowerInvariant()}-{format}.gguf");
        lock (Gate)
        {
            if (!System.IO.File.Exists(path))
            {
                GgufSynthesizer.Write(GgufSynthesizer.Plan(Architecture(family), WeightFormat.Parse(format)), path);
            }
        }

        return path;
    }

    /// <summary>A private copy a test may damage.</summary>
    public static string Copy(string name, LlmFamily family = LlmFamily.Llama, string format = "q4_0")
    {
        var path = Path.Combine(Directory, $"{Guid.NewGuid():N}-{name}");
        System.IO.File.Copy(File(family, format), path);
        return path;
    }
}
