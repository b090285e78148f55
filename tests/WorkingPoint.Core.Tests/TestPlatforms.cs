using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Units;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Core.Tests;

/// <summary>Hand-made descriptions for unit tests, independent of the shipped catalog.</summary>
internal static class TestPlatforms
{
    public static Platform Soc(
        double int8Tops = 20,
        double dramMegaTransfers = 4266,
        int busWidthBits = 64,
        double dramGiB = 8,
        double? onChipMiB = null,
        ExecutionStyle style = ExecutionStyle.LayerByLayer,
        double? maxWatts = 10,
        double? idleWatts = 1,
        double? sustainedWatts = null,
        HostLink? link = null,
        bool hasDram = true) => Platform.WithOneUnit(
        "test-soc",
        "Test SoC",
        "Test",
        "npu",
        style,
        new ComputeSpec([new ComputePeak(Precision.Int8, OpsPerSecond.FromTops(int8Tops), Sparsity.Dense), new ComputePeak(Precision.Fp16, OpsPerSecond.FromTops(int8Tops / 2), Sparsity.Dense)]),
        new OnChipMemory(onChipMiB is { } c ? Bytes.FromMiB(c) : null, onChipMiB is null ? null : BytesPerSecond.FromGBps(1000)),
        hasDram ? new DramSpec(DramKind.Lpddr4x, dramMegaTransfers, busWidthBits, Bytes.FromGiB(dramGiB)) : null,
        link,
        new PowerSpec(idleWatts is { } i ? new Watts(i) : null, maxWatts is { } m ? new Watts(m) : null, sustainedWatts is { } s ? new Watts(s) : null, false, new Dictionary<Precision, PicojoulesPerOp>(), null, null, null),
        AchievableFractions.Defaults,
        null,
        "test",
        Provenance.None,
        null);

    /// <summary>Llama-3.2-1B's published config.</summary>
    public static LlmArchitecture Llama32_1B() => new("llama-3.2-1b", "Llama 3.2 1B", LlmFamily.Llama, 2048, 16, 32, 8, 64, 8192, 128256, true, false, true, 131072, null, 1_235_814_400, null);

    /// <summary>Phi-3.5-mini's published config (3.8 B, full multi-head attention).</summary>
    public static LlmArchitecture Phi35Mini() => new("phi-3.5-mini", "Phi-3.5-mini", LlmFamily.Phi3, 3072, 32, 32, 32, 96, 8192, 32064, false, false, true, 131072, null, 3_821_079_552, null);

    /// <summary>Qwen2.5-0.5B's published config (896-wide rows do not fit k-quant blocks).</summary>
    public static LlmArchitecture Qwen25_05B() => new("qwen2.5-0.5b", "Qwen2.5 0.5B", LlmFamily.Qwen2, 896, 24, 14, 2, 64, 4864, 151936, true, true, true, 32768, null, 494_032_768, null);
}
