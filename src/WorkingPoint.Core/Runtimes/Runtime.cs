using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Units;

namespace WorkingPoint.Core.Runtimes;

/// <summary>What a runtime runs: generative models (prefill and decode) or networks (one inference per input).</summary>
public enum WorkloadKind
{
    Llm,
    Network,
}

public static class WorkloadKindExtensions
{
    public static string ToId(this WorkloadKind kind) => kind == WorkloadKind.Llm ? "llm" : "network";

    public static bool TryParse(string? text, out WorkloadKind kind)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "llm": kind = WorkloadKind.Llm; return true;
            case "network": kind = WorkloadKind.Network; return true;
            default: kind = default; return false;
        }
    }
}

/// <summary>A runtime's own shares for one weight format, where they differ from its general ones (null: the general one).</summary>
public sealed record WeightFormatShares(double? DecodeDramShare, double? PrefillComputeShare);

/// <summary>
/// What the roofline alone misses about a runtime on its unit: the share of DRAM bandwidth it reaches (measured on LLM decode,
/// the most bandwidth-bound work, and applied to every DRAM stream), the share of the unit's peak compute it reaches in LLM
/// prefill and in networks, and the fixed costs it pays per layer (a kernel launch and synchronisation) and per inference (a
/// request, its input and output transfer). A handful of numbers per runtime, never one per model.
/// </summary>
public sealed record RuntimeProfile(
    double DecodeDramShare,
    double PrefillComputeShare,
    double NetworkComputeShare,
    Seconds LayerOverhead,
    Seconds InferenceOverhead)
{
    /// <summary>Shares that differ per weight format (keyed by weight format id, e.g. q8_0).</summary>
    public IReadOnlyDictionary<string, WeightFormatShares> ByWeights { get; init; } = new Dictionary<string, WeightFormatShares>();

    /// <summary>
    /// The channel tile of the runtime's matrix engine: a dense layer's input and output channels are padded up to a multiple of
    /// it, so a thin layer (16 channels on a 32-wide tile) costs the padded arithmetic. 1: no padding (the prior).
    /// </summary>
    public double ChannelAlignment { get; init; } = 1;

    /// <summary>
    /// Fixed cost per inference that a harness driving the runtime from Python (Ultralytics' AutoBackend: the call, its
    /// synchronisation, the output tensors) adds on top of <see cref="InferenceOverhead"/>; paid only by the runtime's harnesses
    /// that declare it (<see cref="RuntimeHarness.PaysHarnessOverhead"/>). 0: none (the prior).
    /// </summary>
    public Seconds HarnessOverhead { get; init; } = new(0);

    /// <summary>
    /// How much faster the runtime's Winograd kernels run a dense 3×3 stride-1 convolution than its direct arithmetic
    /// (ncnn turns them on by default); null: the runtime has none. At most F(6×6, 3×3)'s 324 / 64 fewer multiplications.
    /// </summary>
    public double? WinogradSpeedup { get; init; }

    /// <summary>F(6×6, 3×3): 36 outputs of a 3×3 filter from 64 multiplications instead of 324.</summary>
    public const double MaxWinogradSpeedup = 324.0 / 64;

    /// <summary>Where the figures come from: "prior" (sourced or assumed), "platform", or the calibration that fitted them.</summary>
    public string Origin { get; init; } = "prior";

    /// <summary>A generic runtime's profile: the platform's own achievable fractions apply (its achievable: section, else the defaults).</summary>
    public bool FollowsPlatform => Origin == "platform";

    /// <summary>
    /// The achievable fractions a prediction uses for this runtime: the DRAM share, and the compute share of the workload's
    /// kind (prefill for LLMs, networks otherwise), overridden per weight format where the profile has one. On-chip, link
    /// and usable-memory fractions are the platform's.
    /// </summary>
    public AchievableFractions FractionsFor(WorkloadKind kind, string? weightFormatId, AchievableFractions platform)
    {
        if (FollowsPlatform)
        {
            return platform;
        }

        var own = weightFormatId is not null && ByWeights.TryGetValue(weightFormatId, out var w) ? w : null;
        var compute = kind == WorkloadKind.Llm ? own?.PrefillComputeShare ?? PrefillComputeShare : NetworkComputeShare;
        return platform with { Compute = compute, Dram = own?.DecodeDramShare ?? DecodeDramShare };
    }

    /// <summary>The widest channel tile a profile may give (a matrix engine's tile is 8 to 64 channels wide).</summary>
    public const double MaxChannelAlignment = 256;

    /// <summary>Checks every share is in (0, 1], the channel alignment in [1, 256] and every overhead is finite and ≥ 0.</summary>
    public RuntimeProfile Validate(string owner)
    {
        Share(DecodeDramShare, "decodeDramShare");
        Share(PrefillComputeShare, "prefillComputeShare");
        Share(NetworkComputeShare, "networkComputeShare");
        foreach (var (format, shares) in ByWeights)
        {
            if (shares.DecodeDramShare is { } d)
            {
                Share(d, $"byWeights.{format}.decodeDramShare");
            }

            if (shares.PrefillComputeShare is { } p)
            {
                Share(p, $"byWeights.{format}.prefillComputeShare");
            }
        }

        if (!(ChannelAlignment >= 1 && ChannelAlignment <= MaxChannelAlignment))
        {
            throw new InvalidInputException($"{owner}: channelAlignment must be between 1 (no padding) and {MaxChannelAlignment} channels, got {ChannelAlignment}.");
        }

        if (WinogradSpeedup is { } winograd && !(winograd >= 1 && winograd <= MaxWinogradSpeedup))
        {
            throw new InvalidInputException($"{owner}: winogradSpeedup must be between 1 (no gain) and {MaxWinogradSpeedup:0.##} (F(6x6, 3x3)), got {winograd}.");
        }

        Overhead(LayerOverhead.Value, "layerOverheadUs");
        Overhead(InferenceOverhead.Value, "inferenceOverheadUs");
        Overhead(HarnessOverhead.Value, "harnessOverheadUs");
        return this;

        void Share(double value, string name)
        {
            if (!(value > 0 && value <= 1))
            {
                throw new InvalidInputException($"{owner}: {name} must be in (0, 1], got {value}.");
            }
        }

        void Overhead(double seconds, string name)
        {
            if (!(seconds >= 0 && seconds <= 10))
            {
                throw new InvalidInputException($"{owner}: {name} must be between 0 and 10 s, got {seconds * 1e6} µs.");
            }
        }
    }
}

