using System.Reflection;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Catalog;

/// <summary>A model as the CLI resolves it: an LLM architecture or a graph network.</summary>
public abstract record CatalogModel(string Id, string Name, WorkloadCategory Category, string? Source);

/// <summary>An LLM; <paramref name="FileWeights"/> is the weight layout a GGUF file stores, used when no format is asked for.</summary>
public sealed record LlmCatalogModel(LlmArchitecture Architecture, WeightFormat? FileWeights = null)
    : CatalogModel(Architecture.Id, Architecture.Name, Architecture.Audio is null ? WorkloadCategory.Generative : WorkloadCategory.Speech, Architecture.Source);

public sealed record GraphCatalogModel(GraphModel Model)
    : CatalogModel(Model.Id, Model.Name, Model.Category, Model.Source);

/// <summary>
/// The built-in platforms and models, embedded in the assembly as YAML (catalog/ in the repository), plus user files:
/// anything that looks like a path is read from disk.
/// </summary>
public sealed class Catalog
{
    private static readonly Lazy<Catalog> BuiltInInstance = new(LoadBuiltIn);

    private Catalog(IReadOnlyList<Platform> platforms, IReadOnlyList<CatalogModel> models, IReadOnlyList<Runtime> runtimes)
    {
        Runtimes = runtimes;
        Platforms = platforms.Select(WithRuntimes).ToArray();
        Models = models;
    }

    public static Catalog BuiltIn => BuiltInInstance.Value;

    private static readonly Lazy<string> ContentHashInstance = new(ComputeContentHash);

    /// <summary>
    /// SHA-256 (lower-case hex) of the built-in catalog: every embedded YAML file in ordinal order of its name
    /// (platforms/…, models/…), each as its name, a NUL, its text with line endings as LF, a NUL. The same catalog gives the
    /// same hash on every machine and checkout; any change to a file, or a file added or removed, changes it.
    /// </summary>
    public static string ContentHash => ContentHashInstance.Value;

    public IReadOnlyList<Platform> Platforms { get; }

    public IReadOnlyList<CatalogModel> Models { get; }

    public IReadOnlyList<Runtime> Runtimes { get; }

    /// <summary>A runtime id (or one of its aliases), or a path to a runtime YAML file.</summary>
    public Runtime ResolveRuntime(string idOrPath)
    {
        if (LooksLikePath(idOrPath))
        {
            return RuntimeYaml.Parse(idOrPath, ReadFile(idOrPath, "runtime"));
        }

        // A harness id (ultralytics-tensorrt) names its runtime driven that way.
        return Runtimes.FirstOrDefault(r => r.Id == idOrPath || r.Aliases.Contains(idOrPath))
            ?? Runtimes.Select(r => r.WithHarness(idOrPath)).FirstOrDefault(r => r is not null)
            ?? throw new CatalogException($"Unknown runtime '{idOrPath}'.{Suggest(idOrPath, Runtimes.Select(r => r.Id))} Run 'wpt runtimes' for the list, or pass a path to a runtime YAML file.");
    }

    /// <summary>
    /// The platform with its usual runtimes resolved: the ones its file names, else a generic runtime for the unit such work
    /// usually runs on (LLMs: GPU, then NPU, then CPU; networks: NPU, then GPU, DLA, CPU) with WorkingPoint's prior shares.
    /// </summary>
    public Platform WithRuntimes(Platform platform) => WithRuntimes(platform, new Dictionary<string, Runtime>());

    /// <summary>
    /// This machine as measured (host.yaml), with the runtime profiles <c>wpt measure runtimes</c> fitted here, read once when
    /// the platform is resolved rather than at every prediction (and never while the catalog itself is built).
    /// </summary>
    private Platform WithRuntimesMeasuredHere(Platform host) =>
        HostRuntimeProfilesFile.ReadDefault() is { } profiles ? WithHostProfiles(host, profiles) : WithRuntimes(host, new Dictionary<string, Runtime>());

    /// <summary>
    /// This machine with the given runtime profiles in place of the stored ones (<c>wpt validate llm --recalibrate</c> predicts
    /// each round with the shares its own probes fitted in that round).
    /// </summary>
    public Platform WithHostProfiles(Platform host, HostRuntimeProfiles profiles) =>
        WithRuntimes(host, Runtimes.Select(r => MeasuredOnHost(r, profiles, host.Achievable)).OfType<Runtime>().ToDictionary(r => r.Id));

