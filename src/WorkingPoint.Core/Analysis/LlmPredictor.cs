using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Units;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Core.Analysis;

/// <summary>A generation request: prompt and generated tokens, concurrent sequences, and images for a VLM.</summary>
/// <param name="AudioSeconds">Seconds of audio a speech model transcribes (its encoder runs once per started 30 s window).</param>
public sealed record LlmScenario(int PromptTokens = 512, int GeneratedTokens = 128, int Batch = 1, int Images = 0, int ImageWidth = 448, int ImageHeight = 448, int PrefillChunkTokens = 512, double AudioSeconds = 0)
{
    public LlmScenario Validate()
    {
        if (PromptTokens < 0 || GeneratedTokens < 0 || Batch < 1 || Images < 0 || PrefillChunkTokens < 1 || AudioSeconds < 0)
        {
            throw new InvalidInputException($"Invalid request: prompt {PromptTokens}, gen {GeneratedTokens}, batch {Batch}, images {Images}; prompt/gen/images must be ≥ 0 and batch ≥ 1.");
        }

        return this;
    }
}

/// <summary>The predicted behaviour of an LLM request on a platform. Energies and power are null where the platform's power is unknown.</summary>
public sealed record LlmPrediction(
    string PlatformId,
    string ModelId,
    string WeightFormat,
    string KvCacheFormat,
    LlmScenario Scenario,
    Precision ExecutedPrecision,
    WeightResidence WeightResidence,
    long PromptTokensWithImages,
    Seconds VisionEncode,
    Seconds Prefill,
    Seconds TimeToFirstToken,
    double PrefillTokensPerSecond,
    Seconds DecodeStep,
    double DecodeTokensPerSecond,
    double AggregateDecodeTokensPerSecond,
    Seconds Total,
    Bytes WeightBytes,
    Bytes KvCacheBytes,
    Bytes MemoryRequired,
    Bytes? MemoryAvailable,
    bool Fits,
    Bytes DecodeBytesPerToken,
    Resource PrefillBinding,
    Resource DecodeBinding,
    Bottleneck Bottleneck,
    Joules? EnergyPerToken,
    Joules? EnergyPerRequest,
    Watts? AverageDecodePower,
    bool Throttled,
    double ThrottleSlowdown);

/// <summary>
/// Prefill and decode of a decoder-only transformer on a roofline: each step takes the longest of its compute time and the time
/// to move its bytes through each memory level; weights are read once per decode step and once per prefill chunk; the KV cache
/// grows with context.
/// </summary>
public static class LlmPredictor
{
    /// <summary>Bytes of compute scratch per token in flight (activations of the widest layer in fp32, twice).</summary>
    private const double WorkspaceBytesPerHiddenUnit = 8;

    /// <summary>Where the weights live on this platform.</summary>
    public static WeightResidence ResidenceOf(LlmWorkload w, Ceilings c) =>
        w.ResidentWeightBytes <= c.OnChipCapacityBytes ? WeightResidence.OnChip
        : c.Platform.HasDram ? WeightResidence.Dram
        : WeightResidence.HostLink;

    /// <summary>One decode step for <paramref name="batch"/> sequences at <paramref name="context"/> tokens of context. Allocation-free.</summary>
    public static StepCost DecodeStep(LlmWorkload w, Ceilings c, double context, int batch = 1)
    {
        var residence = ResidenceOf(w, c);
        var ops = batch * (w.BodyMatmulOpsPerToken + w.LmHeadOpsPerToken + (w.AttentionOpsPerContextTokenPerLayer * w.AttendedTokenLayers(context)) + w.CrossAttentionOpsPerToken);
        var kvBytes = batch * ((w.KvBytesPerTokenPerLayer * (w.AttendedTokenLayers(context) + w.Architecture.Layers)) + w.CrossKvBytes);

        // A mixture of experts reads the distinct experts the batch's tokens route to (all of them at a large batch).
        return Cost(w, c, residence, ops, w.DecodeWeightBytesFor(batch), w.ExpertBytesFor(batch), kvBytes, w.Architecture.Layers * c.LayerOverheadSeconds);
    }

