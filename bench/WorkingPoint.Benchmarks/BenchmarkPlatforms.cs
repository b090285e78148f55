using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Units;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Benchmarks;

/// <summary>Hardware and models built in code, so the benchmarks need neither the catalog nor its YAML loader.</summary>
public static class BenchmarkPlatforms
{
    /// <summary>
    /// Resembles a Jetson Orin Nano 8 GB at its 25 W mode: 33.5 dense int8 TOPS (67 quoted with 2:4 sparsity),
    /// LPDDR5 at 6400 MT/s on a 128-bit bus (102.4 GB/s), 8 GiB, layer-by-layer execution.
    /// </summary>
    public static Platform OrinNanoLike() => Platform.WithOneUnit(
        Id: "bench-orin-nano",
        Name: "Jetson Orin Nano-like (benchmark)",
        Vendor: "Benchmark",
        Kind: "gpu-soc",
        Execution: ExecutionStyle.LayerByLayer,
        Compute: new ComputeSpec(
        [
            new ComputePeak(Precision.Int8, OpsPerSecond.FromTops(33.5), Sparsity.Dense),
            new ComputePeak(Precision.Fp16, OpsPerSecond.FromTops(16.75), Sparsity.Dense),
        ]),
        OnChip: new OnChipMemory(Bytes.FromMiB(4), null),
        Dram: new DramSpec(DramKind.Lpddr5, 6400, 128, Bytes.FromGiB(8)),
        HostLink: null,
        Power: new PowerSpec(new Watts(5), new Watts(25), null, false, new Dictionary<Precision, PicojoulesPerOp>(), null, null, null),
        Achievable: AchievableFractions.Defaults,
        Price: null,
        FormFactor: "module",
        Provenance: Provenance.None,
        Notes: null);

    /// <summary>Llama-3.2-1B from its config.json: hidden 2048, 16 layers, 32 heads, 8 KV heads of 64, FFN 8192, vocab 128256, tied embeddings.</summary>
    public static LlmArchitecture Llama32_1B() => new LlmArchitecture(
        Id: "llama-3.2-1b",
        Name: "Llama 3.2 1B",
        Family: LlmFamily.Llama,
        HiddenSize: 2048,
        Layers: 16,
        AttentionHeads: 32,
        KvHeads: 8,
        HeadDim: 64,
        FfnSize: 8192,
        VocabSize: 128256,
        TiedEmbeddings: true,
        QkvBias: false,
        GatedFfn: true,
        MaxContext: 131072,
        SlidingWindow: null,
        PublishedParameters: 1_235_814_400,
        Source: "huggingface.co/meta-llama/Llama-3.2-1B config.json").Validate();
}