    private Platform WithRuntimes(Platform platform, Dictionary<string, Runtime> measuredHere)
    {
        var resolved = new Dictionary<WorkloadKind, Runtime>();
        foreach (var kind in new[] { WorkloadKind.Llm, WorkloadKind.Network })
        {
            if (platform.DefaultRuntimeIds.TryGetValue(kind, out var id))
            {
                var runtime = Runtimes.FirstOrDefault(r => r.Id == id)
                    ?? throw new CatalogException($"Platform '{platform.Id}': defaultRuntimes.{kind.ToId()} names runtime '{id}', which WorkingPoint does not know.{Suggest(id, Runtimes.Select(r => r.Id))} Run 'wpt runtimes' for the list.");
                try
                {
                    runtime.UnitOn(platform, kind);
                }
                catch (RuntimeMismatchException ex)
                {
                    throw new CatalogException($"Platform '{platform.Id}': defaultRuntimes.{kind.ToId()}: {ex.Message}");
                }

                resolved[kind] = runtime;
            }
            else if (measuredHere.Values.FirstOrDefault(r => r.Runs.Contains(kind)) is { } measured)
            {
                // This machine measured its own runtimes: predictions use them, with its fitted profiles.
                resolved[kind] = measured;
            }
            else
            {
                ComputeUnitKind[] order = kind == WorkloadKind.Llm
                    ? [ComputeUnitKind.Gpu, ComputeUnitKind.Npu, ComputeUnitKind.Cpu, ComputeUnitKind.Dla]
                    : [ComputeUnitKind.Npu, ComputeUnitKind.Gpu, ComputeUnitKind.Dla, ComputeUnitKind.Cpu];
                var unit = order.Select(platform.UnitOfKind).FirstOrDefault(u => u is not null && u.Compute.HasAnyPeak)
                    ?? order.Select(platform.UnitOfKind).First(u => u is not null)!;
                if (Runtimes.FirstOrDefault(r => r.Id == $"generic-{unit.Kind.ToId()}") is { } generic)
                {
                    resolved[kind] = generic;
                }
            }
        }

        return platform with { DefaultRuntimes = resolved, MeasuredRuntimes = measuredHere };
    }

    /// <summary>
    /// A runtime with the profile <c>wpt measure runtimes</c> fitted on this machine (host-runtimes.yaml beside host.yaml), for
    /// llama.cpp-cpu and onnxruntime-cpu; null for a runtime the file does not cover. Every figure the probes' fit assumed is the
    /// profile's too, not the published fit's (from other machines' rows), which would make the same fit mean something else
    /// here: the network probes fit the compute share and the fixed costs at this machine's own DRAM fraction
    /// (<paramref name="hostFractions"/>); the LLM probes fit the shares, a fixed cost per layer and one per prefill.
    /// </summary>
    private static Runtime? MeasuredOnHost(Runtime runtime, HostRuntimeProfiles host, AchievableFractions hostFractions)
    {
        var measured = $"wpt measure runtimes {host.Measured:yyyy-MM-dd HH:mm}";
        if (runtime.Id == "llama.cpp-cpu" && host.LlamaCppCpu is { } llama)
        {
            return runtime with
            {
                Profile = runtime.Profile with
                {
                    DecodeDramShare = llama.DecodeDramShare.Value,
                    PrefillComputeShare = llama.PrefillComputeShare.Value,
                    ByWeights = llama.ByWeights.ToDictionary(kv => kv.Key, kv => new WeightFormatShares(kv.Value.DecodeDramShare?.Value, kv.Value.PrefillComputeShare?.Value)),

                    // The probes' own fixed costs per layer and per prefill (none in older files), never the published fit's (100 ms per inference).
                    LayerOverhead = new Core.Units.Seconds((llama.LayerOverheadMicroseconds?.Value ?? 0) * 1e-6),
                    InferenceOverhead = new Core.Units.Seconds((llama.InferenceOverheadMicroseconds?.Value ?? 0) * 1e-6),
                    Origin = measured,
                },

                // The published fit's bands say nothing about this machine's own profile.
                ErrorBands = new Dictionary<PredictedQuantity, ErrorBand>(),
            };
        }

        if (runtime.Id == "onnxruntime-cpu" && host.OnnxRuntimeCpu is { } onnx)
        {
            return runtime with
            {
                Profile = runtime.Profile with
                {
                    DecodeDramShare = hostFractions.Dram,
                    ByWeights = new Dictionary<string, WeightFormatShares>(),
                    NetworkComputeShare = onnx.NetworkComputeShare.Value,
                    LayerOverhead = new Core.Units.Seconds(onnx.LayerOverheadMicroseconds.Value * 1e-6),
                    InferenceOverhead = new Core.Units.Seconds(onnx.InferenceOverheadMicroseconds.Value * 1e-6),
                    Origin = measured,
                },

                // The published fit's bands say nothing about this machine's own profile.
                ErrorBands = new Dictionary<PredictedQuantity, ErrorBand>(),
            };
        }

        return null;
    }