    /// <summary>Prefill of <paramref name="promptTokens"/> per sequence, processed in chunks that each re-read the weights.</summary>
    public static StepCost PrefillPass(LlmWorkload w, Ceilings c, long promptTokens, int batch, int chunkTokens)
    {
        if (promptTokens <= 0)
        {
            return default;
        }

        var residence = ResidenceOf(w, c);

        // Σ over prompt positions of attended context: t for global layers, min(t, window) for windowed ones.
        double p = promptTokens;
        var window = Math.Min(p, w.SlidingWindow);
        var attendedSum = (w.FullLayers * p * (p + 1) / 2) + (w.SlidingLayers * ((window * (window + 1) / 2) + ((p - window) * window)));
        var ops = batch * ((p * (w.BodyMatmulOpsPerToken + w.CrossAttentionOpsPerToken)) + w.LmHeadOpsPerToken + (w.AttentionOpsPerContextTokenPerLayer * attendedSum) + w.CrossKvProjectionOps);

        var chunks = Math.Ceiling(batch * p / chunkTokens);
        // Each chunk re-reads the blocks' weights (of a mixture of experts, the distinct experts its tokens route to); the output
        // projection runs once, for the last position; a speech model's cross-attention k/v projections run once over the encoder states.
        var tokensPerChunk = batch * p / chunks;
        var weightBytes = (chunks * (w.DecodeWeightBytesFor(tokensPerChunk) - w.LmHeadBytes)) + w.LmHeadBytes + w.CrossKvWeightBytes;

        // Each chunk writes its KV and reads the cache built so far.
        var chunksPerSequence = Math.Ceiling(p / chunkTokens);
        var kvReadTokens = chunkTokens * chunksPerSequence * (chunksPerSequence + 1) / 2;
        var kvBytes = batch * ((w.KvBytesPerToken * (p + Math.Min(kvReadTokens, p * chunksPerSequence))) + (w.CrossKvBytes * (1 + chunksPerSequence)));

        // The runtime pays its per-layer cost once per chunk and its per-request cost once.
        var fixedSeconds = (chunks * w.Architecture.Layers * c.LayerOverheadSeconds) + c.InferenceOverheadSeconds;
        return Cost(w, c, residence, ops, weightBytes, chunks * w.ExpertBytesFor(tokensPerChunk), kvBytes, fixedSeconds);
    }

    private static StepCost Cost(LlmWorkload w, Ceilings c, WeightResidence residence, double ops, double weightBytes, double expertBytes, double kvBytes, double fixedSeconds)
    {
        // The KV cache lives in DRAM when there is one, else on chip. Experts held in host memory cross the host link.
        double dram = 0, onChip = 0, link = 0;
        if (w.ExpertsIn == ExpertPlacement.Host)
        {
            link += expertBytes;
            weightBytes -= expertBytes;
        }

        switch (residence)
        {
            case WeightResidence.OnChip: onChip += weightBytes; break;
            case WeightResidence.Dram: dram += weightBytes; break;
            default: link += weightBytes; break;
        }

        if (c.HasDram)
        {
            dram += kvBytes;
        }
        else
        {
            onChip += kvBytes;
        }

        return StepCost.Of(c, w.ComputePrecision, ops, dram, onChip, link, fixedSeconds);
    }