/// <summary>
/// A harness that drives a runtime in a way that changes what it pays (docs/runtime-schema.md, <c>harnesses:</c>): the same
/// engine and kernels, so the same profile and the same calibration group, but launched as one CUDA graph per inference (no
/// per-kernel launch cost: NVIDIA's MLPerf harness) or called from Python (a per-inference cost of its own: Ultralytics).
/// A published row names it in its runtime column; <c>--runtime ID</c> accepts it.
/// </summary>
/// <param name="Id">The id rows and --runtime use (e.g. ultralytics-tensorrt), distinct from every runtime id.</param>
/// <param name="CudaGraphs">Kernels are captured in a CUDA graph and launched as one: the profile's per-layer cost is not paid.</param>
/// <param name="PaysHarnessOverhead">The harness adds the profile's <see cref="RuntimeProfile.HarnessOverhead"/> per inference.</param>
/// <param name="Source">Where the harness's behaviour is documented (a source key of the runtime file or a reference).</param>
public sealed record RuntimeHarness(string Id, string Name, bool CudaGraphs, bool PaysHarnessOverhead, string Source);

/// <summary>
/// A runtime (llama.cpp's CUDA backend, TensorRT, HailoRT, RKLLM…): it runs one workload kind or both on one kind of compute
/// unit, executes a requested precision at the precision it really uses (llama.cpp's Metal backend dequantizes 4-bit weights
/// and multiplies in fp16), and carries the profile of what it reaches there.
/// </summary>
/// <param name="Executes">Requested precision → the precision the runtime really computes at; absent: as requested.</param>
/// <param name="Aliases">Other names users know it by (ollama is llama.cpp).</param>
public sealed record Runtime(
    string Id,
    string Name,
    ComputeUnitKind Unit,
    IReadOnlyList<WorkloadKind> Runs,
    IReadOnlyDictionary<Precision, Precision> Executes,
    RuntimeProfile Profile,
    IReadOnlyList<string> Aliases,
    Provenance Provenance,
    string? Notes)
{
    /// <summary>
    /// The profile before any calibration (each fitted figure's <c>prior:</c>): what a calibration starts from and what a fold
    /// with too few rows keeps, so a row held out never reaches the figures that predict it through an earlier fit. Null: <see cref="Profile"/>.
    /// </summary>
    public RuntimeProfile? PriorProfile { get; init; }

    /// <summary>
    /// The kinds of unit the runtime drives at once when it runs for throughput (MLPerf Offline: TensorRT on a Jetson runs
    /// engines on the GPU and both DLAs together); its own <see cref="Unit"/> first. Absent in the file: only its own.
    /// </summary>
    public IReadOnlyList<ComputeUnitKind> OfflineUnits
    {
        get => _offlineUnits ?? [Unit];
        init => _offlineUnits = value;
    }

    private readonly IReadOnlyList<ComputeUnitKind>? _offlineUnits;

    /// <summary>
    /// Whether the runtime's graph compiler fuses an element-wise layer (an add, an activation) into the convolution before it and
    /// writes concatenated tensors in place, so those layers cost neither a kernel launch nor a trip through DRAM (TensorRT).
    /// </summary>
    public bool FusesLayers { get; init; }

    /// <summary>The harnesses that drive this runtime in ways that change its fixed costs (empty: none declared).</summary>
    public IReadOnlyList<RuntimeHarness> Harnesses { get; init; } = [];

    /// <summary>The harness this instance is driven by (null: the runtime as such, e.g. trtexec for TensorRT).</summary>
    public RuntimeHarness? Harness { get; init; }

    /// <summary>The id a row or --runtime names: the harness's where one drives it, else the runtime's.</summary>
    public string DrivenAsId => Harness?.Id ?? Id;

    /// <summary>This runtime driven by its harness <paramref name="harnessId"/>; null when it declares no such harness.</summary>
    public Runtime? WithHarness(string harnessId) =>
        Harnesses.FirstOrDefault(h => h.Id == harnessId) is { } harness ? this with { Harness = harness } : null;

    /// <summary>
    /// Whether the runtime caches on chip the part of a network's weights that fits and streams only the rest every inference
    /// (the Edge TPU compiler's parameter caching), rather than re-reading them all when they do not fit (Hailo's contexts).
    /// </summary>
    public bool PartialWeightCaching { get; init; }

    /// <summary>
    /// Whether a network whose weights do not fit on chip runs as contexts, one after the other, each loaded before it computes
    /// (HailoRT's multi-context networks): the reload of those weights is in series with the compute, not overlapped with it.
    /// </summary>
    public bool MultiContext { get; init; }

    /// <summary>How far this runtime's predictions were from held-out measurements, per quantity (empty: uncalibrated).</summary>
    public IReadOnlyDictionary<PredictedQuantity, ErrorBand> ErrorBands { get; init; } = new Dictionary<PredictedQuantity, ErrorBand>();

    /// <summary>The band a prediction of <paramref name="quantity"/> with this runtime carries; null when uncalibrated for it.</summary>
    public ErrorBand? BandFor(PredictedQuantity quantity) => ErrorBands.GetValueOrDefault(quantity);

    /// <summary>The precision this runtime computes a request for <paramref name="requested"/> at.</summary>
    public Precision ComputePrecision(Precision requested) => Executes.TryGetValue(requested, out var executed) ? executed : requested;

    /// <summary>The unit this runtime would use on <paramref name="platform"/> for <paramref name="kind"/>, or why it cannot run there.</summary>
    public ComputeUnit UnitOn(Platform platform, WorkloadKind kind)
    {
        if (!Runs.Contains(kind))
        {
            throw new RuntimeMismatchException($"Runtime '{Id}' does not run {(kind == WorkloadKind.Llm ? "LLMs" : "networks")}; it runs {string.Join(" and ", Runs.Select(r => r == WorkloadKind.Llm ? "LLMs" : "networks"))}. Choose another with --runtime (wpt runtimes lists them).");
        }

        return platform.UnitOfKind(Unit)
            ?? throw new RuntimeMismatchException($"Runtime '{Id}' runs on a {Unit.ToId().ToUpperInvariant()}, and platform '{platform.Id}' has none (its units: {string.Join(", ", platform.Units.Select(u => $"{u.Id} ({u.Kind.ToId()})"))}). Choose a runtime for one of those units (wpt runtimes lists them).");
    }

    public override string ToString() => Id;
}

/// <summary>A runtime asked to run where it cannot: a kind of workload it does not run, or a platform without its unit.</summary>
public sealed class RuntimeMismatchException(string message) : WorkingPointException(message);
