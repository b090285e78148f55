using WorkingPoint.Catalog;
using WorkingPoint.Core;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Evaluation;

/// <summary>
/// Catalog models split over units (llama.cpp's GPU offload, a pipeline over accelerators) and run with a draft model
/// (speculative decoding): the runtimes and ceilings each part uses, resolved from the catalog.
/// </summary>
public static class SplitPredictions
{
    /// <summary>
    /// The runtime of the layers llama.cpp keeps on the CPU: its CPU backend (ggml-cpu), the same kernels a CPU-only build runs,
    /// so the CPU-only profile applies, whichever GPU backend holds the other layers.
    /// </summary>
    public const string CpuRuntimeId = "llama.cpp-cpu";

    /// <summary>The model as an LLM, or a one-line refusal naming the option.</summary>
    public static LlmCatalogModel RequireLlm(CatalogModel model, string option) => model as LlmCatalogModel
        ?? throw new InvalidInputException($"{option} splits or drafts an LLM's decode; '{model.Id}' is a network. Drop {option}.");

    /// <summary>
    /// The CPU and GPU parts of llama.cpp's offload on <paramref name="platform"/>: the GPU part on the request's runtime, else the
    /// platform's usual LLM runtime, which must be one of llama.cpp's GPU backends; the CPU part on <see cref="CpuRuntimeId"/>.
    /// --compute-fraction and --dram-fraction apply to both.
    /// </summary>
    public static (Ceilings Cpu, Ceilings Gpu) OffloadUnits(Catalog.Catalog catalog, LlmCatalogModel model, Platform platform, PredictionRequest request)
    {
        string Units() => string.Join(", ", platform.Units.Select(u => $"{u.Id} ({u.Kind.ToId()})"));
        if (platform.UnitOfKind(ComputeUnitKind.Gpu) is null)
        {
            throw new InvalidInputException($"Platform '{platform.Id}' has no GPU to offload layers to (its units: {Units()}); drop --gpu-layers, or choose a platform with a CPU and a GPU.");
        }

        if (platform.UnitOfKind(ComputeUnitKind.Cpu) is null)
        {
            throw new InvalidInputException($"Platform '{platform.Id}' describes no CPU unit to keep layers on (its units: {Units()}); drop --gpu-layers, or add a cpu unit to its YAML.");
        }

        var gpuRuntime = request.Runtime ?? platform.DefaultRuntime(WorkloadKind.Llm);
        if (gpuRuntime is null || gpuRuntime.Unit != ComputeUnitKind.Gpu || !gpuRuntime.Id.StartsWith("llama.cpp", StringComparison.Ordinal))
        {
            var which = gpuRuntime is null ? $"platform '{platform.Id}' has no usual LLM runtime" : $"'{gpuRuntime.Id}' {(gpuRuntime.Unit == ComputeUnitKind.Gpu ? "does not split layers" : $"runs on the {gpuRuntime.Unit.ToId()}")}";
            throw new InvalidInputException($"--gpu-layers is llama.cpp's GPU offload and {which}; name llama.cpp's GPU backend with --runtime (llama.cpp-cuda, llama.cpp-metal or llama.cpp-vulkan).");
        }

        var weights = request.WeightsFor(model).Id;
        var gpu = Predictions.CeilingsFor(WorkloadKind.Llm, weights, platform, request with { Runtime = gpuRuntime });
        var cpu = Predictions.CeilingsFor(WorkloadKind.Llm, weights, platform, request with { Runtime = catalog.ResolveRuntime(CpuRuntimeId) });
        return (cpu, gpu);
    }

    /// <summary><paramref name="model"/> on <paramref name="platform"/> with <paramref name="gpuLayers"/> of its layers offloaded (llama.cpp's -ngl).</summary>
    public static SplitPrediction GpuLayers(Catalog.Catalog catalog, LlmCatalogModel model, Platform platform, PredictionRequest request, int gpuLayers)
    {
        var (cpu, gpu) = OffloadUnits(catalog, model, platform, request);
        return Split(model, SplitPlan.GpuLayers(cpu, gpu, gpuLayers, model.Architecture.Layers), request, gpu);
    }

    /// <summary><paramref name="model"/> pipelined over <paramref name="platforms"/> in order (one device each, layers split evenly), each on its usual LLM runtime.</summary>
    public static SplitPrediction Pipeline(LlmCatalogModel model, IReadOnlyList<Platform> platforms, PredictionRequest request)
    {
        var stages = platforms.Select(p => Predictions.CeilingsFor(model, p, request)).ToArray();
        return Split(model, SplitPlan.Pipeline(stages, model.Architecture.Layers), request, stages[0]);
    }

    /// <summary>The target's plain prediction and its decode with <paramref name="draft"/> drafting, on the target's unit.</summary>
    public static (LlmModelPrediction Plain, SpeculativePrediction Speculative) Speculative(LlmCatalogModel target, LlmCatalogModel draft, Platform platform, PredictionRequest request, double acceptance, int draftTokens)
    {
        var plain = (LlmModelPrediction)Predictions.Predict(target, platform, request);
        var ceilings = Predictions.CeilingsFor(target, platform, request);
        var kv = request.KvCache ?? KvCacheFormat.F16;
        var targetWorkload = new LlmWorkload(target.Architecture, request.WeightsFor(target), kv);
        var draftWorkload = new LlmWorkload(draft.Architecture, request.WeightsFor(draft), kv);
        var setup = new SpeculativeSetup(draftWorkload, acceptance, draftTokens).Validate();
        return (plain, SpeculativeDecoding.Predict(targetWorkload, setup, ceilings, request.Generation ?? new LlmScenario(), plain.Result));
    }

    private static SplitPrediction Split(LlmCatalogModel model, SplitPlan plan, PredictionRequest request, Ceilings encoderOn)
    {
        var weights = request.WeightsFor(model);
        var workload = new LlmWorkload(model.Architecture, weights, request.KvCache ?? KvCacheFormat.F16);
        var scenario = request.Generation ?? new LlmScenario();
        return SplitExecution.Predict(workload, plan, scenario, Predictions.EncoderOf(model, encoderOn, weights, scenario));
    }
}