    public static LlmPrediction Predict(LlmWorkload w, Ceilings c, LlmScenario scenario, Func<Seconds>? visionEncode = null)
    {
        scenario.Validate();
        c.RequireComputeAndMemory();
        if (w.ExpertsIn == ExpertPlacement.Host && c.HostLinkBytesPerSecond <= 0)
        {
            throw new MissingFigureException($"Platform '{c.Platform.Id}' gives its {c.Unit.Id} no host link bandwidth, so experts held in host memory cannot be costed; add the link to the platform file or drop --experts-in host.");
        }

        var arch = w.Architecture;
        var imageTokens = scenario.Images > 0 && arch.Vision is { } vision ? scenario.Images * vision.ImageTokens(scenario.ImageWidth, scenario.ImageHeight) : 0;
        var prompt = scenario.PromptTokens + imageTokens;

        // The encoder (a VLM's vision tower per image, a speech model's audio encoder per 30 s window) runs before the prefill.
        var encoderPasses = imageTokens > 0 ? scenario.Images : arch.Audio is not null && scenario.AudioSeconds > 0 ? AudioEncoderSpec.Windows(scenario.AudioSeconds) : 0;
        var visionTime = encoderPasses > 0 && visionEncode is not null ? visionEncode() * encoderPasses : Seconds.Zero;

        var prefill = PrefillPass(w, c, prompt, scenario.Batch, scenario.PrefillChunkTokens);
        var meanContext = prompt + (scenario.GeneratedTokens / 2.0);
        var decode = DecodeStep(w, c, meanContext, scenario.Batch);

        // Power: decode is the steady state of generation; prefill is short and reported at its own rate.
        var precision = w.ComputePrecision;
        var decodePower = PowerOutcome.For(c, decode.DynamicJoules(c, precision), decode.Seconds);
        var prefillPower = prefill.Ops > 0 ? PowerOutcome.For(c, prefill.DynamicJoules(c, precision), prefill.Seconds, burst: true) : new PowerOutcome(null, null, false, 1);
        var decodeSeconds = decode.Seconds * decodePower.SlowdownFactor;
        var prefillSeconds = prefill.Seconds * prefillPower.SlowdownFactor;
        var ttft = visionTime + new Seconds(prefillSeconds);
        var total = ttft + new Seconds(decodeSeconds * scenario.GeneratedTokens);

        var kvCache = scenario.Batch * ((w.KvBytesPerToken * (prompt + scenario.GeneratedTokens)) + w.CrossKvBytes);
        var workspace = scenario.Batch * Math.Min(scenario.PrefillChunkTokens, Math.Max(prompt, 1)) * (arch.HiddenSize + arch.FfnSize) * WorkspaceBytesPerHiddenUnit
            + (scenario.Batch * arch.VocabSize * 4.0);
        var residence = ResidenceOf(w, c);
        var required = (residence == WeightResidence.HostLink ? 0 : w.ResidentWeightBytes) + kvCache + workspace;
        double? available = c.HasDram ? c.UsableDramBytes : c.OnChipCapacityBytes;
        var fits = required <= available;

        var throttled = decodePower.Throttled || prefillPower.Throttled;
        var bottleneck = !fits ? Bottleneck.MemoryCapacity
            : throttled ? Bottleneck.PowerCap
            : decode.OverheadBound ? Bottleneck.RuntimeOverhead
            : BottleneckOf(decode.Binding, residence);
        Joules? energyPerToken = decodePower.JoulesPerPass is { } jt ? new Joules(jt / scenario.Batch) : null;
        Joules? energyPerRequest = decodePower.JoulesPerPass is { } jd && (prefill.Ops == 0 || prefillPower.JoulesPerPass is not null)
            ? new Joules(((prefillPower.JoulesPerPass ?? 0) + (jd * scenario.GeneratedTokens)) / scenario.Batch)
            : null;

        return new LlmPrediction(
            c.Platform.Id,
            arch.Id,
            w.Weights.Id,
            w.KvCache.Id,
            scenario,
            c.ExecutedPrecision(precision),
            residence,
            prompt,
            visionTime,
            new Seconds(prefillSeconds),
            ttft,
            prefillSeconds > 0 ? scenario.Batch * prompt / prefillSeconds : 0,
            new Seconds(decodeSeconds),
            1 / decodeSeconds,
            scenario.Batch / decodeSeconds,
            total,
            new Bytes(w.WeightBytes),
            new Bytes(kvCache),
            new Bytes(required),
            available is { } a ? new Bytes(a) : null,
            fits,
            new Bytes((decode.DramBytes + decode.OnChipBytes + decode.HostLinkBytes) / scenario.Batch),
            prefill.Binding,
            decode.Binding,
            bottleneck,
            energyPerToken,
            energyPerRequest,
            decodePower.AverageWatts is { } wt ? new Watts(wt) : null,
            throttled,
            decodePower.SlowdownFactor);
    }

    internal static Bottleneck BottleneckOf(Resource binding, WeightResidence residence) => binding switch
    {
        Resource.Compute => Bottleneck.Compute,
        Resource.Dram => Bottleneck.DramBandwidth,
        Resource.OnChip => Bottleneck.OnChipBandwidth,
        _ => residence == WeightResidence.HostLink ? Bottleneck.OnChipCapacity : Bottleneck.HostLink,
    };
}
