using WorkingPoint.Core;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Gguf;
using WorkingPoint.Measurement;
using WorkingPoint.Results;

namespace WorkingPoint.Evaluation.ModelFiles;

/// <summary>An LLM to run: the GGUF file, what to call it, and the model as the analytic model sees it.</summary>
/// <param name="CatalogId">The catalog LLM it was synthesized from; null for a user's file.</param>
public sealed record LlmModelFile(string Path, string DisplayName, GgufModel Model, bool Synthesized, string? CatalogId = null);

/// <summary>
/// GGUF files for the LLM commands: a user's file as given, or a catalog architecture synthesized with random weights into a
/// cache under the data directory (once per model, format and seed), after checking the machine can hold it.
/// </summary>
public static class LlmModelFiles
{
    public const ulong Seed = 42;

    public static string CacheDirectory => System.IO.Path.Combine(DataDirectory.Path, "models");

    public static LlmModelFile Resolve(Catalog.Catalog catalog, ShowProgress show, string model, string? weights, int contextTokens)
    {
        // A Hugging Face config.json has no weights: it is synthesized like a catalog LLM, in the format asked for.
        var isConfig = model.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        if (!isConfig && (File.Exists(model) || model.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) || model.Contains('/', StringComparison.Ordinal)))
        {
            if (weights is not null)
            {
                throw new InvalidInputException($"--weights applies to catalog models, which are synthesized in that format; {model} is a file and runs as stored.");
            }

            var gguf = GgufModels.Load(model);
            RequireMemory(gguf.Architecture, gguf.Weights, contextTokens, model);
            return new LlmModelFile(model, System.IO.Path.GetFileName(model), gguf, Synthesized: false);
        }

        var resolved = catalog.ResolveModel(model);
        if (resolved is not LlmCatalogModel llm)
        {
            throw new InvalidInputException($"'{model}' is a network; 'wpt bench llm' runs language models (a .gguf file or a catalog LLM such as llama-3.2-1b). Use 'wpt bench onnx {model}'.");
        }

        var format = weights is null ? WeightFormat.Q4_0 : WeightFormat.Parse(weights);
        var path = Synthesize(show, isConfig ? ConfigCacheKey(llm.Architecture) : llm.Architecture, format, contextTokens);
        return new LlmModelFile(path, $"{llm.Id} {format.Id} (synthetic, random weights)", GgufModels.Load(path), Synthesized: true, isConfig ? null : llm.Id);
    }

    /// <summary>
    /// An imported config's id is only its folder's name, so its cached file is keyed by the architecture as well: two configs
    /// in folders of the same name (or one named like a catalog model) never share a file.
    /// </summary>
    private static LlmArchitecture ConfigCacheKey(LlmArchitecture architecture)
    {
        var description = LlmYamlWriter.Write(architecture with { Name = string.Empty, Source = null });
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(description)))[..12];
        return architecture with { Id = $"{architecture.Id}-config-{hash}" };
    }

    /// <summary>The cached synthetic file for an architecture and format, written (with a progress bar) if it is not there yet.</summary>
    public static string Synthesize(ShowProgress show, LlmArchitecture architecture, WeightFormat format, int contextTokens)
    {
        var plan = Plan(architecture, format);
        RequireMemory(architecture, format, contextTokens, $"{architecture.Id} {format.Id}");
        Directory.CreateDirectory(CacheDirectory);
        var path = System.IO.Path.Combine(CacheDirectory, $"{architecture.Id}-{format.Id}-seed{Seed}.gguf");
        // Reused only when the content hashes to what was written (a damaged file of the right size is written again).
        if (File.Exists(path) && new FileInfo(path).Length == plan.FileBytes && ContentHash.MatchesSidecar(path))
        {
            return path;
        }

        Write(show, plan, path, $"Synthesizing {architecture.Id} {format.Id}");
        ContentHash.WriteSidecar(path);
        return path;
    }

    public static SynthesisPlan Plan(LlmArchitecture architecture, WeightFormat format)
    {
        try
        {
            return GgufSynthesizer.Plan(architecture, format);
        }
        catch (InvalidInputException ex)
        {
            throw new InvalidInputException($"{architecture.Id}: {ex.Message}", ex);
        }
    }

    /// <summary>Writes a planned file after checking the disk has room, with progress in bytes.</summary>
    public static void Write(ShowProgress show, SynthesisPlan plan, string path, string description, ulong seed = Seed)
    {
        var directory = Formatting.ExistingDirectoryOf(path);
        var bytes = plan.FileBytes;
        var free = new DriveInfo(directory).AvailableFreeSpace;
        if (bytes > free)
        {
            throw new IOException($"{path}: the model takes {Formatting.Bytes(bytes)} and {directory} has {Formatting.Bytes(free)} free. Free some space, or write elsewhere.");
        }

        var total = (double)plan.Tensors.Sum(t => GgufReader.Align(t.Bytes, GgufFile.DefaultAlignment));
        show($"{description} ({Formatting.Bytes(bytes)})", progress => GgufSynthesizer.Write(plan, path, seed, written => progress?.Report(written / total)));
    }

    /// <summary>
    /// Refuses, before loading or writing anything, a model this machine cannot hold: weights, KV cache for the context and
    /// llama.cpp's compute buffers against the memory the OS reports available.
    /// </summary>
    public static void RequireMemory(LlmArchitecture architecture, WeightFormat format, int contextTokens, string what)
    {
        // The run asks for contextTokens - 1 tokens of context (prompt or depth, then generation); the model must have them.
        if (contextTokens - 1 > architecture.MaxContext)
        {
            throw new InvalidInputException($"{what}: --prompt (or --depths) + --gen = {contextTokens - 1} tokens exceeds the model's context length of {architecture.MaxContext} tokens; ask for at most {architecture.MaxContext} in all.");
        }

        var needed = MemoryNeeded(architecture, format, contextTokens);
        if (PlatformFingerprint.AvailableMemoryBytes() is { } available && needed > available)
        {
            throw new MeasurementException($"{what} needs {Formatting.Bytes(needed)} (weights, KV cache for {contextTokens} tokens, buffers) and this machine has {Formatting.Bytes(available)} available. Use a smaller model or a lower-bit format (e.g. --weights q4_0), or a machine with more memory.");
        }
    }

    public static double MemoryNeeded(LlmArchitecture architecture, WeightFormat format, int contextTokens)
    {
        var workload = new LlmWorkload(architecture, format, KvCacheFormat.F16);
        const double computeBuffers = 512.0 * 1024 * 1024; // llama.cpp's scratch for a 512-token micro-batch, with margin
        return workload.WeightBytes + (workload.KvBytesPerToken * contextTokens) + computeBuffers;
    }
}