    /// <summary>A catalog id, or a path to a platform YAML file.</summary>
    public Platform ResolvePlatform(string idOrPath)
    {
        if (LooksLikePath(idOrPath))
        {
            return WithRuntimes(PlatformYaml.Parse(idOrPath, ReadFile(idOrPath, "platform")));
        }

        // Once this machine has been measured, 'host' is that measurement rather than the placeholder.
        if (idOrPath == HostPlatform.Id && File.Exists(HostPlatform.DefaultPath))
        {
            return WithRuntimesMeasuredHere(PlatformYaml.Parse(HostPlatform.DefaultPath, YamlReader.ReadFile(HostPlatform.DefaultPath)));
        }

        return Platforms.FirstOrDefault(p => p.Id == idOrPath)
            ?? throw new CatalogException($"Unknown platform '{idOrPath}'.{Suggest(idOrPath, Platforms.Select(p => p.Id))} Run 'wpt platforms' for the list, or pass a path to a platform YAML file.");
    }

    /// <summary>A catalog id, or a path to a model file: YAML, ONNX, GGUF or a Hugging Face config.json.</summary>
    public CatalogModel ResolveModel(string idOrPath)
    {
        if (LooksLikePath(idOrPath))
        {
            var extension = Path.GetExtension(idOrPath).ToLowerInvariant();
            if (extension == ".onnx")
            {
                return new GraphCatalogModel(OnnxModels.Load(idOrPath));
            }

            if (extension is ".gguf")
            {
                var gguf = GgufModels.Load(idOrPath);
                return new LlmCatalogModel(gguf.Architecture, gguf.Weights);
            }

            if (extension is ".json")
            {
                return new LlmCatalogModel(HuggingFaceConfig.Load(idOrPath).Architecture);
            }

            return new LlmCatalogModel(LlmYaml.Parse(idOrPath, ReadFile(idOrPath, "model")));
        }

        return Models.FirstOrDefault(m => m.Id == idOrPath)
            ?? throw new CatalogException($"Unknown model '{idOrPath}'.{Suggest(idOrPath, Models.Select(m => m.Id))} Run 'wpt models' for the list, or pass a path to a model file.");
    }

    /// <summary>A comma-separated list of ids or files, or 'all': every catalog platform with figures, and this machine once measured.</summary>
    public IReadOnlyList<Platform> ResolvePlatforms(string? list) =>
        string.IsNullOrWhiteSpace(list) || list == "all"
            ? [.. Platforms.Where(p => p.HasAnyPeak), .. File.Exists(HostPlatform.DefaultPath) ? [ResolvePlatform(HostPlatform.Id)] : Array.Empty<Platform>()]
            : list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ResolvePlatform).ToArray();

    private static readonly string[] FileExtensions = [".yaml", ".yml", ".onnx", ".gguf", ".json"];

    private static bool LooksLikePath(string text) =>
        text.Contains('/', StringComparison.Ordinal) || text.Contains('\\', StringComparison.Ordinal)
        || FileExtensions.Any(e => text.EndsWith(e, StringComparison.OrdinalIgnoreCase)) || File.Exists(text);

    private static string ReadFile(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new CatalogException($"{path}: no such {what} file. Check the path, or use a catalog id.");
        }

        return YamlReader.ReadFile(path);
    }

    private static string Suggest(string wrong, IEnumerable<string> ids)
    {
        var best = ids.Select(id => (id, d: Core.EditDistance.Between(wrong, id))).OrderBy(t => t.d).FirstOrDefault();
        return best.id is not null && best.d <= Math.Max(2, wrong.Length / 3) ? $" Did you mean '{best.id}'?" : string.Empty;
    }

    private static Catalog LoadBuiltIn()
    {
        var assembly = typeof(Catalog).Assembly;
        var platforms = new List<Platform>();
        var models = new List<CatalogModel>();
        var runtimes = new List<Runtime>();
        foreach (var name in assembly.GetManifestResourceNames().Order(StringComparer.Ordinal))
        {
            var text = ReadResource(assembly, name);
            if (name.StartsWith("platforms/", StringComparison.Ordinal))
            {
                platforms.Add(PlatformYaml.Parse($"catalog/{name}", text));
            }
            else if (name.StartsWith("models/", StringComparison.Ordinal))
            {
                models.Add(new LlmCatalogModel(LlmYaml.Parse($"catalog/{name}", text)));
            }
            else if (name.StartsWith("runtimes/", StringComparison.Ordinal))
            {
                runtimes.Add(RuntimeYaml.Parse($"catalog/{name}", text));
            }
        }

        models.AddRange(ModelZoo.GraphModels.Select(g => new GraphCatalogModel(g)));
        return new Catalog(platforms, models, runtimes);
    }

    private static string ComputeContentHash()
    {
        var assembly = typeof(Catalog).Assembly;
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var name in assembly.GetManifestResourceNames().Where(IsCatalogFile).Order(StringComparer.Ordinal))
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(name));
            sha.AppendData([0]);
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(ReadResource(assembly, name).ReplaceLineEndings("\n")));
            sha.AppendData([0]);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static bool IsCatalogFile(string resourceName) =>
        resourceName.StartsWith("platforms/", StringComparison.Ordinal) || resourceName.StartsWith("models/", StringComparison.Ordinal) || resourceName.StartsWith("runtimes/", StringComparison.Ordinal);

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
